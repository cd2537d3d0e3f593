// Golden cases ported from client-go util/jsonpath/jsonpath_test.go (template, input, expected
// Execute output or error). Go struct inputs become JSON maps: their JSON output then has sorted
// keys, and Go's `map[string]int` type name becomes `map[string]interface {}`. Cases that need
// `range`/`end` blocks (not supported) or the `=~` operator (not in upstream client-go) are left out.

import { describe, expect, test } from "bun:test";
import { compileJsonPath, JsonPathError } from "../../../src/agent/feedback/mod.ts";
import type { JsonValue } from "../../../src/cloudevents/types.ts";

interface Case {
  readonly name: string;
  readonly template: string;
  readonly input: JsonValue;
  readonly expect: string;
  readonly expectError?: boolean;
}

/** client-go testJSONPath: parse, Execute, compare the text (or expect an error). */
function runCases(cases: readonly Case[], allowMissingKeys: boolean): void {
  for (const c of cases) {
    test(`${c.name}: ${c.template}`, () => {
      let out: string;
      try {
        out = compileJsonPath(c.template).execute(c.input, { allowMissingKeys });
      } catch (err) {
        expect(err).toBeInstanceOf(JsonPathError);
        if (!c.expectError) throw err;
        return;
      }
      expect(c.expectError ?? false).toBe(false);
      expect(out).toBe(c.expect);
    });
  }
}

/** client-go testFailJSONPath: the exact error text. */
function runFailCases(cases: readonly Case[]): void {
  for (const c of cases) {
    test(`${c.name}: ${c.template}`, () => {
      let out = "nil";
      try {
        compileJsonPath(c.template).execute(c.input);
      } catch (err) {
        expect(err).toBeInstanceOf(JsonPathError);
        out = (err as JsonPathError).message;
      }
      expect(out).toBe(c.expect);
    });
  }
}

