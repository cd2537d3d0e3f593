// Object verbs of the fake API server over an in-memory map: get, create, replace (optimistic on
// resourceVersion), server-side apply (one owning manager per object, conflicts unless forced), delete.

import type { JsonObject, JsonValue } from "../../../src/cloudevents/types.ts";
import type { FakeResource } from "./fake-discovery.ts";
import { status, success } from "./fake-status.ts";

/** Where a request points: a resource of a group-version, a namespace ("" if cluster-scoped), a name if an object. */
export interface Target {
  readonly groupVersion: string;
  readonly resource: FakeResource;
  readonly namespace: string;
  readonly name: string | undefined;
}

/** The fake's state: objects by key, the field manager owning each applied object, id counters. */
export interface ObjectStore {
  readonly objects: Map<string, JsonObject>;
  readonly owners: Map<string, string>;
  readonly counter: { rv: number; uid: number };
}

/** The request parts the verbs read. */
export interface ObjectRequest {
  readonly method: string;
  readonly query: URLSearchParams;
  readonly contentType: string;
  readonly body: string;
}

type Answer = [number, JsonObject];

/** Every timestamp the fake writes, so recorded fixtures are stable. */
export const FAKE_TIME = "2026-01-01T00:00:00Z";
const DNS1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * Runs one object verb.
 * Example: `handleObject(store, target, { method: "GET", query, contentType: "", body: "" })`.
 */
export function handleObject(store: ObjectStore, target: Target, req: ObjectRequest): Answer {
  if (target.name === undefined) {
    if (req.method === "POST") return createObject(store, target, req.body);
    return [405, status(405, "MethodNotAllowed", "the fake serves no collection verb but POST")];
  }
  const key = keyOf(target, target.name);
  switch (req.method) {
    case "GET": {
      const found = store.objects.get(key);
      return found ? [200, found] : notFound(target);
    }
    case "PUT":
      return replaceObject(store, target, key, req.body);
    case "PATCH":
      return applyObject(store, target, key, req);
    case "DELETE":
      return deleteObject(store, target, key, req);
    default:
      return [405, status(405, "MethodNotAllowed", `the server does not allow this method on the requested resource`)];
  }
}

/** Seeds an object directly (test set-up), owned by `manager` for apply conflicts. */
export function seedObject(store: ObjectStore, target: Target, object: JsonObject, manager = "kubectl"): JsonObject {
  const stored = stamp(store, target, object, undefined, manager, "Update");
  store.objects.set(keyOf(target, target.name!), stored);
  store.owners.set(keyOf(target, target.name!), manager);
  return stored;
}

function keyOf(target: Target, name: string): string {
  return `${target.groupVersion}|${target.resource.name}|${target.namespace}|${name}`;
}

/** Group-qualified resource as kube-apiserver names it in messages: `deployments.apps`, `configmaps`. */
function qualified(target: Target): string {
  const group = target.groupVersion.includes("/") ? target.groupVersion.split("/")[0]! : "";
  return group === "" ? target.resource.name : `${target.resource.name}.${group}`;
}

/** Status details naming the object (`group` only outside the core group). */
function details(target: Target, name: string): JsonObject {
  const group = target.groupVersion.includes("/") ? target.groupVersion.split("/")[0]! : "";
  return group === "" ? { name, kind: target.resource.name } : { name, group, kind: target.resource.name };
}

function notFound(target: Target): Answer {
  const name = target.name ?? "";
  return [404, status(404, "NotFound", `${qualified(target)} "${name}" not found`, details(target, name))];
}

function meta(object: JsonObject): JsonObject {
  const m = object.metadata;
  return m !== null && typeof m === "object" && !Array.isArray(m) ? m : {};
}

