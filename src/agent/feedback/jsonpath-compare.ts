// Filter comparisons of JSONPath (`[?(@.a < 3)]`): Go text/template's eq/lt as client-go forks
// them, with their strict typing (an int64 never equals a float64; bools only compare for equality).

import { compareGoStrings } from "../../cloudevents/go-json.ts";
import { GoFloat, isGoInt, type GoItem } from "./go-values.ts";

type Kind = "bool" | "int" | "float" | "string";

const BAD_TYPE = "invalid type for comparison";
const INCOMPATIBLE = "incompatible types for comparison";

function basicKind(value: GoItem): Kind | undefined {
  if (value instanceof GoFloat) return "float";
  switch (typeof value) {
    case "boolean": return "bool";
    case "string": return "string";
    case "number": return isGoInt(value) ? "int" : "float";
    default: return undefined; // nil, maps and slices cannot be compared
  }
}

const numberOf = (value: GoItem): number => (value instanceof GoFloat ? value.value : (value as number));

/** template.Equal: true/false, or Go's error text. */
function equal(a: GoItem, b: GoItem): boolean | string {
  const ka = basicKind(a);
  if (ka === undefined) return BAD_TYPE;
  const kb = basicKind(b);
  if (kb === undefined) return BAD_TYPE;
  if (ka !== kb) return INCOMPATIBLE;
  if (ka === "int" || ka === "float") return numberOf(a) === numberOf(b);
  return a === b;
}

/** template.Less: true/false, or Go's error text. */
function less(a: GoItem, b: GoItem): boolean | string {
  const ka = basicKind(a);
  if (ka === undefined) return BAD_TYPE;
  const kb = basicKind(b);
  if (kb === undefined) return BAD_TYPE;
  if (ka !== kb) return INCOMPATIBLE;
  if (ka === "bool") return BAD_TYPE;
  if (ka === "string") return compareGoStrings(a as string, b as string) < 0;
  return numberOf(a) < numberOf(b);
}

/**
 * Applies a filter operator to one left and one right value as client-go's evalFilter does:
 * `<`, `>`, `==`, `!=`, `<=`, `>=`. Returns the verdict, or the Go error text for incomparable
 * values or an unknown operator (`unrecognized filter operator <>`).
 * Example: `compareFilterValues("==", "Available", "Available")` -> true; `compareFilterValues("<", 1, new GoFloat(2))` -> "incompatible types for comparison".
 */
export function compareFilterValues(operator: string, left: GoItem, right: GoItem): boolean | string {
  switch (operator) {
    case "==": return equal(left, right);
    case "!=": {
      const eq = equal(left, right);
      return typeof eq === "string" ? eq : !eq;
    }
    case "<": return less(left, right);
    case ">=": {
      const lt = less(left, right);
      return typeof lt === "string" ? lt : !lt;
    }
    case "<=": return lessEqual(left, right);
    case ">": {
      const le = lessEqual(left, right);
      return typeof le === "string" ? le : !le;
    }
    default: return `unrecognized filter operator ${operator}`;
  }
}

/** template.LessEqual: `<` first, then `==` (so bools fail on `<` before equality is tried). */
function lessEqual(a: GoItem, b: GoItem): boolean | string {
  const lt = less(a, b);
  if (lt !== false) return lt;
  return equal(a, b);
}