describe("TestTypesInput", () => {
  const types: JsonValue = {
    bools: [true, false, true, false],
    integers: [1, 2, 3, 4],
    floats: [1.0, 2.2, 3.3, 4.0],
    strings: ["one", "two", "three", "four"],
    interfaces: [true, "one", 1, 1.1],
    maps: [
      { name: "one", value: 1 },
      { name: "two", value: 2.02 },
      { name: "three", value: 3.03 },
      { name: "four", value: 4.04 },
    ],
  };
  runCases([
    { name: "boolSlice", template: "{ .bools }", input: types, expect: "[true,false,true,false]" },
    { name: "boolSliceIndex", template: "{ .bools[0] }", input: types, expect: "true" },
    { name: "boolSliceIndex", template: "{ .bools[-1] }", input: types, expect: "false" },
    { name: "boolSubSlice", template: "{ .bools[0:2] }", input: types, expect: "true false" },
    { name: "boolSubSliceFirst2", template: "{ .bools[:2] }", input: types, expect: "true false" },
    { name: "boolSubSliceStep2", template: "{ .bools[:4:2] }", input: types, expect: "true true" },
    { name: "integerSlice", template: "{ .integers }", input: types, expect: "[1,2,3,4]" },
    { name: "integerSliceIndex", template: "{ .integers[0] }", input: types, expect: "1" },
    { name: "integerSliceIndexReverse", template: "{ .integers[-2] }", input: types, expect: "3" },
    { name: "integerSubSliceFirst2", template: "{ .integers[0:2] }", input: types, expect: "1 2" },
    { name: "integerSubSliceFirst2Alt", template: "{ .integers[:2] }", input: types, expect: "1 2" },
    { name: "integerSubSliceStep2", template: "{ .integers[:4:2] }", input: types, expect: "1 3" },
    { name: "floatSlice", template: "{ .floats }", input: types, expect: "[1,2.2,3.3,4]" },
    { name: "floatSliceIndex", template: "{ .floats[0] }", input: types, expect: "1" },
    { name: "floatSliceIndexReverse", template: "{ .floats[-2] }", input: types, expect: "3.3" },
    { name: "floatSubSliceFirst2", template: "{ .floats[0:2] }", input: types, expect: "1 2.2" },
    { name: "floatSubSliceFirst2Alt", template: "{ .floats[:2] }", input: types, expect: "1 2.2" },
    { name: "floatSubSliceStep2", template: "{ .floats[:4:2] }", input: types, expect: "1 3.3" },
    { name: "stringSlice", template: "{ .strings }", input: types, expect: '["one","two","three","four"]' },
    { name: "stringSliceIndex", template: "{ .strings[0] }", input: types, expect: "one" },
    { name: "stringSliceIndexReverse", template: "{ .strings[-2] }", input: types, expect: "three" },
    { name: "stringSubSliceFirst2", template: "{ .strings[0:2] }", input: types, expect: "one two" },
    { name: "stringSubSliceFirst2Alt", template: "{ .strings[:2] }", input: types, expect: "one two" },
    { name: "stringSubSliceStep2", template: "{ .strings[:4:2] }", input: types, expect: "one three" },
    { name: "interfaceSlice", template: "{ .interfaces }", input: types, expect: '[true,"one",1,1.1]' },
    { name: "interfaceSliceIndex", template: "{ .interfaces[0] }", input: types, expect: "true" },
    { name: "interfaceSliceIndexReverse", template: "{ .interfaces[-2] }", input: types, expect: "1" },
    { name: "interfaceSubSliceFirst2", template: "{ .interfaces[0:2] }", input: types, expect: "true one" },
    { name: "interfaceSubSliceFirst2Alt", template: "{ .interfaces[:2] }", input: types, expect: "true one" },
    { name: "interfaceSubSliceStep2", template: "{ .interfaces[:4:2] }", input: types, expect: "true 1" },
    { name: "mapSlice", template: "{ .maps }", input: types, expect: '[{"name":"one","value":1},{"name":"two","value":2.02},{"name":"three","value":3.03},{"name":"four","value":4.04}]' },
    { name: "mapSliceIndex", template: "{ .maps[0] }", input: types, expect: '{"name":"one","value":1}' },
    { name: "mapSliceIndexReverse", template: "{ .maps[-2] }", input: types, expect: '{"name":"three","value":3.03}' },
    { name: "mapSubSliceFirst2", template: "{ .maps[0:2] }", input: types, expect: '{"name":"one","value":1} {"name":"two","value":2.02}' },
    { name: "mapSubSliceFirst2Alt", template: "{ .maps[:2] }", input: types, expect: '{"name":"one","value":1} {"name":"two","value":2.02}' },
    { name: "mapSubSliceStepOdd", template: "{ .maps[::2] }", input: types, expect: '{"name":"one","value":1} {"name":"three","value":3.03}' },
    { name: "mapSubSliceStepEven", template: "{ .maps[1::2] }", input: types, expect: '{"name":"two","value":2.02} {"name":"four","value":4.04}' },
  ], false);
});

