// JSONPath over realistic objects: fields, brackets, indexes, slices, wildcards, recursive
// descent, unions, filters; typed errors for malformed templates and failed evaluations; cache.

import { describe, expect, test } from "bun:test";
import {
  clearJsonPathCache,
  compileJsonPath,
  compileJsonPathCached,
  compileJsonPathExpression,
  GoFloat,
  JsonPathError,
  jsonPathCacheSize,
} from "../../../src/agent/feedback/mod.ts";
import { jsonPathCacheEntriesMax, jsonPathCacheTemplateCharsMax, jsonPathNestingMax, jsonPathResultsMax } from "../../../src/limits.ts";
import type { JsonObject, JsonValue } from "../../../src/cloudevents/types.ts";
import { deployment, job, pod } from "./fixtures.ts";

const results = (template: string, data: JsonValue, allowMissingKeys = false) =>
  compileJsonPath(template).findResults(data, { allowMissingKeys });
const text = (template: string, data: JsonValue, allowMissingKeys = false) =>
  compileJsonPath(template).execute(data, { allowMissingKeys });

function thrown(fn: () => unknown): JsonPathError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(JsonPathError);
    return err as JsonPathError;
  }
  throw new Error("expected a JsonPathError");
}

describe("fields and brackets", () => {
  const d = deployment();
  test("the paths OCM feedback uses", () => {
    expect(results("{.status.readyReplicas}", d)).toEqual([[2]]);
    expect(results("{.status}", d)).toEqual([[d["status"]!]]);
    expect(results('{.status.conditions[?(@.type=="Available")].reason}', d)).toEqual([["MinimumReplicasAvailable"]]);
    expect(results('{.status.conditions[?(@.type=="Progressing")].message}', d)).toEqual([['ReplicaSet "nginx-5d8f7b8c9" has successfully progressed.']]);
  });

  test("$ and @ name the root; spaces inside actions are ignored", () => {
    expect(results("{$.metadata.name}", d)).toEqual([["nginx"]]);
    expect(results("{@.metadata.name}", d)).toEqual([["nginx"]]);
    expect(results("{ .metadata.name }", d)).toEqual([["nginx"]]);
    expect(results("{@}", { a: 1 })).toEqual([[{ a: 1 }]]);
  });

  test("['key'] is a path split on dots; a backslash escapes a dot in .field", () => {
    expect(results("{.metadata['name']}", d)).toEqual([["nginx"]]);
    expect(results("{['metadata.name']}", d)).toEqual([["nginx"]]);
    expect(results("{.metadata.labels.app\\.kubernetes\\.io/name}", d)).toEqual([["nginx"]]);
    expect(results("{.metadata.annotations.deployment\\.kubernetes\\.io/revision}", d)).toEqual([["2"]]);
  });

  test('["key"] is not client-go syntax (only single quotes name keys)', () => {
    expect(thrown(() => compileJsonPath('{.metadata["name"]}')).message).toBe('invalid array index "name"');
  });

  test("a missing field is an error unless missing keys are allowed", () => {
    expect(thrown(() => results("{.status.nope}", d)).message).toBe("nope is not found");
    expect(thrown(() => results("{.status.nope}", d)).code).toBe("Eval");
    expect(results("{.status.nope}", d, true)).toEqual([[]]);
    expect(results("{.status.nope.deeper}", d, true)).toEqual([[]]);
  });

  test("fields of null, scalars and lists yield nothing", () => {
    expect(results("{.a.b}", { a: null }, true)).toEqual([[]]);
    expect(results("{.a.b}", { a: "text" }, true)).toEqual([[]]);
    expect(results("{.a.length}", { a: [1, 2] }, true)).toEqual([[]]);
    expect(results("{.a}", { a: null })).toEqual([[null]]);
  });

  test("object keys that look like JS internals are plain keys", () => {
    expect(results("{.constructor}", {}, true)).toEqual([[]]);
    expect(results("{.__proto__}", JSON.parse('{"__proto__": 5}') as JsonObject)).toEqual([[5]]);
  });
});

