// A thin gRPC client of io.cloudevents.v1.CloudEventService: Publish a CloudEvent, Subscribe
// and receive decoded events. Bytes <-> CloudEvent only; reconnect and resync live above it.

import * as grpc from "@grpc/grpc-js";
import { decodeCloudEventMessage, type SubscriptionRequest } from "../../cloudevents/proto-codec.ts";
import { encodePublishedCloudEvent, cloudEventFromMessage, isHeartbeatMessage } from "../../cloudevents/ocm-binding.ts";
import { encodeSubscriptionRequest } from "../../cloudevents/proto-encode.ts";
import type { CloudEvent } from "../../cloudevents/types.ts";
import { grpcReceiveBytesMax } from "../../limits.ts";
import { SUBSCRIPTION_ID_HEADER, cloudEventServiceDefinition } from "./service-definition.ts";

const GenericClient = grpc.makeGenericClientConstructor(cloudEventServiceDefinition, "CloudEventService");

/** A gRPC error as grpc-js reports it: status code, details text, trailers. */
export type GrpcCallError = grpc.ServiceError;

/** What a subscription reports. Every callback is optional. */
export interface SubscriptionHandlers {
  /** The `subscription-id` response header (sent by the server before any event). */
  onHeader?(subscriptionId: string | undefined): void;
  onEvent?(event: CloudEvent): void;
  onHeartbeat?(): void;
  /** A message that is not a valid CloudEvent; the stream goes on. */
  onBadMessage?(error: Error): void;
  /** The stream ended: `error` undefined when the server closed it with OK or we cancelled. */
  onEnd?(error: GrpcCallError | undefined): void;
}

/** A live subscription. */
export interface Subscription {
  cancel(): void;
}

export interface CloudEventClientOptions {
  /** Extra grpc-js channel options (keepalive, message sizes). */
  readonly channelOptions?: grpc.ChannelOptions;
  readonly credentials?: grpc.ChannelCredentials;
}

/**
 * A client for one server address (`host:port`).
 * Example: `const c = new CloudEventClient("127.0.0.1:8090"); await c.publish(event); c.close();`
 */
export class CloudEventClient {
  readonly #client: grpc.Client & Record<string, (...args: unknown[]) => unknown>;

  constructor(address: string, options: CloudEventClientOptions = {}) {
    this.#client = new GenericClient(address, options.credentials ?? grpc.credentials.createInsecure(), {
      "grpc.max_receive_message_length": grpcReceiveBytesMax,
      ...options.channelOptions,
    }) as unknown as grpc.Client & Record<string, (...args: unknown[]) => unknown>;
  }

  /** Publishes one event; resolves when the server answered OK, rejects with its gRPC error. */
  publish(event: CloudEvent, deadlineMs = 30_000): Promise<void> {
    return this.publishBytes(Buffer.from(encodePublishedCloudEvent(event)), deadlineMs);
  }

  /** Publishes already-encoded PublishRequest bytes (tests send malformed ones on purpose). */
  publishBytes(request: Buffer, deadlineMs = 30_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const deadline = new Date(Date.now() + deadlineMs);
      this.#client.Publish!(request, new grpc.Metadata(), { deadline }, (err: grpc.ServiceError | null) => {
        if (err) reject(err);
        else resolve();
      });
    });
  }

  /** Opens a Subscribe stream; heartbeats are reported apart from events. */
  subscribe(request: SubscriptionRequest, handlers: SubscriptionHandlers): Subscription {
    return this.subscribeBytes(Buffer.from(encodeSubscriptionRequest(request)), handlers);
  }

  /** Opens a Subscribe stream with raw SubscriptionRequest bytes. */
  subscribeBytes(request: Buffer, handlers: SubscriptionHandlers): Subscription {
    const call = this.#client.Subscribe!(request, new grpc.Metadata()) as grpc.ClientReadableStream<Buffer>;
    let ended = false;
    let cancelled = false;
    const end = (error: GrpcCallError | undefined) => {
      if (ended) return;
      ended = true;
      handlers.onEnd?.(cancelled && error?.code === grpc.status.CANCELLED ? undefined : error);
    };
    call.on("metadata", (md: grpc.Metadata) => {
      const value = md.get(SUBSCRIPTION_ID_HEADER)[0];
      handlers.onHeader?.(value === undefined ? undefined : String(value));
    });
    call.on("data", (bytes: Buffer) => {
      try {
        const message = decodeCloudEventMessage(bytes);
        if (isHeartbeatMessage(message)) handlers.onHeartbeat?.();
        else handlers.onEvent?.(cloudEventFromMessage(message));
      } catch (err) {
        handlers.onBadMessage?.(err as Error);
      }
    });
    call.on("error", (err: grpc.ServiceError) => end(err));
    call.on("end", () => end(undefined));
    return {
      cancel: () => {
        cancelled = true;
        call.cancel();
      },
    };
  }

  /** Waits until the channel is connected (or the deadline passes). */
  waitForReady(deadlineMs = 10_000): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#client.waitForReady(new Date(Date.now() + deadlineMs), (err) => (err ? reject(err) : resolve()));
    });
  }

  close(): void {
    this.#client.close();
  }
}
