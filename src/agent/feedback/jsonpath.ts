// Kubernetes JSONPath (client-go util/jsonpath): compile a template once, evaluate it on many
// objects, as typed results or as kubectl's text output. Compiled templates are cached, bounded.

import { assert } from "../../assert.ts";
import { MaestroError } from "../../errors.ts";
import { jsonPathCacheEntriesMax, jsonPathCacheTemplateCharsMax } from "../../limits.ts";
import type { JsonValue } from "../../cloudevents/types.ts";
import { GoFloat, goMarshal, goSprint, type GoItem } from "./go-values.ts";
import { JsonPathError, type ListNode } from "./jsonpath-ast.ts";
import { findItems } from "./jsonpath-eval.ts";
import { parseTemplate } from "./jsonpath-parser.ts";

/** Options of one evaluation. */
export interface JsonPathOptions {
  /** Missing fields yield no value instead of the error `<field> is not found` (default false, as client-go; OCM uses true). */
  readonly allowMissingKeys?: boolean;
}

/**
 * A compiled template. Immutable, so one instance serves every evaluation (and the cache).
 * Example: `compileJsonPath("{.status.readyReplicas}").findResults(deployment)` -> `[[3]]`.
 */
export class JsonPath {
  readonly template: string;
  readonly #root: ListNode;

  /** Use compileJsonPath or compileJsonPathCached. */
  constructor(template: string, root: ListNode) {
    this.template = template;
    this.#root = root;
  }

  /**
   * client-go FindResults: one list of values per top-level node (each `{…}` action and each
   * piece of plain text). Throws JsonPathError("Eval") when the template does not apply.
   * Example: `compileJsonPath("{.items[*].name}").findResults({ items: [{ name: "a" }, { name: "b" }] })` -> `[["a", "b"]]`.
   */
  findResults(data: JsonValue, options: JsonPathOptions = {}): JsonValue[][] {
    return this.findItems(data, options).map((list) => list.map((v) => (v instanceof GoFloat ? v.value : v)));
  }

  /**
   * Like findResults, but float literals of the template stay GoFloat, so a caller that types
   * values as Go does (int64 vs float64) sees `{1.0}` as a float.
   * Example: `compileJsonPath("{2.0}").findItems({})` -> `[[GoFloat(2)]]`.
   */
  findItems(data: JsonValue, options: JsonPathOptions = {}): GoItem[][] {
    return findItems(this.#root, data, { allowMissingKeys: options.allowMissingKeys ?? false });
  }

  /**
   * client-go Execute: the text kubectl prints. Maps and lists as Go's json.Marshal, other
   * values as fmt.Print, values of one node separated by spaces.
   * Example: `compileJsonPath("n={.a[*]} m={.m}").execute({ a: [1, "x"], m: { k: true } })` -> `n=1 x m={"k":true}`.
   */
  execute(data: JsonValue, options: JsonPathOptions = {}): string {
    const out: string[] = [];
    for (const list of this.findItems(data, options)) out.push(list.map(printValue).join(" "));
    return out.join("");
  }
}

/** One value as client-go's PrintResults writes it. */
function printValue(value: GoItem): string {
  if (value !== null && typeof value === "object" && !(value instanceof GoFloat)) {
    try {
      return goMarshal(value);
    } catch (err) {
      if (err instanceof MaestroError) throw new JsonPathError("Eval", err.reason);
      throw err;
    }
  }
  return goSprint(value);
}

/**
 * Parses a template: plain text with `{…}` actions, as `kubectl -o jsonpath=` takes it.
 * Throws JsonPathError("Syntax") with client-go's message.
 * Example: `compileJsonPath('{.status.conditions[?(@.type=="Available")].status}')`.
 */
export function compileJsonPath(template: string): JsonPath {
  return new JsonPath(template, parseTemplate(template));
}

/**
 * A single expression with optional braces: `.status.replicas` and `{.status.replicas}` are
 * the same path. Text outside braces is kept as text, as in a template.
 * Example: `compileJsonPathExpression(".status").findResults(obj)` -> `[[obj.status]]`.
 */
export function compileJsonPathExpression(expression: string): JsonPath {
  return compileJsonPathCached(expression.trimStart().startsWith("{") ? expression : `{${expression}}`);
}

const cache = new Map<string, JsonPath | JsonPathError>();

/**
 * compileJsonPath through a bounded cache (jsonPathCacheEntriesMax entries, templates up to
 * jsonPathCacheTemplateCharsMax characters). Parse errors are cached too and rethrown.
 * Example: `compileJsonPathCached("{.status}") === compileJsonPathCached("{.status}")` -> true.
 */
export function compileJsonPathCached(template: string): JsonPath {
  let entry = cache.get(template);
  if (entry === undefined) {
    try {
      entry = compileJsonPath(template);
    } catch (err) {
      if (!(err instanceof JsonPathError)) throw err;
      entry = err;
    }
    if (template.length <= jsonPathCacheTemplateCharsMax) {
      // Reset rather than evict: real workloads use far fewer paths than the bound.
      if (cache.size >= jsonPathCacheEntriesMax) cache.clear();
      cache.set(template, entry);
    }
  }
  assert(cache.size <= jsonPathCacheEntriesMax, "the JSONPath cache stays within its bound");
  if (entry instanceof JsonPathError) throw entry;
  return entry;
}

/**
 * Empties the compiled-template cache (tests and benchmarks measure cold compiles with it).
 * Example: `clearJsonPathCache()`.
 */
export function clearJsonPathCache(): void {
  cache.clear();
}

/**
 * Entries in the compiled-template cache, for tests and metrics.
 * Example: `jsonPathCacheSize()` -> 9.
 */
export function jsonPathCacheSize(): number {
  return cache.size;
}

export { JsonPathError, type JsonPathErrorCode } from "./jsonpath-ast.ts";
export { GoFloat, type GoItem } from "./go-values.ts";