describe("indexes, slices, wildcards", () => {
  const p = pod();
  test("index, negative index, slice, step", () => {
    expect(results("{.spec.containers[0].name}", p)).toEqual([["nginx"]]);
    expect(results("{.spec.containers[-1].name}", p)).toEqual([["sidecar"]]);
    expect(results("{.status.conditions[1:3].type}", p)).toEqual([["Initialized", "Ready"]]);
    expect(results("{.status.conditions[::2].type}", p)).toEqual([["PodReadyToStartContainers", "Ready", "PodScheduled"]]);
    expect(results("{.status.conditions[-2:].type}", p)).toEqual([["ContainersReady", "PodScheduled"]]);
    expect(results("{.status.conditions[:-3].type}", p)).toEqual([["PodReadyToStartContainers", "Initialized"]]);
  });

  test("[*] and .* take every element or member", () => {
    expect(results("{.status.containerStatuses[*].restartCount}", p)).toEqual([[0, 3]]);
    expect(results("{.status.podIPs.*.ip}", p)).toEqual([["10.244.1.17", "fd00::17"]]);
    expect(results("{.metadata.labels.*}", p)).toEqual([["nginx"]]);
    expect(results("{.status.containerStatuses[*].state.*.reason}", p, true)).toEqual([["CrashLoopBackOff"]]);
  });

  test("out of range and wrong types are evaluation errors with client-go's text", () => {
    expect(thrown(() => results("{.spec.containers[2]}", p)).message).toBe("array index out of bounds: index 2, length 2");
    expect(thrown(() => results("{.spec.containers[-3]}", p)).message).toBe("array index out of bounds: index -1, length 2");
    expect(thrown(() => results("{.spec.containers[1:0]}", p)).message).toBe("starting index 1 is greater than ending index 0");
    expect(thrown(() => results("{.spec.containers[0:2:0]}", p)).message).toBe("step must be > 0");
    expect(thrown(() => results("{.metadata[0]}", p)).message).toBe("map[string]interface {} is not array or slice");
    expect(thrown(() => results("{.status.phase[0]}", p)).message).toBe("string is not array or slice");
    expect(thrown(() => results("{.metadata[?(@.x)]}", { metadata: { b: 1, a: [true] } })).message)
      .toBe("map[a:[true] b:1] is not array or slice and cannot be filtered");
  });

  test("an empty list indexes to an error, slices to nothing", () => {
    expect(thrown(() => results("{.a[0]}", { a: [] })).message).toBe("array index out of bounds: index 0, length 0");
    expect(results("{.a[*]}", { a: [] })).toEqual([[]]);
  });

  test("client-go quirk kept: a zero-length slice stops the step for later inputs too", () => {
    expect(results("{.a[*].b[*]}", { a: [{ b: [1] }, { b: [] }, { b: [2] }] })).toEqual([[1]]);
  });
});

describe("recursive descent and unions", () => {
  test("..field finds the field at every depth, in document order", () => {
    expect(results("{..type}", pod())).toEqual([["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"]]);
    expect(results("{..image}", deployment())).toEqual([["nginx:1.27", "busybox:1.36"]]);
    expect(results("{..reason}", job())).toEqual([["CompletionsReached", "CompletionsReached"]]);
  });

  test("{..} yields every value that has members (client-go includes non-empty strings)", () => {
    expect(results("{..}", { a: [1, { b: "x" }], c: "", d: {} })).toEqual([[{ a: [1, { b: "x" }], c: "", d: {} }, [1, { b: "x" }], { b: "x" }, "x"]]);
  });

  test("..[n] indexes every list below; a map among the visited values is an error", () => {
    expect(results("{.a..[0]}", { a: [[1, 2], [3]] })).toEqual([[[1, 2], 1, 3]]);
    expect(thrown(() => results("{..[0]}", { a: [[1, 2], [3]] })).message).toBe("map[string]interface {} is not array or slice");
  });

  test("unions of indexes, keys and paths", () => {
    const p = pod();
    expect(results("{.status.conditions[0,2].type}", p)).toEqual([["PodReadyToStartContainers", "Ready"]]);
    expect(results("{.spec.containers[*]['name','image']}", p)).toEqual([["nginx", "sidecar", "nginx:1.27", "busybox:1.36"]]);
    expect(results("{.status['phase', 'qosClass']}", p)).toEqual([["Running", "BestEffort"]]);
    expect(results("{.status.conditions[-1, 0].type}", p)).toEqual([["PodScheduled", "PodReadyToStartContainers"]]);
  });

  test("recursive descent walks 5,000 levels without exhausting the stack", () => {
    let deep: JsonValue = { leaf: 1 };
    for (let i = 0; i < 5_000; i++) deep = { x: deep };
    expect(results("{..leaf}", deep)).toEqual([[1]]);
  });
});

