// Events from agents (maestro-wire.md 1.5, 7.3), from a broker-port Publish or an MQTT message:
// statuses are checked (originalsource, clustername, version, sequence id), written through the
// group-commit writer and relayed to the owning source after commit; spec resyncs are answered (3.1).

import { readInteger, readString } from "../cloudevents/attributes.ts";
import { cloudEventToStoredPayload } from "../cloudevents/json-codec.ts";
import { parseSnowflake } from "../cloudevents/snowflake.ts";
import { parseManifestBundleStatus } from "../cloudevents/status-codec.ts";
import type { EventType } from "../cloudevents/event-type.ts";
import { Ext, type CloudEvent, type JsonObject } from "../cloudevents/types.ts";
import type { ManifestBundleStatus } from "../cloudevents/manifest-bundle.ts";
import { Errors } from "../errors.ts";
import type { BatchWriter } from "../store/batch-writer.ts";
import type { StatusOp } from "../store/write-ops.ts";
import { PublishContext, inContext } from "./grpc-errors.ts";
import { decodePublished } from "./source-publish.ts";
import { resyncSpecs, type SpecResyncDeps } from "./spec-resync.ts";

/** What the agent event handler needs. */
export interface AgentPublishDeps extends SpecResyncDeps {
  readonly writer: BatchWriter;
  /** The only `originalsource` a status may carry: the source of our spec events ("maestro"). */
  readonly sourceId: string;
}

/** True when the status has the top-level condition Deleted=True (the agent finished deleting). */
export function isDeletedStatus(status: ManifestBundleStatus): boolean {
  return (status.conditions ?? []).some((c) => c.type === "Deleted" && c.status === "True");
}

/** Decodes and checks an agent's status event into a writer op (InvalidArgument on any problem). */
export function statusOpOf(event: CloudEvent, sourceId: string): StatusOp {
  try {
    const id = readString(event, Ext.resourceId);
    const consumerName = readString(event, Ext.clusterName);
    const resourceVersion = readInteger(event, Ext.resourceVersion);
    const originalSource = readString(event, Ext.originalSource);
    if (originalSource !== sourceId) {
      throw Errors.badRequest(`the status originalsource ${JSON.stringify(originalSource)} is not this server's source ${JSON.stringify(sourceId)}`);
    }
    const sequenceId = parseSnowflake(readString(event, Ext.sequenceId));
    if (event.data === undefined) throw Errors.validation("the status event has no data");
    const status = parseManifestBundleStatus(event.data);
    const stored = cloudEventToStoredPayload({ ...event, data: undefined });
    stored.data = status as unknown as JsonObject;
    return { kind: "status", id, consumerName, resourceVersion, sequenceId, status: stored, deleted: isDeletedStatus(status) };
  } catch (err) {
    throw inContext(err, PublishContext.decodeStatus);
  }
}

async function applyStatus(deps: AgentPublishDeps, event: CloudEvent): Promise<void> {
  const op = statusOpOf(event, deps.sourceId);
  const result = await deps.writer.submit(op).catch((err: unknown) => {
    throw inContext(err, PublishContext.status);
  });
  if (result.outcome === "ignored") {
    const stored = result.current?.statusSequenceId;
    // Equal ids are the same status sent twice (a retry, a resync): accepted as a no-op.
    if (result.reason === "older-sequence" && stored !== undefined && stored !== null && stored !== op.sequenceId) {
      throw inContext(Errors.statusSequenceOlder(op.id, op.sequenceId, stored), PublishContext.status);
    }
    return;
  }
  const { resource } = result;
  deps.delivery.status(resource.source, resource.status, resource.payload.data);
}

/**
 * Handles one already-decoded event from an agent, whatever carried it: a status update or
 * resync response is stored and relayed, a spec resync request is answered through Delivery.
 * Rejects with a ContextualError (gRPC maps it; MQTT logs, counts and drops).
 * `origin` ends the error text of an unsupported event ("on the broker port", "over MQTT").
 * Example: `await handleAgentEvent(deps, event, manifestBundleEventTypeOf(event), "over MQTT")`.
 */
export async function handleAgentEvent(deps: AgentPublishDeps, event: CloudEvent, type: EventType, origin: string): Promise<void> {
  if (type.subResource === "spec" && type.action === "resync_request") return resyncSpecs(deps, event);
  if (type.subResource === "status" && (type.action === "update_request" || type.action === "resync_response")) {
    return applyStatus(deps, event);
  }
  throw inContext(Errors.badRequest(`unsupported event ${type.subResource}.${type.action} ${origin}`), PublishContext.decode);
}

/**
 * Handles one Publish on the broker port: decode the bytes, then handleAgentEvent.
 * Example: `await handleAgentPublish(deps, call.request)`.
 */
export async function handleAgentPublish(deps: AgentPublishDeps, bytes: Uint8Array, decoded?: (source: string) => void): Promise<void> {
  const { event, type } = decodePublished(bytes);
  decoded?.(event.source);
  return handleAgentEvent(deps, event, type, "on the broker port");
}
