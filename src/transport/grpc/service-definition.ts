// The io.cloudevents.v1.CloudEventService definition for grpc-js, with pass-through serializers:
// messages cross this layer as raw bytes, so each event is decoded once by our codec and each
// outgoing event is encoded once and written as-is to every stream.

import type { ServiceDefinition } from "@grpc/grpc-js";

/** Full gRPC method paths, as sdk-go's generated code names them. */
export const PUBLISH_PATH = "/io.cloudevents.v1.CloudEventService/Publish";
export const SUBSCRIBE_PATH = "/io.cloudevents.v1.CloudEventService/Subscribe";

const passThrough = (bytes: Buffer): Buffer => bytes;

/**
 * The service with both methods taking and giving Buffers: Publish(PublishRequest bytes) ->
 * Empty bytes, Subscribe(SubscriptionRequest bytes) -> stream of CloudEvent bytes.
 * Example: `server.addService(cloudEventServiceDefinition, handlers)`.
 */
export const cloudEventServiceDefinition = {
  Publish: {
    path: PUBLISH_PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: passThrough,
    requestDeserialize: passThrough,
    responseSerialize: passThrough,
    responseDeserialize: passThrough,
    originalName: "publish",
  },
  Subscribe: {
    path: SUBSCRIBE_PATH,
    requestStream: false,
    responseStream: true,
    requestSerialize: passThrough,
    requestDeserialize: passThrough,
    responseSerialize: passThrough,
    responseDeserialize: passThrough,
    originalName: "subscribe",
  },
} satisfies ServiceDefinition;

/** The response header carrying the stream's id, which sdk-go "v2" clients wait for. */
export const SUBSCRIPTION_ID_HEADER = "subscription-id";