describe("filters", () => {
  test("comparisons on strings, integers and booleans", () => {
    const p = pod();
    expect(results('{.status.conditions[?(@.status=="False")].type}', p)).toEqual([["Ready", "ContainersReady"]]);
    expect(results("{.status.conditions[?(@.status!='True')].type}", p)).toEqual([["Ready", "ContainersReady"]]);
    expect(results("{.status.containerStatuses[?(@.restartCount>0)].name}", p)).toEqual([["sidecar"]]);
    expect(results("{.status.containerStatuses[?(@.restartCount >= 0)].name}", p)).toEqual([["nginx", "sidecar"]]);
    expect(results("{.status.containerStatuses[?(@.restartCount<3)].name}", p)).toEqual([["nginx"]]);
    expect(results("{.status.containerStatuses[?(@.restartCount<=3)].name}", p)).toEqual([["nginx", "sidecar"]]);
    expect(results("{.status.containerStatuses[?(@.ready==true)].name}", p)).toEqual([["nginx"]]);
    expect(results("{.status.containerStatuses[?(@.ready!=true)].name}", p)).toEqual([["sidecar"]]);
    expect(results("{.status.conditions[?(@.type<'Ini')].type}", p)).toEqual([["ContainersReady"]]);
  });

  test("existence filters, nested paths on the left, a path on the right", () => {
    const p = pod();
    expect(results("{.status.conditions[?(@.reason)].type}", p)).toEqual([["Ready", "ContainersReady"]]);
    expect(results("{.status.containerStatuses[?(@.state.waiting)].name}", p)).toEqual([["sidecar"]]);
    expect(results('{.status.containerStatuses[?(@.state.waiting.reason=="CrashLoopBackOff")].restartCount}', p, true)).toEqual([[3]]);
    expect(results("{.items[?(@.a==@.b)].id}", { items: [{ id: 1, a: 1, b: 1 }, { id: 2, a: 1, b: 2 }] })).toEqual([[1]]);
  });

  test("float literals compare with floats only, as Go's template.Less does", () => {
    const data = { items: [{ v: 1.5 }, { v: 2.5 }] };
    expect(results("{.items[?(@.v<2.0)].v}", data)).toEqual([[1.5]]);
    expect(thrown(() => results("{.items[?(@.v<2)].v}", data)).message).toBe("incompatible types for comparison");
    expect(thrown(() => results("{.items[?(@.n<2.0)].n}", { items: [{ n: 1 }] })).message).toBe("incompatible types for comparison");
  });

  test("incomparable values and operators fail the evaluation", () => {
    const p = pod();
    expect(thrown(() => results("{.status.containerStatuses[?(@.ready<true)]}", p)).message).toBe("invalid type for comparison");
    expect(thrown(() => results("{.status.containerStatuses[?(@.state=='x')]}", p)).message).toBe("invalid type for comparison");
    expect(thrown(() => results("{.status.conditions[?(@.type<>'x')]}", p)).message).toBe("unrecognized filter operator <>");
    expect(thrown(() => results("{.status.conditions[?(@.type=~'x')]}", p)).message).toBe("unrecognized character in action: U+007E '~'");
    expect(thrown(() => results("{.items[?(@.a[*]==1)]}", { items: [{ a: [1, 2] }] })).message).toBe("can only compare one element at a time");
  });

  test("elements missing the compared field are skipped only when missing keys are allowed", () => {
    const data: JsonValue = { items: [{ t: "a" }, {}, { t: "b" }] };
    expect(results("{.items[?(@.t=='b')].t}", data, true)).toEqual([["b"]]);
    expect(thrown(() => results("{.items[?(@.t=='b')].t}", data)).message).toBe("t is not found");
  });

  test("client-go quirk kept: an existence filter keeps elements whose path failed after matching", () => {
    expect(results("{.items[?(@.l[5])].id}", { items: [{ id: 1, l: [0] }, { id: 2 }] }, true)).toEqual([[1]]);
  });

  test("quotes and parentheses inside filter literals", () => {
    const data = { items: [{ v: "()" }, { v: '(")' }, { v: "{[()]}" }, { v: "it's" }] };
    expect(results('{.items[?(@.v=="()")].v}', data)).toEqual([["()"]]);
    expect(results('{.items[?(@.v=="(\\")")].v}', data)).toEqual([['(")']]);
    expect(results('{.items[?(@.v == "{[()]}")].v}', data)).toEqual([["{[()]}"]]);
    expect(results("{.items[?(@.v=='it\\'s')].v}", data)).toEqual([["it's"]]);
  });
});