describe("TestStructInput (the store as JSON maps)", () => {
  const storeData: JsonValue = {
    Book: [
      { Category: "reference", Author: "Nigel Rees", Title: "Sayings of the Centurey", Price: 8.95 },
      { Category: "fiction", Author: "Evelyn Waugh", Title: "Sword of Honour", Price: 12.99 },
      { Category: "fiction", Author: "Herman Melville", Title: "Moby Dick", Price: 8.99 },
    ],
    Bicycle: [
      { Color: "red", Price: 19.95, IsNew: true },
      { Color: "green", Price: 20.01, IsNew: false },
    ],
    Name: "jsonpath",
    Labels: { engieer: 10, "web/html": 15, "k8s-app": 20 },
    Employees: { jason: "manager", dan: "clerk" },
  };
  runCases([
    { name: "plain", template: "hello jsonpath", input: null, expect: "hello jsonpath" },
    { name: "recursive", template: "{..}", input: [1, 2, 3], expect: "[1,2,3]" },
    { name: "filter", template: "{[?(@<5)]}", input: [2, 6, 3, 7], expect: "2 3" },
    { name: "quote", template: '{"{"}', input: null, expect: "{" },
    { name: "union", template: "{[1,3,4]}", input: [0, 1, 2, 3, 4], expect: "1 3 4" },
    { name: "array", template: "{[0:2]}", input: ["Monday", "Tudesday"], expect: "Monday Tudesday" },
    { name: "variable", template: "hello {.Name}", input: storeData, expect: "hello jsonpath" },
    { name: "dict/", template: "{$.Labels.web/html}", input: storeData, expect: "15" },
    { name: "dict/", template: "{$.Employees.jason}", input: storeData, expect: "manager" },
    { name: "dict/", template: "{$.Employees.dan}", input: storeData, expect: "clerk" },
    { name: "dict-", template: "{.Labels.k8s-app}", input: storeData, expect: "20" },
    { name: "nest", template: "{.Bicycle[*].Color}", input: storeData, expect: "red green" },
    { name: "allarray", template: "{.Book[*].Author}", input: storeData, expect: "Nigel Rees Evelyn Waugh Herman Melville" },
    { name: "recurfields", template: "{..Price}", input: storeData, expect: "8.95 12.99 8.99 19.95 20.01" },
    { name: "recurdotfields", template: "{...Price}", input: storeData, expect: "8.95 12.99 8.99 19.95 20.01" },
    { name: "superrecurfields", template: "{............................................................Price}", input: storeData, expect: "", expectError: true },
    { name: "allstructsSlice", template: "{.Bicycle}", input: storeData, expect: '[{"Color":"red","IsNew":true,"Price":19.95},{"Color":"green","IsNew":false,"Price":20.01}]' },
    { name: "lastarray", template: "{.Book[-1:]}", input: storeData, expect: '{"Author":"Herman Melville","Category":"fiction","Price":8.99,"Title":"Moby Dick"}' },
    { name: "recurarray", template: "{..Book[2]}", input: storeData, expect: '{"Author":"Herman Melville","Category":"fiction","Price":8.99,"Title":"Moby Dick"}' },
    { name: "bool", template: "{.Bicycle[?(@.IsNew==true)]}", input: storeData, expect: '{"Color":"red","IsNew":true,"Price":19.95}' },
  ], false);

  runCases([
    { name: "nonexistent field", template: "{.hello}", input: storeData, expect: "" },
    { name: "nonexistent field 2", template: "before-{.hello}after", input: storeData, expect: "before-after" },
  ], true);

  describe("failures", () => {
    runFailCases([
      { name: "invalid identifier", template: "{hello}", input: storeData, expect: "unrecognized identifier hello" },
      { name: "nonexistent field", template: "{.hello}", input: storeData, expect: "hello is not found" },
      { name: "invalid array", template: "{.Labels[0]}", input: storeData, expect: "map[string]interface {} is not array or slice" },
      { name: "invalid filter operator", template: "{.Book[?(@.Price<>10)]}", input: storeData, expect: "unrecognized filter operator <>" },
    ]);
  });
});

describe("TestJSONInput", () => {
  const pointsData = JSON.parse(`[
    {"id": "i1", "x":4, "y":-5},
    {"id": "i2", "x":-2, "y":-5, "z":1},
    {"id": "i3", "x":  8, "y":  3 },
    {"id": "i4", "x": -6, "y": -1 },
    {"id": "i5", "x":  0, "y":  2, "z": 1 },
    {"id": "i6", "x":  1, "y":  4 }
  ]`) as JsonValue;
  runCases([
    { name: "exists filter", template: "{[?(@.z)].id}", input: pointsData, expect: "i2 i5" },
    { name: "bracket key", template: "{[0]['id']}", input: pointsData, expect: "i1" },
  ], false);
});

