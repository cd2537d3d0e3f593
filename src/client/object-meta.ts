// Kubernetes ObjectMeta as the source client carries it, its Go json.Marshal form (struct field
// order, omitempty, sorted maps, Go escaping) for the `metadata` extension, and a checked reader.

import { formatTimestampSeconds, goJsonMarshal, goJsonString, isJsonObject, parseTimestamp } from "../cloudevents/mod.ts";
import type { JsonObject, JsonValue } from "../cloudevents/mod.ts";

/** metav1.OwnerReference. */
export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** metav1.ObjectMeta; times are RFC3339 strings as Kubernetes serialises them. */
export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  selfLink?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string | null;
  deletionTimestamp?: string | null;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  managedFields?: JsonObject[];
}

type Writer = (value: unknown) => string | undefined;

const str: Writer = (v) => (typeof v === "string" && v !== "" ? goJsonString(v) : undefined);
const int: Writer = (v) => (typeof v === "number" && v !== 0 ? String(v) : undefined);
const ptrInt: Writer = (v) => (typeof v === "number" ? String(v) : undefined);
const ptrBool: Writer = (v) => (typeof v === "boolean" ? String(v) : undefined);
const map: Writer = (v) => (isJsonObject(v) && Object.keys(v).length > 0 ? goJsonMarshal(v) : undefined);
const list: Writer = (v) => (Array.isArray(v) && v.length > 0 ? goJsonMarshal(v as JsonValue) : undefined);
/** metav1.Time: RFC3339 in UTC, whole seconds; zero/absent omitted (what the fixtures show). */
const time: Writer = (v) => {
  if (typeof v !== "string" || v === "") return undefined;
  try {
    return goJsonString(formatTimestampSeconds(parseTimestamp(v)));
  } catch {
    return goJsonString(v);
  }
};

/** Writes the present fields of `obj` in `fields` order as a Go struct would. */
function goStruct(obj: Readonly<Record<string, unknown>>, fields: readonly (readonly [string, Writer])[]): string {
  const parts: string[] = [];
  for (const [key, write] of fields) {
    const text = write(obj[key]);
    if (text !== undefined) parts.push(`${goJsonString(key)}:${text}`);
  }
  return `{${parts.join(",")}}`;
}

const OWNER_REFERENCE_FIELDS = [
  ["apiVersion", (v: unknown) => goJsonString(typeof v === "string" ? v : "")],
  ["kind", (v: unknown) => goJsonString(typeof v === "string" ? v : "")],
  ["name", (v: unknown) => goJsonString(typeof v === "string" ? v : "")],
  ["uid", (v: unknown) => goJsonString(typeof v === "string" ? v : "")],
  ["controller", ptrBool],
  ["blockOwnerDeletion", ptrBool],
] as const;

const ownerReferences: Writer = (v) =>
  Array.isArray(v) && v.length > 0
    ? `[${v.map((r) => goStruct(isJsonObject(r) ? r : {}, OWNER_REFERENCE_FIELDS)).join(",")}]`
    : undefined;

const OBJECT_META_FIELDS: readonly (readonly [string, Writer])[] = [
  ["name", str], ["generateName", str], ["namespace", str], ["selfLink", str], ["uid", str],
  ["resourceVersion", str], ["generation", int], ["creationTimestamp", time], ["deletionTimestamp", time],
  ["deletionGracePeriodSeconds", ptrInt], ["labels", map], ["annotations", map],
  ["ownerReferences", ownerReferences], ["finalizers", list], ["managedFields", list],
];

/**
 * Go's `json.Marshal(work.ObjectMeta)`: fields in struct order, empty ones omitted, maps with
 * sorted keys, times as RFC3339 seconds. managedFields entries are written with sorted keys
 * (Go uses struct order there; no source sends them).
 * Example: `objectMetaJson({ name: "w1", namespace: "c1", uid: "u", resourceVersion: "0" })`
 * -> `{"name":"w1","namespace":"c1","uid":"u","resourceVersion":"0"}`.
 */
export function objectMetaJson(meta: ObjectMeta): string {
  return goStruct(meta as Readonly<Record<string, unknown>>, OBJECT_META_FIELDS);
}

function wrongType(key: string, want: string): never {
  throw new TypeError(`metadata.${key} must be ${want}`);
}

function stringMap(key: string, v: JsonValue): Record<string, string> {
  if (!isJsonObject(v) || !Object.values(v).every((x) => typeof x === "string")) wrongType(key, "a map of strings");
  return { ...(v as Record<string, string>) };
}

function readField(out: ObjectMeta, key: keyof ObjectMeta, v: JsonValue): void {
  const o = out as Record<string, unknown>;
  switch (key) {
    case "generation":
    case "deletionGracePeriodSeconds":
      if (typeof v !== "number" || !Number.isSafeInteger(v)) wrongType(key, "an integer");
      o[key] = v;
      return;
    case "labels":
    case "annotations":
      o[key] = stringMap(key, v);
      return;
    case "finalizers":
      if (!Array.isArray(v) || !v.every((x) => typeof x === "string")) wrongType(key, "a list of strings");
      o[key] = [...v];
      return;
    case "ownerReferences":
    case "managedFields":
      if (!Array.isArray(v) || !v.every(isJsonObject)) wrongType(key, "a list of objects");
      o[key] = structuredClone(v);
      return;
    default:
      if (typeof v !== "string") wrongType(key, "a string");
      o[key] = v;
  }
}

const OBJECT_META_KEYS: ReadonlySet<string> = new Set(OBJECT_META_FIELDS.map(([k]) => k));

/**
 * Reads ObjectMeta from JSON as Go's json.Unmarshal would: known fields only (others dropped),
 * null fields absent, wrongly typed ones rejected with a TypeError.
 * Example: `objectMetaFromJson({ name: "w1", labels: { a: "b" }, foo: 1 })` -> `{ name: "w1", labels: { a: "b" } }`.
 */
export function objectMetaFromJson(value: JsonValue | undefined): ObjectMeta {
  if (value === undefined || value === null) return {};
  if (!isJsonObject(value)) throw new TypeError("metadata must be a JSON object");
  const out: ObjectMeta = {};
  for (const [key, v] of Object.entries(value)) {
    if (!OBJECT_META_KEYS.has(key) || v === null) continue;
    readField(out, key as keyof ObjectMeta, v);
  }
  return out;
}