describe("templates and text output", () => {
  test("text around actions, several actions", () => {
    const d = deployment();
    expect(results("ready={.status.readyReplicas}/{.spec.replicas}", d)).toEqual([["ready="], [2], ["/"], [3]]);
    expect(text("ready={.status.readyReplicas}/{.spec.replicas}", d)).toBe("ready=2/3");
    expect(text("{.spec.template.spec.containers[*].name}", d)).toBe("nginx sidecar");
    expect(text("{.metadata.labels}", d)).toBe('{"app":"nginx","app.kubernetes.io/name":"nginx"}');
    expect(text('{"\\t"}{.kind}{"\\n"}', d)).toBe("\tDeployment\n");
  });

  test("literal values print as Go prints them", () => {
    expect(text("{.a} {.b} {.c} {.d} {.e}", { a: 1.5, b: 1e6 + 0.5, c: true, d: null, e: 0.00001 })).toBe("1.5 1.0000005e+06 true <nil> 1e-05");
    expect(text("{.a}", { a: "<b>" })).toBe("<b>");
    expect(text("{.a}", { a: ["<b>"] })).toBe('["\\u003cb\\u003e"]');
  });

  test("float literals stay floats in findItems", () => {
    expect(compileJsonPath("{2.0}").findItems({})).toEqual([[new GoFloat(2)]]);
    expect(compileJsonPath("{2.0}").findResults({})).toEqual([[2]]);
    expect(compileJsonPath("{-3}").findResults({})).toEqual([[-3]]);
    expect(compileJsonPath("{true}").findResults({})).toEqual([[true]]);
  });

  test("compileJsonPathExpression takes a path with or without braces", () => {
    const d = deployment();
    expect(compileJsonPathExpression(".status.replicas").findResults(d)).toEqual([[3]]);
    expect(compileJsonPathExpression("{.status.replicas}").findResults(d)).toEqual([[3]]);
  });

  test("range blocks are refused as unsupported", () => {
    const err = thrown(() => results("{range .items[*]}{.a}{end}", { items: [] }));
    expect(err.code).toBe("Unsupported");
  });
});

