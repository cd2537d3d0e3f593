// The two gRPC servers of `maestro server` (maestro-wire.md 1.3): the source port, whose
// Subscribe is routed by source, and the agent broker port, routed by cluster name. Both serve
// io.cloudevents.v1.CloudEventService with Maestro's options; this file is glue only.

import * as grpc from "@grpc/grpc-js";
import { MANIFEST_BUNDLE_DATA_TYPE, parseEventDataType, sameDataType } from "../cloudevents/event-type.ts";
import { uuidV4 } from "../cloudevents/ids.ts";
import { decodeSubscriptionRequest, type SubscriptionRequest } from "../cloudevents/proto-codec.ts";
import { encodeEmpty } from "../cloudevents/proto-encode.ts";
import { Errors } from "../errors.ts";
import type { GrpcServerOptions } from "../config/server-config.ts";
import type { GrpcMetrics } from "../observability/grpc-metrics.ts";
import type { Logger } from "../observability/logger.ts";
import { SUBSCRIPTION_ID_HEADER, cloudEventServiceDefinition } from "../transport/grpc/service-definition.ts";
import { PublishContext, grpcFailureOf, inContext } from "./grpc-errors.ts";
import { grpcSink, type StreamRegistry } from "./streams/mod.ts";


/** One port's behaviour: how Publish is handled and how a Subscribe picks its routing key. */
export interface PortHandlers {
  readonly name: "source" | "broker";
  readonly registry: StreamRegistry;
  /** Handles a Publish; calls `decoded` with the event's source as soon as it is known. */
  publish(bytes: Uint8Array, decoded: (source: string) => void): Promise<void>;
  /** Maestro's gRPC metrics, recorded on the source port only (as Maestro does). */
  readonly metrics?: GrpcMetrics;
  /** The routing key of a subscription, or a thrown MaestroError (InvalidArgument). */
  routingKey(request: SubscriptionRequest): string;
}

const empty = Buffer.from(encodeEmpty());

/** The source port routes by `source`; cluster_name and data_type are ignored, as in Maestro. */
export function sourceRoutingKey(request: SubscriptionRequest): string {
  if (request.source === "") throw Errors.badRequest("missing source");
  return request.source;
}

/** The broker routes by cluster name, which is mandatory, for the manifestbundles data type only. */
export function brokerRoutingKey(request: SubscriptionRequest): string {
  if (request.clusterName === "") throw Errors.badRequest("missing cluster name");
  const dataType = parseEventDataType(request.dataType);
  if (!sameDataType(dataType, MANIFEST_BUNDLE_DATA_TYPE)) throw Errors.badRequest(`unsupported data type ${request.dataType}`);
  return request.clusterName;
}

function serverChannelOptions(options: GrpcServerOptions): grpc.ChannelOptions {
  return {
    "grpc.max_receive_message_length": options.receiveBytesMax,
    "grpc.max_send_message_length": options.sendBytesMax,
    "grpc.max_concurrent_streams": options.concurrentStreamsMax,
    "grpc.keepalive_time_ms": options.pingIntervalMs,
    "grpc.keepalive_timeout_ms": options.pingTimeoutMs,
    ...(options.connectionAgeMaxMs > 0 ? { "grpc.max_connection_age_ms": options.connectionAgeMaxMs } : {}),
  };
}

function subscribeHandler(port: PortHandlers, log: Logger) {
  return (call: grpc.ServerWritableStream<Buffer, Buffer>) => {
    let key: string;
    try {
      key = port.routingKey(decodeSubscriptionRequest(call.request));
    } catch (err) {
      const failure = grpcFailureOf(inContext(err, PublishContext.subscribe));
      call.emit("error", { code: failure.code, details: failure.details });
      return;
    }
    port.metrics?.called("Subscribe", key);
    const id = uuidV4();
    const header = new grpc.Metadata();
    header.set(SUBSCRIPTION_ID_HEADER, id);
    call.sendMetadata(header);
    port.registry.open(key, grpcSink(call), { id, peer: call.getPeer() });
    if (log.debugEnabled) log.debug("subscribed", { port: port.name, key, id });
  };
}

function publishHandler(port: PortHandlers, log: Logger) {
  return (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
    const started = performance.now();
    let source = "";
    const done = (code: number) => port.metrics?.processed("Publish", source, code, (performance.now() - started) / 1000);
    port
      .publish(call.request, (s) => {
        source = s;
        port.metrics?.called("Publish", s);
      })
      .then(
        () => {
          done(grpc.status.OK);
          callback(null, empty);
        },
        (err: unknown) => {
          const failure = grpcFailureOf(err);
          if (failure.code === grpc.status.INTERNAL) log.error("publish failed", { port: port.name, details: failure.details });
          done(failure.code);
          callback({ code: failure.code, details: failure.details });
        },
      );
  };
}

/** A listening gRPC server. */
export interface GrpcListener {
  readonly port: number;
  /** Stops accepting, waits up to `graceMs` for calls to finish, then forces. */
  stop(graceMs: number): Promise<void>;
}

/**
 * Starts one gRPC server on host:port serving CloudEventService with `port`'s handlers.
 * Example: `const l = await listenGrpc("127.0.0.1", 8090, options, sourceHandlers, log);`
 */
export async function listenGrpc(host: string, portNumber: number, options: GrpcServerOptions, port: PortHandlers, log: Logger): Promise<GrpcListener> {
  const server = new grpc.Server(serverChannelOptions(options));
  server.addService(cloudEventServiceDefinition, {
    Publish: publishHandler(port, log),
    Subscribe: subscribeHandler(port, log),
  });
  const address = host.includes(":") ? `[${host}]:${portNumber}` : `${host}:${portNumber}`;
  const bound = await new Promise<number>((resolve, reject) => {
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)));
  });
  return {
    port: bound,
    stop: (graceMs) =>
      new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      }),
  };
}
