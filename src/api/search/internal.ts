// Sibling-only pieces of the search package, exported for its tests and neighbours; the public
// API is mod.ts.

export { tokenize, syntaxError, type LexOptions, type OperatorText, type Token } from "./lexer.ts";
export { normalizeJsonLiteral } from "./json-literal.ts";
export { bindValue, type ValueKind } from "./values.ts";