describe("malformed templates", () => {
  const cases: [string, string][] = [
    ["{.hello", "unclosed action"],
    ["{*}", "unrecognized character in action: U+002A '*'"],
    ["{+12.3.0}", "cannot parse number +12.3.0"],
    ["{[1}", "unterminated array"],
    ["{[?(.price]}", "unterminated filter"],
    ["{........}", "invalid multiple recursive descent"],
    ["{.a[?(@.b=='x'}", "unterminated filter"],
    ["{.a[?(@.b=='x')}", "unclosed array expect ]"],
    ["{.a['b]}", "invalid array index 'b"],
    ["{.a['b}", "unterminated array"],
    ["{.a[x]}", "invalid array index x"],
    ["{.a[-]}", "array index - is not a number"],
    ["{.a[99999999999999999999]}", "array index 99999999999999999999 is not a number"],
    ['{"abc}', "unterminated quoted string"],
    ['{"\\q"}', 'unquote string "\\q" error invalid syntax'],
    ["{.a\n}", "unclosed action"],
    ["{.a\t}", "unrecognized character in action: U+0009"],
    ["{{.a}}", "unrecognized character in action: U+007B '{'"],
  ];
  for (const [template, message] of cases) {
    test(`${JSON.stringify(template)} -> ${message}`, () => {
      const err = thrown(() => compileJsonPath(template));
      expect(err.code).toBe("Syntax");
      expect(err.message).toBe(message);
    });
  }

  test("an identifier parses and fails at evaluation, as in client-go", () => {
    expect(thrown(() => results("{hello}", {})).message).toBe("unrecognized identifier hello");
  });

  test("nesting past jsonPathNestingMax is a syntax error, not a stack overflow", () => {
    const template = `{${"['a',".repeat(jsonPathNestingMax + 2)}'b'${"]".repeat(jsonPathNestingMax + 2)}}`;
    expect(thrown(() => compileJsonPath(template)).code).toBe("Syntax");
  });

  test("random templates either compile or throw JsonPathError, and evaluate the same way", () => {
    const alphabet = [
      ".status", ".conditions", "[0]", "[-1]", "[*]", "[1:]", "..", ".type", "['phase','podIP']", "[?(@.type=='Ready')]",
      "[?(@.restartCount>1)]", "[?(@.x)]", ".*", "@", " ", "'", '"', "[", "]", "(", ")", "?", "=", "<", "!", ",", ":", "-", "1", "\\", "{", "}", "true", "range",
    ];
    let seed = 42; // mulberry32: deterministic, well mixed in the low bits
    const random = (n: number) => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) % n;
    };
    const data = pod();
    let compiled = 0;
    for (let i = 0; i < 5_000; i++) {
      let template = "{";
      const length = 1 + random(12);
      for (let j = 0; j < length; j++) template += alphabet[random(alphabet.length)];
      template += random(4) === 0 ? "" : "}";
      let path;
      try {
        path = compileJsonPath(template);
      } catch (err) {
        expect(err).toBeInstanceOf(JsonPathError);
        continue;
      }
      compiled++;
      for (const allowMissingKeys of [true, false]) {
        try {
          path.findResults(data, { allowMissingKeys });
          path.execute(data, { allowMissingKeys });
        } catch (err) {
          expect(err).toBeInstanceOf(JsonPathError);
        }
      }
    }
    expect(compiled).toBeGreaterThan(400);
  });
});

describe("limits", () => {
  test("chained unions past jsonPathResultsMax fail instead of exhausting memory", () => {
    let nested: JsonValue = 1;
    for (let i = 0; i < 12; i++) nested = { a: nested };
    const template = `{${"['a','a','a','a']".repeat(11)}}`;
    const err = thrown(() => results(template, nested));
    expect(err.message).toBe(`jsonpath produced more than ${jsonPathResultsMax} values`);
  });
});

describe("compiled template cache", () => {
  test("one instance per template; parse errors are cached and rethrown", () => {
    clearJsonPathCache();
    const a = compileJsonPathCached("{.status.replicas}");
    expect(compileJsonPathCached("{.status.replicas}")).toBe(a);
    const first = thrown(() => compileJsonPathCached("{.status["));
    expect(thrown(() => compileJsonPathCached("{.status["))).toBe(first);
    expect(jsonPathCacheSize()).toBe(2);
  });

  test("the cache resets at its bound and skips long templates", () => {
    clearJsonPathCache();
    for (let i = 0; i < jsonPathCacheEntriesMax + 10; i++) compileJsonPathCached(`{.f${i}}`);
    expect(jsonPathCacheSize()).toBeLessThanOrEqual(jsonPathCacheEntriesMax);
    expect(jsonPathCacheSize()).toBe(10);
    const long = `{.${"x".repeat(jsonPathCacheTemplateCharsMax)}}`;
    expect(compileJsonPathCached(long).findResults({}, { allowMissingKeys: true })).toEqual([[]]);
    expect(jsonPathCacheSize()).toBe(10);
  });
});