const nodesData = JSON.parse(`{
  "kind": "List",
  "items":[
    { "kind":"None",
      "metadata":{ "name":"127.0.0.1", "labels":{ "kubernetes.io/hostname":"127.0.0.1" } },
      "status":{ "capacity":{"cpu":"4"}, "ready": true, "addresses":[{"type": "LegacyHostIP", "address":"127.0.0.1"}] } },
    { "kind":"None",
      "metadata":{ "name":"127.0.0.2", "labels":{ "kubernetes.io/hostname":"127.0.0.2" } },
      "status":{ "capacity":{"cpu":"8"}, "ready": false,
        "addresses":[ {"type": "LegacyHostIP", "address":"127.0.0.2"}, {"type": "another", "address":"127.0.0.3"} ] } }
  ],
  "users":[
    { "name": "myself", "user": {} },
    { "name": "e2e", "user": {"username": "admin", "password": "secret"} }
  ]
}`) as JsonValue;

describe("TestKubernetes", () => {
  runCases([
    { name: "range addresss", template: "{.items[*].status.addresses[*].address}", input: nodesData, expect: "127.0.0.1 127.0.0.2 127.0.0.3" },
    { name: "item name", template: "{.items[*].metadata.name}", input: nodesData, expect: "127.0.0.1 127.0.0.2" },
    { name: "union nodes capacity", template: "{.items[*]['metadata.name', 'status.capacity']}", input: nodesData, expect: '127.0.0.1 127.0.0.2 {"cpu":"4"} {"cpu":"8"}' },
    { name: "user password", template: '{.users[?(@.name=="e2e")].user.password}', input: nodesData, expect: "secret" },
    { name: "hostname", template: "{.items[0].metadata.labels.kubernetes\\.io/hostname}", input: nodesData, expect: "127.0.0.1" },
    { name: "hostname filter", template: '{.items[?(@.metadata.labels.kubernetes\\.io/hostname=="127.0.0.1")].kind}', input: nodesData, expect: "None" },
    { name: "bool item", template: "{.items[?(@..ready==true)].metadata.name}", input: nodesData, expect: "127.0.0.1" },
  ], false);

  test("recursive name (sorted, as client-go's testJSONPathSortOutput)", () => {
    const out = compileJsonPath("{..name}").execute(nodesData).split(/\s+/).sort();
    expect(out).toEqual(["127.0.0.1", "127.0.0.2", "e2e", "myself"]);
  });
});

describe("TestFilterPartialMatchesSometimesMissingAnnotations", () => {
  const data = JSON.parse(`{ "kind": "List", "items": [
    { "kind": "Pod", "metadata": { "name": "pod1", "annotations": { "color": "blue" } } },
    { "kind": "Pod", "metadata": { "name": "pod2" } },
    { "kind": "Pod", "metadata": { "name": "pod3", "annotations": { "color": "green" } } },
    { "kind": "Pod", "metadata": { "name": "pod4", "annotations": { "color": "blue" } } } ] }`) as JsonValue;
  const template = '{.items[?(@.metadata.annotations.color=="blue")].metadata.name}';
  runCases([{ name: "tolerate missing items", template, input: data, expect: "pod1 pod4" }], true);
  runCases([{ name: "error on missing items", template, input: data, expect: "", expectError: true }], false);
});

describe("TestRunningPodsJSONPathOutput (filter part, without range)", () => {
  const data = JSON.parse(`{ "kind": "List", "items": [
    { "kind": "Pod", "metadata": { "name": "pod1" }, "status": { "phase": "Running" } },
    { "kind": "Pod", "metadata": { "name": "pod2" }, "status": { "phase": "Running" } },
    { "kind": "Pod", "metadata": { "name": "pod3" }, "status": { "phase": "Running" } },
    { "resourceVersion": "" } ] }`) as JsonValue;
  runCases([{ name: "pods without selecting the last one", template: '{.items[?(.status.phase=="Running")].metadata.name}', input: data, expect: "pod1 pod2 pod3" }], true);
});

