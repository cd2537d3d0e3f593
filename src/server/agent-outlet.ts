// The one seam between Delivery and the agents' transport: an AgentOutlet takes CloudEvents for a
// consumer. The gRPC broker outlet encodes protobuf frames for the stream registry; MQTT publishes.

import { encodeCloudEvent } from "../cloudevents/ocm-binding.ts";
import type { CloudEvent } from "../cloudevents/types.ts";
import type { StreamRegistry } from "./streams/mod.ts";

/**
 * Where spec events (and, in MQTT mode, status resync requests) for agents go. Implementations
 * never block the caller: `send` hands over and returns, and counts its own failures.
 * Example: `if (outlet.reachable("cluster1")) outlet.send("cluster1", agentSpecEvent(…))`.
 */
export interface AgentOutlet {
  /** Which transport carries the events; for logs and metrics. */
  readonly kind: "grpc" | "mqtt";
  /**
   * True when an event for `consumer` can be handed over now. gRPC: an agent stream is open on
   * this instance. MQTT: always, since the broker routes it and agents that are away catch up by
   * resync and redelivery (clean sessions keep no offline queue).
   */
  reachable(consumer: string): boolean;
  /** Hands one event to the consumer's agent without waiting; failures are the outlet's to count. */
  send(consumer: string, event: CloudEvent): void;
  /**
   * Hands many events to one consumer (a resync answer, a redelivery) paced by the transport;
   * pass a generator to pace encoding too. Resolves with the number handed over successfully.
   */
  sendPaced(consumer: string, events: Iterable<CloudEvent>): Promise<number>;
}

function* encoded(events: Iterable<CloudEvent>): Generator<Uint8Array> {
  for (const event of events) yield encodeCloudEvent(event);
}

/**
 * The gRPC broker outlet (`--message-broker-type=grpc`): each event is encoded once into a
 * protobuf frame and fanned out to every stream the registry holds for the consumer.
 * Example: `new Delivery(new GrpcAgentOutlet(agents), sources, "maestro")`.
 */
export class GrpcAgentOutlet implements AgentOutlet {
  readonly kind = "grpc";

  constructor(private readonly agents: StreamRegistry) {}

  reachable(consumer: string): boolean {
    return this.agents.has(consumer);
  }

  send(consumer: string, event: CloudEvent): void {
    this.agents.deliver(consumer, encodeCloudEvent(event));
  }

  sendPaced(consumer: string, events: Iterable<CloudEvent>): Promise<number> {
    return this.agents.deliverPaced(consumer, encoded(events));
  }
}
