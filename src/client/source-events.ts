// CloudEvents a source sends, built as sdk-go's EventBuilder builds them: fresh id and time,
// `clustername` and `originalsource` always present, then the resource extensions.

import {
  Ext,
  integerAttr,
  JSON_CONTENT_TYPE,
  manifestBundleEventType,
  SPEC_VERSION,
  stringAttr,
  timeAttr,
  timestampNow,
  uuidV4,
  type AttributeValue,
  type CloudEvent,
  type EventAction,
  type EventSubResource,
  type StatusResyncRequest,
  type Timestamp,
} from "../cloudevents/mod.ts";

/** What a source event is made of (sdk-go `NewEventBuilder(...).With…().NewEvent()`). */
export interface SourceEventInit {
  readonly sourceId: string;
  readonly subResource: EventSubResource;
  readonly action: EventAction;
  /** `clustername`; sdk-go always sets it, "" when there is none. */
  readonly clusterName?: string;
  readonly resourceId?: string;
  readonly resourceVersion?: number;
  readonly deletionTimestamp?: Timestamp;
  /** Extra extensions (metadata, logtracing), added after the builder's own. */
  readonly extensions?: Readonly<Record<string, AttributeValue>>;
  /** JSON data bytes; sets datacontenttype application/json. Absent for deletes. */
  readonly data?: Uint8Array;
  /** Event id and time; fresh ones when absent. */
  readonly id?: string;
  readonly time?: Timestamp;
}

/**
 * Builds a manifestbundles event in sdk-go's order: clustername, originalsource (""), resourceid
 * and resourceversion when given, deletiontimestamp when given, then `extensions`.
 * Example: `newSourceEvent({ sourceId: "s1", subResource: "spec", action: "create_request", clusterName: "c1", resourceId, resourceVersion: 0 })`.
 */
export function newSourceEvent(init: SourceEventInit): CloudEvent {
  const extensions: Record<string, AttributeValue> = {
    [Ext.clusterName]: stringAttr(init.clusterName ?? ""),
    [Ext.originalSource]: stringAttr(""),
  };
  if (init.resourceId !== undefined && init.resourceId !== "") extensions[Ext.resourceId] = stringAttr(init.resourceId);
  if (init.resourceVersion !== undefined) extensions[Ext.resourceVersion] = integerAttr(init.resourceVersion);
  if (init.deletionTimestamp !== undefined) extensions[Ext.deletionTimestamp] = timeAttr(init.deletionTimestamp);
  Object.assign(extensions, init.extensions);
  const base = {
    specversion: SPEC_VERSION,
    id: init.id ?? uuidV4(),
    source: init.sourceId,
    type: manifestBundleEventType(init.subResource, init.action),
    time: init.time ?? timestampNow(),
    extensions,
  };
  return init.data === undefined ? base : { ...base, datacontenttype: JSON_CONTENT_TYPE, data: init.data };
}

const utf8 = new TextEncoder();

/**
 * The status resync request an sdk-go generic source sends after each (re)subscribe
 * (maestro-wire.md 3.2): `…status.resync_request`, clustername "", data `{"statusHashes":[…]}`
 * (an empty list asks for every status).
 * Example: `statusResyncRequestEvent("s1", [{ resourceID: "…", statusHash: "…" }])`.
 */
export function statusResyncRequestEvent(
  sourceId: string,
  statusHashes: readonly StatusResyncRequest["statusHashes"][number][],
  clusterName = "",
): CloudEvent {
  const body: StatusResyncRequest = {
    statusHashes: statusHashes.map((h) => ({ resourceID: h.resourceID, statusHash: h.statusHash })),
  };
  return newSourceEvent({
    sourceId,
    subResource: "status",
    action: "resync_request",
    clusterName,
    data: utf8.encode(JSON.stringify(body)),
  });
}