const containers = (n: number): JsonValue => ({
  apiVersion: "v1",
  kind: "Pod",
  spec: { containers: Array.from({ length: n }, (_, i) => ({ image: "radial/busyboxplus:curl", name: `fake${i}` })) },
});

describe("TestNegativeIndex", () => {
  const data = containers(4);
  runCases([
    { name: "containers[0]", template: "{.spec.containers[0].name}", input: data, expect: "fake0" },
    { name: "containers[0:0] is empty", template: "{.spec.containers[0:0].name}", input: data, expect: "" },
    { name: "containers[0:-1]", template: "{.spec.containers[0:-1].name}", input: data, expect: "fake0 fake1 fake2" },
    { name: "containers[-1:0] errors", template: "{.spec.containers[-1:0].name}", input: data, expect: "", expectError: true },
    { name: "containers[-1]", template: "{.spec.containers[-1].name}", input: data, expect: "fake3" },
    { name: "containers[-1:]", template: "{.spec.containers[-1:].name}", input: data, expect: "fake3" },
    { name: "containers[-2]", template: "{.spec.containers[-2].name}", input: data, expect: "fake2" },
    { name: "containers[-2:]", template: "{.spec.containers[-2:].name}", input: data, expect: "fake2 fake3" },
    { name: "containers[-3]", template: "{.spec.containers[-3].name}", input: data, expect: "fake1" },
    { name: "containers[-4]", template: "{.spec.containers[-4].name}", input: data, expect: "fake0" },
    { name: "containers[-4:]", template: "{.spec.containers[-4:].name}", input: data, expect: "fake0 fake1 fake2 fake3" },
    { name: "containers[-5] is out of bounds", template: "{.spec.containers[-5].name}", input: data, expect: "", expectError: true },
    { name: "containers[5:5] is empty", template: "{.spec.containers[5:5].name}", input: data, expect: "" },
    { name: "containers[-5:-5] is empty", template: "{.spec.containers[-5:-5].name}", input: data, expect: "" },
    { name: "containers[3:1] errors", template: "{.spec.containers[3:1].name}", input: data, expect: "", expectError: true },
    { name: "containers[-1:-2] errors", template: "{.spec.containers[-1:-2].name}", input: data, expect: "", expectError: true },
  ], false);
});

describe("TestStep", () => {
  const data = containers(6);
  runCases([
    { name: "containers[0:]", template: "{.spec.containers[0:].name}", input: data, expect: "fake0 fake1 fake2 fake3 fake4 fake5" },
    { name: "containers[0:6:]", template: "{.spec.containers[0:6:].name}", input: data, expect: "fake0 fake1 fake2 fake3 fake4 fake5" },
    { name: "containers[0:6:1]", template: "{.spec.containers[0:6:1].name}", input: data, expect: "fake0 fake1 fake2 fake3 fake4 fake5" },
    { name: "containers[0:6:0] errors", template: "{.spec.containers[0:6:0].name}", input: data, expect: "", expectError: true },
    { name: "containers[0:6:-1] errors", template: "{.spec.containers[0:6:-1].name}", input: data, expect: "", expectError: true },
    { name: "containers[1:4:2]", template: "{.spec.containers[1:4:2].name}", input: data, expect: "fake1 fake3" },
    { name: "containers[1:4:3]", template: "{.spec.containers[1:4:3].name}", input: data, expect: "fake1" },
    { name: "containers[1:4:4]", template: "{.spec.containers[1:4:4].name}", input: data, expect: "fake1" },
    { name: "containers[0:6:2]", template: "{.spec.containers[0:6:2].name}", input: data, expect: "fake0 fake2 fake4" },
    { name: "containers[0:6:3]", template: "{.spec.containers[0:6:3].name}", input: data, expect: "fake0 fake3" },
    { name: "containers[0:6:5]", template: "{.spec.containers[0:6:5].name}", input: data, expect: "fake0 fake5" },
    { name: "containers[0:6:6]", template: "{.spec.containers[0:6:6].name}", input: data, expect: "fake0" },
  ], false);
});
