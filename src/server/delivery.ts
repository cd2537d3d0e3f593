// Fanout after commit: turns a committed spec change into one spec event for the consumer's
// agent (through its AgentOutlet: gRPC streams or MQTT), and a committed status into one encoded
// status event for every stream of the owning source. Each event is built and encoded once.

import { encodeCloudEvent } from "../cloudevents/ocm-binding.ts";
import { cloudEventFromStoredPayload } from "../cloudevents/json-codec.ts";
import { timestampNow } from "../cloudevents/time.ts";
import type { CloudEvent, JsonObject, JsonValue } from "../cloudevents/types.ts";
import type { SpecRow, StatusRow } from "../store/resource-repository.ts";
import type { AgentOutlet } from "./agent-outlet.ts";
import { agentSpecEvent, brokerUnknownDeletes, unknownResourceDeleteEvent, type AgentSpecAction, type SpecSnapshot, type UnknownDeleteStyle } from "./spec-events.ts";
import { sourceStatusEvent } from "./status-events.ts";
import type { StreamRegistry } from "./streams/mod.ts";

/** Counters of what was handed to the outlet and the source registry. */
export interface DeliveryStats {
  specEvents: number;
  statusEvents: number;
  specSkippedNoAgent: number;
}

/** Mode-dependent details of the events Delivery builds. */
export interface DeliveryOptions {
  /**
   * How the delete answering a spec resync for an id the server lacks (3.1) is sent: as sdk-go's
   * gRPC broker does (default), or as Maestro's MQTT source client does.
   */
  readonly unknownDeletes?: UnknownDeleteStyle;
}

/**
 * Builds events and hands them to the agent outlet and the source stream registry.
 * Example: `delivery.spec(snapshot, "create_request")` after the create committed.
 */
export class Delivery {
  readonly stats: DeliveryStats = { specEvents: 0, statusEvents: 0, specSkippedNoAgent: 0 };
  readonly #unknownDeletes: UnknownDeleteStyle;

  constructor(
    /** Where agent-bound events go. */
    readonly outlet: AgentOutlet,
    private readonly sources: StreamRegistry,
    /** CE source of spec events to agents (`--source-id`, "maestro"). */
    private readonly sourceId: string,
    options: DeliveryOptions = {},
  ) {
    this.#unknownDeletes = options.unknownDeletes ?? brokerUnknownDeletes;
  }

  /** True when the consumer's agent can be sent to now (see AgentOutlet.reachable). */
  reachable(consumer: string): boolean {
    return this.outlet.reachable(consumer);
  }

  /** Sends a resource's spec to its consumer's agent (nothing when it is not reachable). */
  spec(snapshot: SpecSnapshot, action: AgentSpecAction): void {
    if (!this.outlet.reachable(snapshot.consumerName)) {
      this.stats.specSkippedNoAgent += 1;
      return;
    }
    this.outlet.send(snapshot.consumerName, agentSpecEvent(snapshot, action, this.sourceId, timestampNow()));
    this.stats.specEvents += 1;
  }

  /** Sends a stored resource row's spec (resync, redelivery). */
  specRow(row: SpecRow, action: AgentSpecAction): void {
    this.spec(snapshotOfRow(row), action);
  }

  /**
   * Sends many specs to one cluster (a resync answer, a redelivery), paced so that a large batch
   * never trips the slow-consumer close nor floods the MQTT publish queue: events are built
   * lazily and handed over as the transport takes them. `unknown` (ids the agent holds that the
   * server lacks) get the delete of 3.1.
   * Resolves when everything is handed over (or the agent is no longer reachable).
   */
  async specsPaced(clusterName: string, specs: readonly { row: SpecRow; action: AgentSpecAction }[], unknown: readonly { id: string; version: number }[] = []): Promise<void> {
    if (!this.outlet.reachable(clusterName)) {
      this.stats.specSkippedNoAgent += specs.length + unknown.length;
      return;
    }
    const sourceId = this.sourceId;
    const style = this.#unknownDeletes;
    function* events(): Generator<CloudEvent> {
      for (const { row, action } of specs) yield agentSpecEvent(snapshotOfRow(row), action, sourceId, timestampNow());
      for (const held of unknown) yield unknownResourceDeleteEvent(held, clusterName, timestampNow(), style);
    }
    this.stats.specEvents += await this.outlet.sendPaced(clusterName, events());
  }

  /** Sends many statuses to one source's streams (a status resync answer), paced likewise. */
  async statusesPaced(source: string, rows: readonly StatusRow[]): Promise<void> {
    if (!this.sources.has(source)) return;
    function* frames(): Generator<Uint8Array> {
      for (const row of rows) yield encodeCloudEvent(sourceStatusEvent(row.status, row.specBundle));
    }
    this.stats.statusEvents += await this.sources.deliverPaced(source, frames());
  }

  /** Sends a stored status (spec metadata applied) with its spec bundle to the source's streams. */
  status(source: string, storedStatus: JsonObject, specBundle: JsonValue | undefined): void {
    if (!this.sources.has(source)) return;
    this.sources.deliver(source, encodeCloudEvent(sourceStatusEvent(storedStatus, specBundle)));
    this.stats.statusEvents += 1;
  }
}

/** A spec snapshot from a stored row; the payload is turned back into the source's event. */
export function snapshotOfRow(row: SpecRow): SpecSnapshot {
  return {
    id: row.id,
    consumerName: row.consumerName,
    version: row.version,
    createdAt: row.createdAt,
    deletedAt: row.deletedAt,
    event: cloudEventFromStoredPayload(row.payload),
  };
}