function parse(body: string): JsonObject | undefined {
  try {
    const value = JSON.parse(body) as JsonValue;
    return value !== null && typeof value === "object" && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function invalidName(target: Target, name: string): Answer | undefined {
  if (DNS1123.test(name)) return undefined;
  const why = `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`;
  const kind = target.resource.kind;
  return [422, status(422, "Invalid", `${kind} "${name}" is invalid: metadata.name: ${why}`, { name, kind, causes: [{ reason: "FieldValueInvalid", message: why, field: "metadata.name" }] })];
}

/** The stored form: server fields (uid, resourceVersion, creationTimestamp, managedFields) filled in. */
function stamp(store: ObjectStore, target: Target, object: JsonObject, previous: JsonObject | undefined, manager: string, operation: string): JsonObject {
  const prior = previous ? meta(previous) : {};
  store.counter.rv += 1;
  const uid = prior.uid ?? `fake-uid-${++store.counter.uid}`;
  const metadata: JsonObject = { ...meta(object), uid, resourceVersion: String(store.counter.rv), creationTimestamp: prior.creationTimestamp ?? FAKE_TIME };
  if (target.namespace !== "") metadata.namespace = target.namespace;
  metadata.managedFields = [{ manager, operation, apiVersion: target.groupVersion, time: FAKE_TIME, fieldsType: "FieldsV1" }];
  return { ...object, metadata };
}

function createObject(store: ObjectStore, target: Target, body: string): Answer {
  const object = parse(body);
  if (!object) return [400, status(400, "BadRequest", "the request body is not a JSON object")];
  const m = meta(object);
  const name = typeof m.name === "string" ? m.name : "";
  if (typeof m.namespace === "string" && m.namespace !== "" && target.namespace !== "" && m.namespace !== target.namespace) {
    return [400, status(400, "BadRequest", "the namespace of the provided object does not match the namespace sent on the request")];
  }
  const bad = invalidName(target, name);
  if (bad) return bad;
  const key = keyOf(target, name);
  if (store.objects.has(key)) {
    return [409, status(409, "AlreadyExists", `${qualified(target)} "${name}" already exists`, details(target, name))];
  }
  const stored = stamp(store, target, object, undefined, "maestro-bun-agent", "Update");
  store.objects.set(key, stored);
  store.owners.set(key, "maestro-bun-agent");
  return [201, stored];
}

function replaceObject(store: ObjectStore, target: Target, key: string, body: string): Answer {
  const object = parse(body);
  if (!object) return [400, status(400, "BadRequest", "the request body is not a JSON object")];
  const name = meta(object).name;
  if (name !== target.name) {
    return [400, status(400, "BadRequest", `the name of the object (${String(name)}) does not match the name on the URL (${target.name})`)];
  }
  const existing = store.objects.get(key);
  if (!existing) return notFound(target);
  const sentRv = meta(object).resourceVersion;
  if (typeof sentRv === "string" && sentRv !== "" && sentRv !== meta(existing).resourceVersion) {
    const message = `Operation cannot be fulfilled on ${qualified(target)} "${target.name}": the object has been modified; please apply your changes to the latest version and try again`;
    return [409, status(409, "Conflict", message, details(target, target.name!))];
  }
  const stored = stamp(store, target, object, existing, "maestro-bun-agent", "Update");
  store.objects.set(key, stored);
  return [200, stored];
}

function applyObject(store: ObjectStore, target: Target, key: string, req: ObjectRequest): Answer {
  if (req.contentType !== "application/apply-patch+yaml") {
    return [415, status(415, "UnsupportedMediaType", `the body of the request was in an unknown format - accepted media types include: application/apply-patch+yaml`)];
  }
  const manager = req.query.get("fieldManager") ?? "";
  if (manager === "") return [422, status(422, "Invalid", `PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch`)];
  const force = req.query.get("force");
  if (force !== null && force !== "true" && force !== "false") return [400, status(400, "BadRequest", `invalid force value ${force}`)];
  const object = parse(req.body);
  if (!object) return [400, status(400, "BadRequest", "error decoding YAML: the body is not an object")];
  const bad = invalidName(target, String(meta(object).name ?? ""));
  if (bad) return bad;
  const existing = store.objects.get(key);
  const owner = store.owners.get(key);
  if (existing && owner !== undefined && owner !== manager && force !== "true") {
    const fields = Object.keys(object).filter((f) => !["apiVersion", "kind", "metadata"].includes(f) && JSON.stringify(object[f]) !== JSON.stringify(existing[f]));
    if (fields.length > 0) return conflict(target, owner, fields);
  }
  const merged = existing ? { ...existing, ...object, metadata: { ...meta(existing), ...meta(object) } } : object;
  const stored = stamp(store, target, merged, existing, manager, "Apply");
  store.objects.set(key, stored);
  store.owners.set(key, manager);
  return [existing ? 200 : 201, stored];
}

function conflict(target: Target, owner: string, fields: readonly string[]): Answer {
  const using = `conflict with "${owner}" using ${target.groupVersion}`;
  const plural = fields.length === 1 ? "conflict" : "conflicts";
  const message = `Apply failed with ${fields.length} ${plural}: ${fields.map((f) => `${using}: .${f}`).join("\n")}`;
  const causes = fields.map((f) => ({ reason: "FieldManagerConflict", message: using, field: `.${f}` }));
  return [409, status(409, "Conflict", message, { causes })];
}

function deleteObject(store: ObjectStore, target: Target, key: string, req: ObjectRequest): Answer {
  const options = req.body === "" ? {} : parse(req.body);
  if (!options || (options.kind !== undefined && options.kind !== "DeleteOptions")) {
    return [400, status(400, "BadRequest", "the body is not a DeleteOptions object")];
  }
  const policy = String(options.propagationPolicy ?? req.query.get("propagationPolicy") ?? "Background");
  if (!["Foreground", "Background", "Orphan"].includes(policy)) return [400, status(400, "BadRequest", `unsupported propagationPolicy ${policy}`)];
  const existing = store.objects.get(key);
  if (!existing) return notFound(target);
  if (policy === "Background") {
    store.objects.delete(key);
    store.owners.delete(key);
    return [200, success({ ...details(target, target.name!), uid: String(meta(existing).uid) })];
  }
  // Foreground and Orphan keep the object with a finalizer until the garbage collector is done.
  const finalizer = policy === "Foreground" ? "foregroundDeletion" : "orphan";
  const m = meta(existing);
  const finalizers = Array.isArray(m.finalizers) ? m.finalizers : [];
  const metadata: JsonObject = { ...m, deletionTimestamp: FAKE_TIME, deletionGracePeriodSeconds: 0, finalizers: finalizers.includes(finalizer) ? finalizers : [...finalizers, finalizer] };
  store.counter.rv += 1;
  metadata.resourceVersion = String(store.counter.rv);
  const deleting = { ...existing, metadata };
  store.objects.set(key, deleting);
  return [200, deleting];
}
