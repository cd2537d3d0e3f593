// Builds the status events the server relays to sources (maestro-wire.md 7.3, 11.8): the agent's
// stored status event (its source, type, ids, version, sequence id, hash; metadata = the spec's)
// with data = {manifestBundle, conditions, resourceStatus}. Pure.

import { cloudEventFromStoredPayload } from "../cloudevents/json-codec.ts";
import { JSON_CONTENT_TYPE, type CloudEvent, type JsonObject, type JsonValue } from "../cloudevents/types.ts";

const encoder = new TextEncoder();

function asObject(value: JsonValue | undefined): JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? value : {};
}

/**
 * The status event for sources from a stored status (structured JSON, spec metadata already
 * applied) and the spec's ManifestBundle. Key order follows sdk-go: manifestBundle,
 * conditions, resourceStatus (omitted when absent).
 * Example: `sourceStatusEvent(row.status, row.payload.data)`.
 */
export function sourceStatusEvent(storedStatus: JsonObject, specBundle: JsonValue | undefined): CloudEvent {
  const statusData = asObject(storedStatus.data);
  const data: JsonObject = { manifestBundle: specBundle ?? null, conditions: statusData.conditions ?? null };
  if (statusData.resourceStatus !== undefined) data.resourceStatus = statusData.resourceStatus;
  const withoutData: JsonObject = { ...storedStatus };
  delete withoutData.data;
  delete withoutData.data_base64;
  const event = cloudEventFromStoredPayload(withoutData);
  return { ...event, datacontenttype: event.datacontenttype ?? JSON_CONTENT_TYPE, data: encoder.encode(JSON.stringify(data)) };
}
