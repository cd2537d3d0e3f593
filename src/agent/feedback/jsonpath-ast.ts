// The parsed form of a Kubernetes JSONPath template (client-go util/jsonpath node.go) and the
// one typed error the parser and the evaluator throw. Types and tiny constructors only.

/** One slice bound of `[start:end:step]`, as client-go's ParamsEntry. */
export interface ParamsEntry {
  readonly value: number;
  /** Written in the template (or derived); an unknown bound takes its default at evaluation. */
  readonly known: boolean;
  /** `end` of a single index `[n]`, computed as n+1 (so `[-1]` means the last element). */
  readonly derived: boolean;
}

/** A sequence of nodes evaluated left to right, each on the previous one's results. */
export interface ListNode {
  readonly type: "list";
  readonly nodes: JsonPathNode[];
}

/** Every node client-go's parser produces. */
export type JsonPathNode =
  | ListNode
  | { readonly type: "text"; readonly text: string }
  | { readonly type: "field"; readonly name: string }
  | { readonly type: "array"; readonly params: readonly [ParamsEntry, ParamsEntry, ParamsEntry] }
  | { readonly type: "filter"; readonly left: ListNode; readonly right: ListNode; readonly operator: string }
  | { readonly type: "int"; readonly value: number }
  | { readonly type: "float"; readonly value: number }
  | { readonly type: "bool"; readonly value: boolean }
  | { readonly type: "wildcard" }
  | { readonly type: "recursive" }
  | { readonly type: "union"; readonly lists: readonly ListNode[] }
  | { readonly type: "identifier"; readonly name: string };

/**
 * Why a JSONPath failed: `Syntax` (the template does not parse), `Eval` (it does not apply to
 * the data: index out of range, incomparable types…), `Unsupported` (`range`/`end` blocks).
 */
export type JsonPathErrorCode = "Syntax" | "Eval" | "Unsupported";

/**
 * A JSONPath failure. `message` is client-go's own error text (for example `unterminated
 * array`), so callers can embed it where Go embeds `err.Error()`.
 * Example: `try { compileJsonPath("{.a[1}") } catch (e) { if (e instanceof JsonPathError) e.code }` -> "Syntax".
 */
export class JsonPathError extends Error {
  override readonly name = "JsonPathError";
  readonly code: JsonPathErrorCode;
  /**
   * How many values the failing step handed back with its error. client-go returns partial
   * results with errors, and an existence filter `[?(@.a[9])]` keeps an element whenever that
   * count is non-zero, error or not; the evaluator needs it to match.
   */
  readonly partialLength: number;

  constructor(code: JsonPathErrorCode, message: string, partialLength = 0) {
    super(message);
    this.code = code;
    this.partialLength = partialLength;
  }
}

/** A new empty list node (the parser appends to `nodes`). */
export function newList(): ListNode {
  return { type: "list", nodes: [] };
}
