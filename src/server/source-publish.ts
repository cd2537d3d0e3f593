// Publish on the source port (maestro-wire.md 1.5, 7.1): decode once, validate, write through
// the group-commit writer, answer only after commit, then fan the spec out to the consumer's
// agent. A status.resync_request is answered by re-sending the source's changed statuses.

import { readInteger, readString } from "../cloudevents/attributes.ts";
import { parseManifestBundle } from "../cloudevents/bundle-codec.ts";
import { MANIFEST_BUNDLE_DATA_TYPE, parseEventType, sameDataType, type EventType } from "../cloudevents/event-type.ts";
import { cloudEventToStoredPayload } from "../cloudevents/json-codec.ts";
import { decodePublishedCloudEvent } from "../cloudevents/ocm-binding.ts";
import { Ext, type CloudEvent, type JsonObject, type JsonValue } from "../cloudevents/types.ts";
import { Errors } from "../errors.ts";
import { resourceIdBytesMax } from "../limits.ts";
import type { BatchWriter } from "../store/batch-writer.ts";
import type { Delivery } from "./delivery.ts";
import { PublishContext, inContext } from "./grpc-errors.ts";
import { resyncStatuses, type StatusResyncDeps } from "./status-resync.ts";

/** What the source Publish handler needs. */
export interface SourcePublishDeps extends StatusResyncDeps {
  readonly writer: BatchWriter;
  readonly delivery: Delivery;
}

/** The three extensions every spec event from a source carries (also delete). */
interface SpecAddress {
  readonly clusterName: string;
  readonly resourceId: string;
  readonly resourceVersion: number;
}

/** Decodes PublishRequest bytes; any failure is InvalidArgument with Maestro's context. */
export function decodePublished(bytes: Uint8Array): { event: CloudEvent; type: EventType } {
  let event: CloudEvent;
  try {
    event = decodePublishedCloudEvent(bytes);
  } catch (err) {
    throw inContext(err, PublishContext.decode);
  }
  return { event, type: manifestBundleEventTypeOf(event) };
}

/**
 * The type of an already-decoded event, which must be of the manifestbundles data type; any
 * failure is InvalidArgument with the decode context (gRPC decodes bytes first, MQTT gets events).
 * Example: `manifestBundleEventTypeOf(event).action` -> "update_request".
 */
export function manifestBundleEventTypeOf(event: CloudEvent): EventType {
  let type: EventType;
  try {
    type = parseEventType(event.type);
  } catch (err) {
    throw inContext(err, PublishContext.decode);
  }
  if (!sameDataType(type.dataType, MANIFEST_BUNDLE_DATA_TYPE)) {
    throw inContext(Errors.badRequest(`unsupported data type ${JSON.stringify(event.type)}`), PublishContext.decode);
  }
  return type;
}

function specAddress(event: CloudEvent): SpecAddress {
  try {
    const clusterName = readString(event, Ext.clusterName);
    const resourceId = readString(event, Ext.resourceId);
    const resourceVersion = readInteger(event, Ext.resourceVersion);
    if (clusterName === "") throw Errors.badRequest("the clustername extension is empty");
    if (resourceId === "") throw Errors.badRequest("the resourceid extension is empty");
    if (Buffer.byteLength(resourceId) > resourceIdBytesMax) throw Errors.badRequest(`the resourceid is longer than ${resourceIdBytesMax} bytes`);
    if (resourceVersion < 0) throw Errors.badRequest(`the resourceversion ${resourceVersion} is negative`);
    return { clusterName, resourceId, resourceVersion };
  } catch (err) {
    throw inContext(err, PublishContext.decodeSpec);
  }
}

/** The stored payload: the event in structured JSON, its data as the already-parsed bundle (no second parse). */
function storedPayload(event: CloudEvent, bundle: JsonValue): JsonObject {
  const payload = cloudEventToStoredPayload({ ...event, data: undefined });
  payload.data = bundle;
  return payload;
}

function validBundle(event: CloudEvent): JsonObject {
  try {
    if (event.data === undefined) throw Errors.validation("the spec event has no data (a ManifestBundle is required)");
    return parseManifestBundle(event.data) as unknown as JsonObject;
  } catch (err) {
    throw inContext(err, PublishContext.decodeSpec);
  }
}

/**
 * Handles one Publish on the source port; resolves when the write committed and the agent
 * fanout was queued. Example: `await handleSourcePublish(deps, call.request)`.
 */
export async function handleSourcePublish(deps: SourcePublishDeps, bytes: Uint8Array, decoded?: (source: string) => void): Promise<void> {
  const { event, type } = decodePublished(bytes);
  decoded?.(event.source);
  if (type.action === "resync_request") return resyncStatuses(deps, event);
  if (type.subResource !== "spec") {
    throw inContext(Errors.badRequest(`unsupported event ${type.subResource}.${type.action} on the source port`), PublishContext.decode);
  }
  switch (type.action) {
    case "create_request":
      return create(deps, event);
    case "update_request":
      return update(deps, event);
    case "delete_request":
      return remove(deps, event);
    default:
      throw inContext(Errors.badRequest(`unsupported action ${type.action}`), PublishContext.decode);
  }
}

async function create(deps: SourcePublishDeps, event: CloudEvent): Promise<void> {
  const address = specAddress(event);
  const payload = storedPayload(event, validBundle(event));
  const op = { kind: "create", id: address.resourceId, source: event.source, consumerName: address.clusterName, version: address.resourceVersion, payload } as const;
  const result = await deps.writer.submit(op).catch((err: unknown) => {
    throw inContext(err, PublishContext.create);
  });
  const snapshot = { id: result.id, consumerName: address.clusterName, version: result.version, createdAt: result.createdAt, deletedAt: null, event };
  deps.delivery.spec(snapshot, "create_request");
}

async function update(deps: SourcePublishDeps, event: CloudEvent): Promise<void> {
  const address = specAddress(event);
  const payload = storedPayload(event, validBundle(event));
  const result = await deps.writer.submit({ kind: "update", id: address.resourceId, version: address.resourceVersion, payload }).catch((err: unknown) => {
    throw inContext(err, PublishContext.update);
  });
  if (!result.changed) return;
  const snapshot = { id: result.id, consumerName: result.consumerName, version: result.version, createdAt: result.createdAt, deletedAt: null, event };
  deps.delivery.spec(snapshot, "update_request");
}

async function remove(deps: SourcePublishDeps, event: CloudEvent): Promise<void> {
  const address = specAddress(event);
  await deleteResource(deps, address.resourceId).catch((err: unknown) => {
    throw inContext(err, PublishContext.delete);
  });
}

/**
 * Marks a resource deleting (a no-op when missing or already deleting) and, when this call
 * marked it, sends the delete_request to its agent. Shared by gRPC delete_request and REST DELETE.
 * Example: `await deleteResource({ writer, delivery }, id)`.
 */
export async function deleteResource(deps: Pick<SourcePublishDeps, "writer" | "delivery">, id: string): Promise<void> {
  const result = await deps.writer.submit({ kind: "delete", id });
  if (!result.found || !result.spec) return;
  deps.delivery.specRow({ id: result.id, deletedAt: result.deletedAt, ...result.spec }, "delete_request");
}
