// The reference codec for cross-checks: protobufjs loading proto/cloudevent.proto (its bundled
// google/protobuf well-known types resolve the Any, Empty and Timestamp imports).

import { join } from "node:path";
import protobuf from "protobufjs";

const root = await protobuf.load(join(import.meta.dir, "../../proto/cloudevent.proto"));

/** protobufjs message types of the service. */
export const PbCloudEvent = root.lookupType("io.cloudevents.v1.CloudEvent");
export const PbPublishRequest = root.lookupType("io.cloudevents.v1.PublishRequest");
export const PbSubscriptionRequest = root.lookupType("io.cloudevents.v1.SubscriptionRequest");
export const PbEmpty = root.lookupType("google.protobuf.Empty");

/** Encodes a plain object with protobufjs (after fromObject, so oneofs and maps are typed). */
export function pbEncode(type: protobuf.Type, value: Record<string, unknown>): Uint8Array {
  return type.encode(type.fromObject(value)).finish();
}

/** Decodes with protobufjs to a plain object (longs as numbers, bytes as Uint8Array, oneof names). */
export function pbDecode(type: protobuf.Type, bytes: Uint8Array): Record<string, unknown> {
  return type.toObject(type.decode(bytes), { longs: Number, oneofs: true, defaults: false }) as Record<string, unknown>;
}
