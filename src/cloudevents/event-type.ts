// OCM CloudEvent type strings (maestro-wire.md 2.1): `<group...>.<version>.<resource>.<sub>.<action>`
// parsed into parts and formatted back, plus the data type and heartbeat type Maestro uses.

import { Errors } from "../errors.ts";

/** Every action sdk-go defines, spelled once. `watch_request` exists but Maestro never sends it. */
export const EVENT_ACTIONS = [
  "create_request",
  "update_request",
  "delete_request",
  "resync_request",
  "resync_response",
  "watch_request",
] as const;
/** One of EVENT_ACTIONS. */
export type EventAction = (typeof EVENT_ACTIONS)[number];

/** The two sub-resources: a spec travels source -> agent, a status agent -> source. */
export const EVENT_SUB_RESOURCES = ["spec", "status"] as const;
/** One of EVENT_SUB_RESOURCES. */
export type EventSubResource = (typeof EVENT_SUB_RESOURCES)[number];

/** `<group>.<version>.<resource>`, e.g. io.open-cluster-management.works / v1alpha1 / manifestbundles. */
export interface EventDataType {
  readonly group: string;
  readonly version: string;
  readonly resource: string;
}

/** A parsed OCM event type. */
export interface EventType {
  readonly dataType: EventDataType;
  readonly subResource: EventSubResource;
  readonly action: EventAction;
}

/** The only data type Maestro serves, as parts. */
export const MANIFEST_BUNDLE_DATA_TYPE: EventDataType = Object.freeze({
  group: "io.open-cluster-management.works",
  version: "v1alpha1",
  resource: "manifestbundles",
});
/** The only data type Maestro serves, as the string a SubscriptionRequest carries. */
export const MANIFEST_BUNDLE_DATA_TYPE_NAME = "io.open-cluster-management.works.v1alpha1.manifestbundles";
/** Type of the server's keep-alive events; clients drop these before decoding. */
export const HEARTBEAT_EVENT_TYPE = "io.open-cluster-management.cloudevents.heartbeat";

const ACTION_SET: ReadonlySet<string> = new Set(EVENT_ACTIONS);

function requireParts(text: string, parts: readonly string[], what: string): void {
  const empty = parts.findIndex((p) => p.length === 0);
  if (empty >= 0) {
    throw Errors.validation(`unsupported ${what} format ${JSON.stringify(text)}: empty segment at position ${empty}`);
  }
}

/**
 * Parses a data type `<group...>.<version>.<resource>` (at least 3 dot-separated parts; the
 * group keeps its own dots). Throws MaestroError(Validation) otherwise.
 * Example: `parseEventDataType("io.open-cluster-management.works.v1alpha1.manifestbundles")`
 * -> `{ group: "io.open-cluster-management.works", version: "v1alpha1", resource: "manifestbundles" }`.
 */
export function parseEventDataType(text: string): EventDataType {
  const parts = text.split(".");
  if (parts.length < 3) {
    throw Errors.validation(
      `unsupported cloudevents data type format ${JSON.stringify(text)}: want <group>.<version>.<resource>`,
    );
  }
  requireParts(text, parts, "cloudevents data type");
  const n = parts.length;
  return { group: parts.slice(0, n - 2).join("."), version: parts[n - 2]!, resource: parts[n - 1]! };
}

/**
 * Formats a data type back to its dotted string.
 * Example: `formatEventDataType(MANIFEST_BUNDLE_DATA_TYPE)` -> MANIFEST_BUNDLE_DATA_TYPE_NAME.
 */
export function formatEventDataType(dataType: EventDataType): string {
  return `${dataType.group}.${dataType.version}.${dataType.resource}`;
}

/**
 * Parses a full event type as sdk-go does (>= 5 dot parts; the last two are sub-resource and
 * action), and additionally insists on a known action and non-empty segments.
 * Throws MaestroError(Validation) with the reason.
 * Example: `parseEventType("io.open-cluster-management.works.v1alpha1.manifestbundles.spec.create_request")`
 * -> `{ dataType: MANIFEST_BUNDLE_DATA_TYPE, subResource: "spec", action: "create_request" }`.
 */
export function parseEventType(text: string): EventType {
  const parts = text.split(".");
  if (parts.length < 5) {
    throw Errors.validation(
      `unsupported cloudevents type format ${JSON.stringify(text)}: want <group>.<version>.<resource>.<subresource>.<action>`,
    );
  }
  requireParts(text, parts, "cloudevents type");
  const n = parts.length;
  const subResource = parts[n - 2]!;
  if (subResource !== "spec" && subResource !== "status") {
    throw Errors.validation(`unsupported subresource ${subResource} in cloudevents type ${JSON.stringify(text)}`);
  }
  const action = parts[n - 1]!;
  if (!ACTION_SET.has(action)) {
    throw Errors.validation(`unsupported action ${action} in cloudevents type ${JSON.stringify(text)}`);
  }
  const dataType = { group: parts.slice(0, n - 4).join("."), version: parts[n - 4]!, resource: parts[n - 3]! };
  return { dataType, subResource, action: action as EventAction };
}

/**
 * Formats an event type to its wire string.
 * Example: `formatEventType({ dataType: MANIFEST_BUNDLE_DATA_TYPE, subResource: "status", action: "update_request" })`
 * -> "io.open-cluster-management.works.v1alpha1.manifestbundles.status.update_request".
 */
export function formatEventType(type: EventType): string {
  return `${formatEventDataType(type.dataType)}.${type.subResource}.${type.action}`;
}

/**
 * The manifestbundles type string for one sub-resource and action (the common case, no parsing).
 * Example: `manifestBundleEventType("spec", "delete_request")` -> "io.open-cluster-management.works.v1alpha1.manifestbundles.spec.delete_request".
 */
export function manifestBundleEventType(subResource: EventSubResource, action: EventAction): string {
  return `${MANIFEST_BUNDLE_DATA_TYPE_NAME}.${subResource}.${action}`;
}

/**
 * True when two data types name the same group, version and resource.
 * Example: `sameDataType(parseEventType(t).dataType, MANIFEST_BUNDLE_DATA_TYPE)` -> true for manifestbundles events.
 */
export function sameDataType(a: EventDataType, b: EventDataType): boolean {
  return a.group === b.group && a.version === b.version && a.resource === b.resource;
}
