// The MQTT agent outlet: events for a consumer are published to its sourceevents topic without
// blocking the caller; paced sends share one bounded budget of unacknowledged publishes.

import { assert } from "../assert.ts";
import { consumerTopic } from "../cloudevents/mqtt-binding.ts";
import type { CloudEvent } from "../cloudevents/types.ts";
import { MaestroError } from "../errors.ts";
import type { Logger } from "../observability/logger.ts";
import type { MqttMetrics, MqttPublishedKind } from "../observability/mqtt-metrics.ts";
import { RateLimitedWarn } from "../observability/rate-limited-log.ts";
import { MqttTransportError } from "../transport/mqtt/errors.ts";
import type { AgentOutlet } from "./agent-outlet.ts";

/**
 * What the outlet publishes through (MqttCloudEventClient): resolves on PUBACK, rejects on any
 * failure, never throws synchronously. Example: `await publisher.publish(topic, event)`.
 */
export interface CloudEventPublisher {
  publish(topic: string, event: CloudEvent): Promise<void>;
}

/** The outlet's settings. */
export interface MqttOutletOptions {
  /** The sourceEvents topic template; its first `+` becomes the consumer name. */
  readonly sourceEventsTopic: string;
  /** Paced publishes awaiting PUBACK at once, over all paced sends (limits.ts). */
  readonly pacedInFlightMax: number;
  readonly metrics: Pick<MqttMetrics, "published" | "publishFailed">;
  readonly log: Logger;
  /** Interval of the rate-limited failure warnings. */
  readonly warnIntervalMs: number;
}

/** A counting semaphore: paced senders take a slot per publish and give it back on its outcome. */
class PublishBudget {
  #free: number;
  #waiters: (() => void)[] = [];
  #head = 0;

  constructor(slots: number) {
    assert(slots > 0, "a publish budget has at least one slot");
    this.#free = slots;
  }

  tryAcquire(): boolean {
    if (this.#free === 0) return false;
    this.#free -= 1;
    return true;
  }

  acquire(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  release(): void {
    if (this.#head < this.#waiters.length) {
      const next = this.#waiters[this.#head]!;
      this.#head += 1;
      if (this.#head === this.#waiters.length) {
        this.#waiters = [];
        this.#head = 0;
      }
      next(); // the slot passes straight to the oldest waiter
      return;
    }
    this.#free += 1;
  }
}

/** The metric kind of an agent-bound event, from its type's action. */
export function publishedKindOf(type: string): MqttPublishedKind {
  if (type.endsWith(".spec.resync_response")) return "spec_resync_response";
  if (type.endsWith(".status.resync_request")) return "status_resync_request";
  return "spec";
}

/** A stable label for a failed publish: the transport's error code, or what went wrong before it. */
function failureReason(err: unknown): string {
  if (err instanceof MqttTransportError) return err.code;
  if (err instanceof MaestroError) return "EncodeFailed";
  return "Unknown";
}

/**
 * Publishes agent-bound events over MQTT. Every consumer is reachable: the broker routes, and
 * clean sessions hold nothing for absent agents, which catch up by spec resync and redelivery.
 * A failed publish is logged (rate-limited) and counted; the resource stays for redelivery.
 * Example: `const outlet = new MqttAgentOutlet(options); outlet.attach(client); new Delivery(outlet, sources, "maestro")`.
 */
export class MqttAgentOutlet implements AgentOutlet {
  readonly kind = "mqtt";
  readonly #budget: PublishBudget;
  readonly #warn: RateLimitedWarn;
  #publisher: CloudEventPublisher | undefined;
  #detached = false;

  constructor(private readonly options: MqttOutletOptions) {
    this.#budget = new PublishBudget(options.pacedInFlightMax);
    this.#warn = new RateLimitedWarn(options.log, options.warnIntervalMs);
  }

  /** Starts publishing through `publisher` (once connected). Until then publishes fail as NotConnected. */
  attach(publisher: CloudEventPublisher): void {
    this.#publisher = publisher;
    this.#detached = false;
  }

  /** Stops publishing (shutdown): later publishes fail as NotConnected and paced sends stop early. */
  detach(): void {
    this.#publisher = undefined;
    this.#detached = true;
  }

  reachable(_consumer: string): boolean {
    return true;
  }

  send(consumer: string, event: CloudEvent): void {
    // #publish settles every outcome itself (counted and logged); the catch only guards a bug.
    this.#publish(consumer, event).catch((err: unknown) => this.options.log.error("mqtt publish bookkeeping failed", { error: err as Error }));
  }

  async sendPaced(consumer: string, events: Iterable<CloudEvent>): Promise<number> {
    let sent = 0;
    const pending = new Set<Promise<void>>();
    for (const event of events) {
      if (this.#detached) break; // shutting down: the rest would only fail, one by one
      if (!this.#budget.tryAcquire()) await this.#budget.acquire();
      if (this.#detached) {
        this.#budget.release(); // re-checked after the wait (STYLE 12)
        break;
      }
      const publish: Promise<void> = this.#publish(consumer, event)
        .then((ok) => {
          if (ok) sent += 1;
        })
        .finally(() => {
          this.#budget.release();
          pending.delete(publish);
        });
      pending.add(publish);
    }
    await Promise.all(pending);
    return sent;
  }

  /** Publishes one event; resolves true on PUBACK, false on a failure already counted and logged. */
  async #publish(consumer: string, event: CloudEvent): Promise<boolean> {
    const kind = publishedKindOf(event.type);
    const publisher = this.#publisher;
    if (publisher === undefined) {
      this.#failed(kind, consumer, "NotConnected", new Error("the MQTT client is not connected"));
      return false;
    }
    let topic: string;
    try {
      topic = consumerTopic(this.options.sourceEventsTopic, consumer);
    } catch (err) {
      this.#failed(kind, consumer, "BadTopic", err);
      return false;
    }
    try {
      await publisher.publish(topic, event);
    } catch (err) {
      this.#failed(kind, consumer, failureReason(err), err);
      return false;
    }
    this.options.metrics.published(kind);
    return true;
  }

  #failed(kind: MqttPublishedKind, consumer: string, reason: string, err: unknown): void {
    this.options.metrics.publishFailed(kind, reason);
    const error = err instanceof Error ? err.message : String(err);
    this.#warn.warn(`publish:${reason}`, "mqtt publish to agent failed; redelivery or resync will resend", { consumer, kind, reason, error });
  }
}
