// Builds the spec events the server sends to agents (maestro-wire.md 7.2): the source's stored
// event re-addressed from this server, with the resource's id, version, cluster and metadata,
// and a fresh id/time plus deletiontimestamp while the resource is being deleted. Pure.

import { integerAttr, stringAttr, timeAttr } from "../cloudevents/attributes.ts";
import { manifestBundleEventType, type EventAction } from "../cloudevents/event-type.ts";
import { goJsonMarshal } from "../cloudevents/go-json.ts";
import { uuidV4 } from "../cloudevents/ids.ts";
import { formatTimestampSeconds, timestampFromDate } from "../cloudevents/time.ts";
import { Ext, SPEC_VERSION, type AttributeValue, type CloudEvent, type JsonObject, type Timestamp } from "../cloudevents/types.ts";

/** What the spec event of one resource is built from. */
export interface SpecSnapshot {
  readonly id: string;
  readonly consumerName: string;
  readonly version: number;
  readonly createdAt: Date;
  /** Set while the resource is being deleted. */
  readonly deletedAt: Date | null;
  /** The source's event as stored (data = the ManifestBundle bytes). */
  readonly event: CloudEvent;
}

/** The spec actions a server sends to agents. */
export type AgentSpecAction = Extract<EventAction, "create_request" | "update_request" | "delete_request" | "resync_response">;

function parseMetadata(event: CloudEvent): JsonObject {
  const meta = event.extensions[Ext.metadata];
  if (meta?.kind !== "string") return {};
  try {
    const parsed: unknown = JSON.parse(meta.value);
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as JsonObject) : {};
  } catch {
    // Validated when the source published it; a stored value that no longer parses is replaced.
    return {};
  }
}

/**
 * The work metadata agents see: the source's ObjectMeta with `name` = resource id,
 * creationTimestamp = created_at and, while deleting, deletionTimestamp = deleted_at; keys
 * sorted as Go marshals a map. Example: `{"creationTimestamp":"…","name":"<id>",…}`.
 */
export function agentMetadataJson(snapshot: SpecSnapshot): string {
  const meta: JsonObject = { ...parseMetadata(snapshot.event), name: snapshot.id };
  meta.creationTimestamp = formatTimestampSeconds(timestampFromDate(snapshot.createdAt));
  if (snapshot.deletedAt) meta.deletionTimestamp = formatTimestampSeconds(timestampFromDate(snapshot.deletedAt));
  return goJsonMarshal(meta);
}

/**
 * The spec event for an agent. While deleting, the action becomes delete_request (unless it is
 * a resync response) with a new id, time = now and deletiontimestamp = deleted_at.
 * Example: `agentSpecEvent(snapshot, "create_request", "maestro", timestampNow())`.
 */
export function agentSpecEvent(snapshot: SpecSnapshot, action: AgentSpecAction, sourceId: string, now: Timestamp): CloudEvent {
  const deleting = snapshot.deletedAt !== null;
  const effective: AgentSpecAction = deleting && action !== "resync_response" ? "delete_request" : action;
  const extensions: Record<string, AttributeValue> = {
    ...snapshot.event.extensions,
    [Ext.resourceId]: stringAttr(snapshot.id),
    [Ext.resourceVersion]: integerAttr(snapshot.version),
    [Ext.clusterName]: stringAttr(snapshot.consumerName),
    [Ext.metadata]: stringAttr(agentMetadataJson(snapshot)),
  };
  if (deleting) extensions[Ext.deletionTimestamp] = timeAttr(timestampFromDate(snapshot.deletedAt!));
  else delete extensions[Ext.deletionTimestamp];
  return {
    ...snapshot.event,
    specversion: SPEC_VERSION,
    id: deleting ? uuidV4() : snapshot.event.id,
    time: deleting ? now : snapshot.event.time,
    source: sourceId,
    type: manifestBundleEventType("spec", effective),
    extensions,
  };
}

/** Who sends the deletes of unknown ids, and how (maestro-wire.md 3.1). */
export interface UnknownDeleteStyle {
  /** CE source: the literal "source" on sdk-go's gRPC broker, the source id in MQTT mode. */
  readonly source: string;
  /** MQTT mode also echoes the version the agent reported for the id. */
  readonly withVersion: boolean;
}

/** sdk-go's gRPC broker: source "source", no version. */
export const brokerUnknownDeletes: UnknownDeleteStyle = { source: "source", withVersion: false };

/**
 * The delete sent in answer to a spec resync for an id the server does not have (3.1):
 * resourceid, clustername and deletiontimestamp = now, no data; in MQTT mode also the
 * resourceversion the agent reported.
 * Example: `unknownResourceDeleteEvent({ id: "x", version: 2 }, "cluster1", now)`.
 */
export function unknownResourceDeleteEvent(held: { readonly id: string; readonly version: number }, clusterName: string, now: Timestamp, style: UnknownDeleteStyle = brokerUnknownDeletes): CloudEvent {
  const extensions: Record<string, AttributeValue> = {
    [Ext.resourceId]: stringAttr(held.id),
    [Ext.clusterName]: stringAttr(clusterName),
    [Ext.deletionTimestamp]: timeAttr(now),
  };
  if (style.withVersion) extensions[Ext.resourceVersion] = integerAttr(held.version);
  return {
    specversion: SPEC_VERSION,
    id: uuidV4(),
    source: style.source,
    type: manifestBundleEventType("spec", "resync_response"),
    time: now,
    extensions,
  };
}
