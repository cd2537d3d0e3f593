// The search AST: what a parsed `search` text means, independent of any table. The compiler
// checks fields against a table description and turns the tree into bound-parameter SQL.

/**
 * A field reference: a column, optionally walked into with JSON keys.
 * `payload->'metadata'->'labels'->>'app'` is
 * `{ table: undefined, column: "payload", path: ["metadata", "labels"], textKey: "app" }`.
 * `textKey` set means the value is text (`->>`); otherwise a non-empty `path` yields jsonb.
 * Example: `{ table: "resources", column: "name", path: [], textKey: undefined }` for `resources.name`.
 */
export interface FieldRef {
  /** The `table.` prefix as written (lower-cased), checked by the compiler. */
  readonly table: string | undefined;
  /** Column name, lower-cased (PostgreSQL folds unquoted names the same way). */
  readonly column: string;
  /** Keys walked with `->`, in order. */
  readonly path: readonly string[];
  /** The final key read with `->>`, if any. */
  readonly textKey: string | undefined;
  /** The field as the user wrote its name, for error texts (`resources.name`). */
  readonly display: string;
}

/**
 * A literal value. Numbers keep their source text so nothing is lost to float rounding.
 * Example: `{ kind: "number", text: "42" }`, `{ kind: "string", value: "it's" }`.
 */
export type Literal =
  | { readonly kind: "string"; readonly value: string }
  | { readonly kind: "number"; readonly text: string };

/** Ordering and equality operators (`!=` is normalised to `<>`). Example: `"<="`. */
export type CompareOp = "=" | "<>" | "<" | "<=" | ">" | ">=";

/** Example: `{ kind: "compare", field, op: "=", value: { kind: "string", value: "x" } }` for `name = 'x'`. */
export interface Comparison {
  readonly kind: "compare";
  readonly field: FieldRef;
  readonly op: CompareOp;
  readonly value: Literal;
}

/**
 * `field [not] in (v1, v2, …)`; an empty list is allowed (TSL allows it): false, or true when negated.
 * Example: `id in ('a')` is `{ kind: "in", field, values: [{ kind: "string", value: "a" }], negated: false }`.
 */
export interface InList {
  readonly kind: "in";
  readonly field: FieldRef;
  readonly values: readonly Literal[];
  readonly negated: boolean;
}

/**
 * `field [not] like|ilike 'pattern'`; the pattern is bound as-is (`%`, `_` keep their meaning).
 * Example: `name ilike 'a%'` is `{ kind: "like", field, pattern: "a%", negated: false, caseInsensitive: true }`.
 */
export interface Like {
  readonly kind: "like";
  readonly field: FieldRef;
  readonly pattern: string;
  readonly negated: boolean;
  readonly caseInsensitive: boolean;
}

/**
 * `field is [not] null`, and also `field = null` / `field <> null` (the Go client's "exists" form).
 * Example: `payload->'metadata'->'labels'->>'k'<>null` is `{ kind: "isNull", field, negated: true }`.
 */
export interface IsNull {
  readonly kind: "isNull";
  readonly field: FieldRef;
  readonly negated: boolean;
}

/** `field [not] between low and high`. Example: `version between 1 and 3`. */
export interface Between {
  readonly kind: "between";
  readonly field: FieldRef;
  readonly low: Literal;
  readonly high: Literal;
  readonly negated: boolean;
}

/**
 * `field @> 'json'`: jsonb containment; `json` is the validated, re-serialised literal.
 * Example: `labels @> '{ "env": "prod" }'` is `{ kind: "contains", field, json: '{"env":"prod"}' }`.
 */
export interface Contains {
  readonly kind: "contains";
  readonly field: FieldRef;
  readonly json: string;
}

/** Two or more terms joined by `and` (chains are flattened). Example: `a='1' and b='2' and c='3'` has 3 terms. */
export interface And {
  readonly kind: "and";
  readonly terms: readonly SearchAst[];
}

/** Two or more terms joined by `or`. Example: `{ kind: "or", terms: [a, b] }` for `a or b`. */
export interface Or {
  readonly kind: "or";
  readonly terms: readonly SearchAst[];
}

/** `not <term>`. Example: `{ kind: "not", term: a }` for `not a`. */
export interface Not {
  readonly kind: "not";
  readonly term: SearchAst;
}

/** A predicate: one test on one field. Example: any `Comparison`, such as `name = 'x'`. */
export type Predicate = Comparison | InList | Like | IsNull | Between | Contains;

/**
 * A parsed search expression.
 * Example: `parseSearch("a = 1 or b = 2")` gives `{ kind: "or", terms: [compare, compare] }`.
 */
export type SearchAst = Predicate | And | Or | Not;
