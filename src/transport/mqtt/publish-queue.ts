// The MQTT client's bounded publish queue: FIFO bounded by count and bytes, an in-flight window,
// one deadline per publish checked by one timer, and packet ids held until PUBACK after a timeout.

import type { IPublishPacket } from "mqtt";
import { assert } from "../../assert.ts";
import { mqttPublishExpiryCheckMs } from "../../limits.ts";
import { mqttClosedError, mqttReasonCode, MqttTransportError } from "./errors.ts";

/** One encoded PUBLISH waiting to go out. `bytes` is its packet size (an upper bound). */
export interface PublishRequest {
  readonly topic: string;
  readonly payload: Buffer;
  readonly properties: NonNullable<IPublishPacket["properties"]>;
  readonly bytes: number;
}

/** mqtt.js's publish callback: null or undefined on PUBACK, an Error otherwise. */
export type PublishDone = (err?: Error | null) => void;

/** What the queue needs from the connection (the client implements it over mqtt.js). */
export interface PublishTransport {
  /** True when publishes may go out: connected and every subscription restored. */
  canSend(): boolean;
  /** True while a network connection is up, so packet ids handed out on it are live. */
  connectionLive(): boolean;
  /** The broker's Receive Maximum from CONNACK, if it sent one. */
  receiveMaximum(): number | undefined;
  /** Hands one publish to mqtt.js; `done` runs once with its outcome. Returns its packet id when known. */
  send(request: PublishRequest, done: PublishDone): number | undefined;
  /** Removes a handed-over publish from mqtt.js's store (by packet id, else found by its callback). */
  drop(messageId: number | undefined, done: PublishDone): void;
}

/** The queue's bounds (limits.ts defaults, shrunk by tests). */
export interface PublishQueueLimits {
  readonly timeoutMs: number;
  readonly packetBytesMax: number;
  readonly queueMax: number;
  readonly queueBytesMax: number;
  readonly inflightMax: number;
}

/** Publish queue state; `inflight` includes timed-out publishes whose packet ids are still taken. */
export interface MqttPublishStats {
  readonly queued: number;
  readonly queuedBytes: number;
  readonly inflight: number;
}

interface Pending {
  readonly request: PublishRequest;
  readonly deadline: number;
  readonly resolve: () => void;
  readonly reject: (error: MqttTransportError) => void;
  done?: PublishDone;
  messageId?: number;
  settled: boolean;
}

function publishError(err: Error): MqttTransportError {
  const reasonCode = mqttReasonCode(err);
  return new MqttTransportError(reasonCode === undefined ? "PublishFailed" : "PublishRefused", `publish: ${err.message}`, { cause: err, reasonCode });
}

/**
 * Queues publishes while the connection cannot take them and sends at most a window at a time.
 * Example: `const q = new PublishQueue(transport, limits); await q.push(request); q.pump();`
 */
export class PublishQueue {
  readonly #transport: PublishTransport;
  readonly #limits: PublishQueueLimits;
  #queue: (Pending | undefined)[] = [];
  #head = 0;
  #queuedBytes = 0;
  readonly #inflight = new Set<Pending>();
  /**
   * Timed-out publishes still unacknowledged on the live connection. Their packet ids stay taken
   * until the PUBACK (reusing one early would let the old PUBACK acknowledge a new message), so
   * they count against the window; connectionLost() drops them from mqtt.js's store.
   */
  readonly #abandoned = new Set<Pending>();
  #pumping = false;
  #closed = false;
  #expiryTimer: ReturnType<typeof setInterval> | undefined;

  constructor(transport: PublishTransport, limits: PublishQueueLimits) {
    assert(limits.timeoutMs > 0, "the publish timeout must be positive");
    assert(limits.inflightMax >= 1, "the in-flight window must hold at least one publish");
    this.#transport = transport;
    this.#limits = limits;
  }

  /** Current sizes, for metrics and tests. */
  get stats(): MqttPublishStats {
    return { queued: this.#queue.length - this.#head, queuedBytes: this.#queuedBytes, inflight: this.#inflight.size + this.#abandoned.size };
  }

  /**
   * Queues one publish; resolves on its PUBACK. Rejects at once with PublishTooLarge or
   * PublishQueueFull, later with PublishTimeout, PublishRefused, PublishFailed or Closed.
   * Example: `await queue.push({ topic, payload, properties, bytes })`.
   */
  push(request: PublishRequest): Promise<void> {
    if (this.#closed) return Promise.reject(mqttClosedError());
    if (request.bytes > this.#limits.packetBytesMax) {
      return Promise.reject(new MqttTransportError("PublishTooLarge", `a ${request.bytes}-byte publish to ${request.topic} is over the ${this.#limits.packetBytesMax}-byte packet limit`));
    }
    const queued = this.#queue.length - this.#head;
    if (queued >= this.#limits.queueMax || this.#queuedBytes + request.bytes > this.#limits.queueBytesMax) {
      return Promise.reject(new MqttTransportError("PublishQueueFull", `the MQTT publish queue is full (${queued} events, ${this.#queuedBytes} bytes)`));
    }
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ request, deadline: Date.now() + this.#limits.timeoutMs, resolve, reject, settled: false });
      this.#queuedBytes += request.bytes;
      this.#armExpiry();
      this.pump();
    });
  }

