// The Kubernetes JSONPath evaluator, ported from client-go util/jsonpath/jsonpath.go (walk and
// its eval* functions) with Go's quirks kept, so results and error texts match the OCM agent.

import { jsonPathResultsMax } from "../../limits.ts";
import { compareFilterValues } from "./jsonpath-compare.ts";
import { GoFloat, goSprint, goTypeName, isGoMap, type GoItem } from "./go-values.ts";
import { JsonPathError, type JsonPathNode, type ListNode, type ParamsEntry } from "./jsonpath-ast.ts";

/** Evaluation switches, client-go's JSONPath options. */
export interface EvalOptions {
  /** A missing field yields nothing instead of the error `<field> is not found` (OCM sets it). */
  readonly allowMissingKeys: boolean;
}

const evalError = (message: string, partialLength: number) => new JsonPathError("Eval", message, partialLength);
const utf8 = new TextEncoder();

/**
 * client-go FindResults for a parsed template: one result list per root node (text or action),
 * each action evaluated on `[data]`. Throws JsonPathError("Eval"/"Unsupported").
 * Example: `findItems(parseTemplate("{.a[*]}"), { a: [1, 2] }, opts)` -> `[[1, 2]]`.
 */
export function findItems(root: ListNode, data: GoItem, options: EvalOptions): GoItem[][] {
  const results: GoItem[][] = [];
  for (const node of root.nodes) results.push(walk([data], node, options));
  return results;
}

function walk(input: readonly GoItem[], node: JsonPathNode, options: EvalOptions): GoItem[] {
  switch (node.type) {
    case "list": return evalList(input, node, options);
    case "text": return [node.text];
    case "field": return evalField(input, node.name, options);
    case "array": return evalArray(input, node.params);
    case "filter": return evalFilter(input, node, options);
    case "int": return input.map(() => node.value);
    case "float": return input.map(() => new GoFloat(node.value));
    case "bool": return input.map(() => node.value);
    case "wildcard": return evalWildcard(input);
    case "recursive": return evalRecursive(input);
    case "union": return evalUnion(input, node.lists, options);
    case "identifier": return evalIdentifier(input, node.name);
  }
}

function evalList(input: readonly GoItem[], list: ListNode, options: EvalOptions): GoItem[] {
  let current = input as GoItem[];
  for (const node of list.nodes) current = walk(current, node, options);
  return current;
}

function evalField(input: readonly GoItem[], name: string, options: EvalOptions): GoItem[] {
  const results: GoItem[] = [];
  if (input.length === 0) return results;
  for (const value of input) {
    if (isGoMap(value) && Object.hasOwn(value, name)) results.push(value[name] as GoItem);
  }
  if (results.length === 0 && !options.allowMissingKeys) throw evalError(`${name} is not found`, 0);
  return results;
}

function evalArray(input: readonly GoItem[], params: readonly [ParamsEntry, ParamsEntry, ParamsEntry]): GoItem[] {
  const results: GoItem[] = [];
  for (const value of input) {
    if (value === null) continue;
    if (!Array.isArray(value)) throw evalError(`${goTypeName(value)} is not array or slice`, input.length);
    const length = value.length;
    let start = params[0].known ? params[0].value : 0;
    if (start < 0) start += length;
    let end = params[1].known ? params[1].value : length;
    if (end < 0 || (end === 0 && params[1].derived)) end += length;
    // client-go returns at once when zero elements are asked for, dropping any later inputs.
    if (end === start) return results;
    if (start >= length || start < 0) throw evalError(`array index out of bounds: index ${start}, length ${length}`, input.length);
    if (end > length || end < 0) throw evalError(`array index out of bounds: index ${end - 1}, length ${length}`, input.length);
    if (start > end) throw evalError(`starting index ${start} is greater than ending index ${end}`, input.length);
    let step = 1;
    if (params[2].known) {
      if (params[2].value <= 0) throw evalError("step must be > 0", input.length);
      step = params[2].value;
    }
    for (let i = start; i < end; i += step) results.push(value[i] as GoItem);
    guardSize(results);
  }
  return results;
}

type FilterNode = Extract<JsonPathNode, { type: "filter" }>;

