// The `fields` projection of list responses: keep only the named top-level or dotted fields of
// each item (`name`, `metadata.labels`, `status.*`), rejecting names the model does not have.

import { Errors } from "../../errors.ts";

type Item = Record<string, unknown>;

function pick(value: unknown, path: readonly string[]): unknown {
  let cur = value;
  for (const part of path) {
    if (cur === null || typeof cur !== "object" || Array.isArray(cur)) return undefined;
    cur = (cur as Item)[part];
  }
  return cur;
}

function put(target: Item, path: readonly string[], value: unknown): void {
  let cur = target;
  for (const part of path.slice(0, -1)) {
    const next = cur[part];
    if (next === null || typeof next !== "object" || Array.isArray(next)) cur[part] = {};
    cur = cur[part] as Item;
  }
  cur[path[path.length - 1]!] = value;
}

/**
 * Checks every requested field against the model's top-level keys; unknown ones are a 400
 * with Maestro's text. Example: `checkFields(["name", "id"], consumerKeys, "Consumer")`.
 */
export function checkFields(fields: readonly string[], modelKeys: readonly string[], modelName: string): void {
  const unknown = fields.filter((f) => !modelKeys.includes(f.split(".")[0]!));
  if (unknown.length > 0) {
    throw Errors.validation(`The following field(s) doesn't exist in \`${modelName}\`: ${unknown.join(", ")}`);
  }
}

/**
 * Projects one item onto the requested fields; `x.*` keeps all of `x`; absent values are left out.
 * Example: `projectItem({ id: "1", name: "a", labels: { k: "v" } }, ["name", "id"])` → `{ name: "a", id: "1" }`.
 */
export function projectItem(item: Item, fields: readonly string[]): Item {
  const out: Item = {};
  for (const field of fields) {
    const path = field.endsWith(".*") ? field.slice(0, -2).split(".") : field.split(".");
    const value = pick(item, path);
    if (value !== undefined) put(out, path, value);
  }
  return out;
}
