// How Go sees a JSON value decoded by Kubernetes (unstructured: int64, float64, string, bool,
// map, slice): its kind, its type name and its `fmt` %v text, for messages that match Go's.

import { goJsonMarshal, goJsonNumber, compareGoStrings } from "../../cloudevents/go-json.ts";
import type { JsonValue } from "../../cloudevents/types.ts";

/**
 * A float literal of a JSONPath template (`1.0`, `2.5`). Go keeps it a float64 even when its
 * value is whole, and refuses to compare it with an int64; a plain JS number cannot say that.
 * Example: `new GoFloat(1)` compares with `1.5` but not with the integer `1`.
 */
export class GoFloat {
  constructor(readonly value: number) {}
}

/** A value during evaluation: decoded JSON, or a float literal from the template. */
export type GoItem = JsonValue | GoFloat;

const INT64_LIMIT = 2 ** 63;

/**
 * True when Kubernetes' JSON decoder would have produced an int64: a whole number in range.
 * (A whole number written as `2.0` in the original JSON is a float64 in Go; JSON.parse cannot tell.)
 * Example: `isGoInt(3)` -> true; `isGoInt(1.5)` -> false; `isGoInt(1e19)` -> false.
 */
export function isGoInt(value: number): boolean {
  return Number.isInteger(value) && value >= -INT64_LIMIT && value < INT64_LIMIT;
}

/** A JSON object (Go map[string]interface{}), not an array, null or float literal. */
export function isGoMap(value: GoItem | undefined): value is { [key: string]: JsonValue } {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof GoFloat);
}

/**
 * The Go type name `reflect.TypeOf(v).String()` prints for a decoded value.
 * Example: `goTypeName({})` -> "map[string]interface {}"; `goTypeName(2)` -> "int64".
 */
export function goTypeName(value: GoItem): string {
  if (value === null) return "<nil>";
  if (value instanceof GoFloat) return "float64";
  if (Array.isArray(value)) return "[]interface {}";
  switch (typeof value) {
    case "string": return "string";
    case "boolean": return "bool";
    case "number": return isGoInt(value) ? "int64" : "float64";
    default: return "map[string]interface {}";
  }
}

/**
 * `fmt.Sprint` of a float64 (`%v`, i.e. strconv 'g' with the shortest digits): exponent form
 * when the decimal exponent is below -4 or at least 6, with a signed two-digit exponent.
 * Example: `goFloatText(1e6)` -> "1e+06"; `goFloatText(2.5)` -> "2.5"; `goFloatText(1e-5)` -> "1e-05".
 */
export function goFloatText(value: number): string {
  if (value === 0) return Object.is(value, -0) ? "-0" : "0";
  const [mantissa = "0", exponentText = "0"] = value.toExponential().split("e");
  const exponent = Number(exponentText);
  if (exponent >= -4 && exponent < 6) return String(value);
  const sign = exponent < 0 ? "-" : "+";
  return `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, "0")}`;
}

/**
 * `fmt.Sprint(v)` of a decoded value, as client-go's error texts and text output print it:
 * maps as `map[k:v …]` with sorted keys, slices as `[a b]`, nil as `<nil>`.
 * Example: `goSprint({ b: 1, a: [true, "x"] })` -> "map[a:[true x] b:1]".
 */
export function goSprint(value: GoItem): string {
  if (value === null) return "<nil>";
  if (value instanceof GoFloat) return goFloatText(value.value);
  if (Array.isArray(value)) return `[${value.map(goSprint).join(" ")}]`;
  switch (typeof value) {
    case "string": return value;
    case "boolean": return value ? "true" : "false";
    case "number": return isGoInt(value) ? String(value) : goFloatText(value);
    default: {
      const keys = Object.keys(value).sort(compareGoStrings);
      return `map[${keys.map((k) => `${k}:${goSprint(value[k] ?? null)}`).join(" ")}]`;
    }
  }
}

/**
 * `json.Marshal` of a decoded value (float literals as float64), Go's exact bytes.
 * Example: `goMarshal([new GoFloat(1), "<"])` -> `[1,"\u003c"]`.
 */
export function goMarshal(value: GoItem | readonly GoItem[]): string {
  if (value instanceof GoFloat) return goJsonNumber(value.value);
  if (Array.isArray(value)) return goJsonMarshal(value.map((v: GoItem) => (v instanceof GoFloat ? v.value : v)));
  return goJsonMarshal(value as JsonValue);
}

/**
 * A rune as Go's `%#U` verb prints it: `U+002A '*'` (the quoted form only when printable).
 * Example: `goRuneText(0x2a)` -> "U+002A '*'"; `goRuneText(9)` -> "U+0009".
 */
export function goRuneText(codePoint: number): string {
  const hex = `U+${codePoint.toString(16).toUpperCase().padStart(4, "0")}`;
  const char = String.fromCodePoint(codePoint);
  return /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u.test(char) ? `${hex} '${char}'` : hex;
}