function evalFilter(input: readonly GoItem[], node: FilterNode, options: EvalOptions): GoItem[] {
  const results: GoItem[] = [];
  for (const value of input) {
    if (!Array.isArray(value)) throw evalError(`${goSprint(value)} is not array or slice and cannot be filtered`, input.length);
    for (const element of value) {
      if (filterKeeps(element as GoItem, node, options, input.length, results.length)) results.push(element as GoItem);
    }
  }
  return results;
}

/** One element of a filter: existence, or a comparison of exactly one left and one right value. */
function filterKeeps(element: GoItem, node: FilterNode, options: EvalOptions, inputLength: number, kept: number): boolean {
  const temp = [element];
  if (node.operator === "exists") {
    try {
      return evalList(temp, node.left, options).length > 0;
    } catch (err) {
      if (!(err instanceof JsonPathError) || err.code !== "Eval") throw err;
      return err.partialLength > 0; // Go ignores the error and looks at the partial results.
    }
  }
  const left = filterSide(temp, node.left, options, inputLength);
  if (left === undefined) return false;
  const right = filterSide(temp, node.right, options, inputLength);
  if (right === undefined) return false;
  const verdict = compareFilterValues(node.operator, left, right);
  if (typeof verdict === "string") throw evalError(verdict, kept);
  return verdict;
}

/** The single value of one side of a comparison; undefined when it has none (element skipped). */
function filterSide(temp: GoItem[], list: ListNode, options: EvalOptions, inputLength: number): GoItem | undefined {
  let values: GoItem[];
  try {
    values = evalList(temp, list, options);
  } catch (err) {
    if (err instanceof JsonPathError && err.code === "Eval") throw evalError(err.message, inputLength);
    throw err;
  }
  if (values.length > 1) throw evalError("can only compare one element at a time", inputLength);
  return values.length === 0 ? undefined : values[0];
}

/** Values directly inside a map or slice; a string's UTF-8 bytes (Go indexes strings by byte). */
function childrenOf(value: GoItem): readonly GoItem[] {
  if (value === null || value instanceof GoFloat) return [];
  if (Array.isArray(value)) return value;
  if (typeof value === "string") return [...utf8.encode(value)];
  if (isGoMap(value)) return Object.values(value);
  return [];
}

function evalWildcard(input: readonly GoItem[]): GoItem[] {
  const results: GoItem[] = [];
  for (const value of input) {
    for (const child of childrenOf(value)) results.push(child);
    guardSize(results);
  }
  return results;
}

/** Every value with children, pre-order (client-go: a value is kept only if it has children). */
function evalRecursive(input: readonly GoItem[]): GoItem[] {
  const results: GoItem[] = [];
  const hasChildren = (v: GoItem) => (typeof v === "string" ? v.length > 0 : childrenOf(v).length > 0);
  for (const root of input) {
    if (!hasChildren(root)) continue;
    results.push(root);
    if (typeof root === "string") continue;
    const stack: { children: readonly GoItem[]; next: number }[] = [{ children: childrenOf(root), next: 0 }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (top.next >= top.children.length) {
        stack.pop();
        continue;
      }
      const child = top.children[top.next++]!;
      if (!hasChildren(child)) continue;
      results.push(child);
      guardSize(results);
      // A string's children are bytes, which have none: no need to walk them.
      if (typeof child !== "string") stack.push({ children: childrenOf(child), next: 0 });
    }
  }
  return results;
}

function evalUnion(input: readonly GoItem[], lists: readonly ListNode[], options: EvalOptions): GoItem[] {
  const results: GoItem[] = [];
  for (const list of lists) {
    let values: GoItem[];
    try {
      values = evalList(input, list, options);
    } catch (err) {
      if (err instanceof JsonPathError && err.code === "Eval") throw evalError(err.message, input.length);
      throw err;
    }
    for (const v of values) results.push(v);
    guardSize(results);
  }
  return results;
}

function evalIdentifier(input: readonly GoItem[], name: string): GoItem[] {
  if (name === "range" || name === "end") throw new JsonPathError("Unsupported", `${name} blocks are not supported`);
  throw evalError(`unrecognized identifier ${name}`, input.length);
}

function guardSize(results: readonly GoItem[]): void {
  if (results.length > jsonPathResultsMax) throw evalError(`jsonpath produced more than ${jsonPathResultsMax} values`, 0);
}