  /** Hands queued publishes to the transport while it can send and the window has room. */
  pump(): void {
    if (this.#pumping) return; // a synchronous callback re-entered; the outer loop goes on
    this.#pumping = true;
    try {
      const window = Math.min(this.#limits.inflightMax, this.#transport.receiveMaximum() ?? 65_535);
      while (this.#transport.canSend() && this.#inflight.size + this.#abandoned.size < window && this.#head < this.#queue.length) {
        const item = this.#shift();
        if (!item.settled) this.#send(item);
      }
    } finally {
      this.#pumping = false;
    }
  }

  /** The connection is gone: timed-out publishes no longer hold live packet ids, so drop them. */
  connectionLost(): void {
    for (const item of this.#abandoned) this.#transport.drop(item.messageId, item.done!);
    this.#abandoned.clear();
  }

  /** Rejects everything with Closed and drops it from mqtt.js's store; later pushes reject too. */
  close(): void {
    this.#closed = true;
    this.#stopExpiry();
    for (let i = this.#head; i < this.#queue.length; i++) this.#settle(this.#queue[i]!, mqttClosedError());
    this.#queue = [];
    this.#head = 0;
    this.#queuedBytes = 0;
    for (const item of [...this.#inflight]) {
      this.#settle(item, mqttClosedError());
      this.#transport.drop(item.messageId, item.done!);
    }
    this.connectionLost();
  }

  #shift(): Pending {
    const item = this.#queue[this.#head]!;
    this.#queue[this.#head++] = undefined;
    this.#queuedBytes -= item.request.bytes;
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }

  #send(item: Pending): void {
    this.#inflight.add(item);
    const done: PublishDone = (err) => {
      if (item.settled) {
        if (this.#abandoned.delete(item)) this.pump(); // the late PUBACK frees its packet id
        return;
      }
      this.#settle(item, err === undefined || err === null ? undefined : publishError(err));
      this.pump();
    };
    item.done = done;
    try {
      item.messageId = this.#transport.send(item.request, done);
    } catch (err) {
      done(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /** Resolves (no error) or rejects a publish exactly once and drops it from the in-flight set. */
  #settle(item: Pending, error: MqttTransportError | undefined): void {
    if (item.settled) return;
    item.settled = true;
    this.#inflight.delete(item);
    if (error === undefined) item.resolve();
    else item.reject(error);
  }

  #armExpiry(): void {
    if (this.#expiryTimer !== undefined) return;
    const periodMs = Math.max(10, Math.min(mqttPublishExpiryCheckMs, Math.floor(this.#limits.timeoutMs / 4)));
    this.#expiryTimer = setInterval(() => this.#expire(), periodMs);
  }

  /** Rejects publishes past their deadline; one timer per queue, stopped when nothing is pending. */
  #expire(): void {
    const now = Date.now();
    // Deadlines grow in queue order (one timeout per queue), so expired items sit at the head.
    while (this.#head < this.#queue.length && this.#queue[this.#head]!.deadline <= now) {
      this.#settle(this.#shift(), new MqttTransportError("PublishTimeout", `not sent within ${this.#limits.timeoutMs} ms: the broker is unreachable`));
    }
    for (const item of [...this.#inflight]) {
      if (item.deadline > now) continue;
      this.#settle(item, new MqttTransportError("PublishTimeout", `not acknowledged within ${this.#limits.timeoutMs} ms`));
      if (this.#transport.connectionLive()) this.#abandoned.add(item);
      else this.#transport.drop(item.messageId, item.done!); // no live connection holds its packet id
    }
    if (this.#inflight.size === 0 && this.#head === this.#queue.length) this.#stopExpiry();
    this.pump();
  }

  #stopExpiry(): void {
    if (this.#expiryTimer !== undefined) clearInterval(this.#expiryTimer);
    this.#expiryTimer = undefined;
  }
}
