// The per-cluster object index, sized for clusters that mostly hold a few objects: a plain array
// searched linearly up to `smallTableObjectsMax` entries, a Map beyond.

import { assert } from "../../assert.ts";
import type { StoredObject } from "./stored-object.ts";

// Why: measured under Bun 1.4.5 with 10,000 clusters holding one Deployment each, the heap per
// cluster was 937 B with a Map index and 801 B with an array: ~27 MB less at 200,000 clusters.

/**
 * Largest table kept as an array. Eight string comparisons cost less than one Map lookup's
 * hashing of a ~40-character key, and typical bundles hold 1-8 manifests.
 */
const smallTableObjectsMax = 8;

/** Objects by key: an array (small clusters) or a Map (large ones); empty is `undefined`. Example: `[entry]`. */
export type ObjectTable = StoredObject[] | Map<string, StoredObject>;

/**
 * The object stored under `key`. Example: `tableGet(table, "apps/deployments/default/web")`.
 */
export function tableGet(table: ObjectTable | undefined, key: string): StoredObject | undefined {
  if (table === undefined) return undefined;
  if (table instanceof Map) return table.get(key);
  for (const entry of table) if (entry.key === key) return entry;
  return undefined;
}

/**
 * Stores `entry` under its key and returns the table to keep (it changes form when it grows).
 * Example: `this.objects = tableSet(this.objects, entry)`.
 */
export function tableSet(table: ObjectTable | undefined, entry: StoredObject): ObjectTable {
  if (table === undefined) return [entry];
  if (table instanceof Map) return table.set(entry.key, entry);
  const index = table.findIndex((e) => e.key === entry.key);
  if (index >= 0) table[index] = entry;
  else table.push(entry);
  if (table.length <= smallTableObjectsMax) return table;
  return new Map(table.map((e) => [e.key, e]));
}

/**
 * Removes `key`; returns the table to keep, `undefined` once empty.
 * Example: `this.objects = tableDelete(this.objects, key)`.
 */
export function tableDelete(table: ObjectTable | undefined, key: string): ObjectTable | undefined {
  if (table === undefined) return undefined;
  if (table instanceof Map) {
    table.delete(key);
    return table.size === 0 ? undefined : table;
  }
  const index = table.findIndex((e) => e.key === key);
  if (index >= 0) table.splice(index, 1);
  return table.length === 0 ? undefined : table;
}

/**
 * Number of objects. Example: `tableSize(undefined)` -> 0.
 */
export function tableSize(table: ObjectTable | undefined): number {
  if (table === undefined) return 0;
  return table instanceof Map ? table.size : table.length;
}

/**
 * A snapshot of every stored object, safe to iterate while the table changes.
 * Example: `tableEntries(this.objects).filter((e) => e.key.startsWith(prefix))`.
 */
export function tableEntries(table: ObjectTable | undefined): StoredObject[] {
  if (table === undefined) return [];
  const entries = table instanceof Map ? [...table.values()] : [...table];
  assert(entries.length === tableSize(table), "a snapshot holds every entry");
  return entries;
}
