// A source's live link to Maestro's source gRPC port: one Subscribe stream kept up with bounded,
// jittered reconnects, optional status resync and a hook after each (re)subscribe, and Publish.

import { assert } from "../assert.ts";
import { MANIFEST_BUNDLE_DATA_TYPE_NAME, type CloudEvent, type StatusResyncRequest } from "../cloudevents/mod.ts";
import { sourcePublishDeadlineMs, sourceReconnectResetAfterMs, sourceRecentClosesMax } from "../limits.ts";
import {
  CloudEventClient,
  type CloudEventClientOptions,
  type GrpcCallError,
  type Subscription,
  type SubscriptionHandlers,
} from "../transport/grpc/client.ts";
import type { SubscriptionRequest } from "../cloudevents/proto-codec.ts";
import { backoffDelayMs, DEFAULT_BACKOFF, systemTimers, type BackoffOptions, type TimerHandle, type Timers } from "./backoff.ts";
import { ClientClosedError, errorText, PublishError } from "./errors.ts";
import { statusResyncRequestEvent } from "./source-events.ts";

/** What the connection needs from a gRPC client; CloudEventClient is one, tests pass fakes. */
export interface SourceTransport {
  publish(event: CloudEvent, deadlineMs?: number): Promise<void>;
  subscribe(request: SubscriptionRequest, handlers: SubscriptionHandlers): Subscription;
  close(): void;
}

/** One status hash entry of a status resync request. */
export type StatusHashEntry = StatusResyncRequest["statusHashes"][number];
/** Supplies the hashes of the statuses a source holds, for the resync after each (re)subscribe. */
export type StatusHashProvider = () => readonly StatusHashEntry[] | Promise<readonly StatusHashEntry[]>;

/** Why a stream ended; each reason is counted (STYLE 9). */
export type StreamCloseReason = "ServerEnded" | "StreamError" | "HealthinessTimeout" | "ClientClosed";
const CLOSE_REASONS: readonly StreamCloseReason[] = ["ServerEnded", "StreamError", "HealthinessTimeout", "ClientClosed"];

/** One stream close: its reason, when, and the gRPC status when the stream failed. */
export interface StreamClose {
  readonly reason: StreamCloseReason;
  readonly atMs: number;
  readonly grpcCode?: number;
  readonly details?: string;
}

/** Reported after each successful (re)subscribe. */
export interface SubscribedInfo {
  /** The server's `subscription-id` header (undefined if it sent none). */
  readonly subscriptionId: string | undefined;
  /** 1 for the first subscription, 2 after the first reconnect, and so on. */
  readonly count: number;
  /** True for every subscription but the first. */
  readonly reconnect: boolean;
}

/** Callbacks of a connection; every one is optional. A throwing callback is reported to onError. */
export interface SourceConnectionListener {
  onEvent?(event: CloudEvent): void;
  onSubscribed?(info: SubscribedInfo): void;
  onDisconnected?(close: StreamClose): void;
  onError?(error: unknown, context: string): void;
}

/** Connection settings. Give `address` (host:port) or a ready `transport`. */
export interface SourceConnectionOptions {
  readonly sourceId: string;
  readonly address?: string;
  readonly transport?: SourceTransport;
  readonly clientOptions?: CloudEventClientOptions;
  /** Default: io.open-cluster-management.works.v1alpha1.manifestbundles. */
  readonly dataType?: string;
  readonly backoff?: Partial<BackoffOptions>;
  /** A stream that lived this long resets the backoff (default limits.sourceReconnectResetAfterMs). */
  readonly backoffResetAfterMs?: number;
  /** Reconnect when nothing (header, event, heartbeat) arrives for this long; undefined = never. */
  readonly serverHealthinessTimeoutMs?: number;
  /** When set, a status resync request with these hashes is sent after every (re)subscribe. */
  readonly statusResync?: StatusHashProvider;
  readonly publishDeadlineMs?: number;
  readonly timers?: Timers;
  readonly random?: () => number;
}

/** Counters and recent closes, for diagnostics. */
export interface ConnectionStats {
  readonly state: ConnectionState;
  readonly subscriptions: number;
  readonly reconnectAttempt: number;
  readonly closes: Readonly<Record<StreamCloseReason, number>>;
  readonly recentCloses: readonly StreamClose[];
}

/** idle: not started; subscribing: stream opened, not confirmed; backoff: waiting to retry. */
export type ConnectionState = "idle" | "subscribing" | "subscribed" | "backoff" | "closed";

interface Stream {
  readonly gen: number;
  sub: Subscription | undefined;
  ended: boolean;
}

interface Waiter {
  resolve(info: SubscribedInfo): void;
  reject(err: Error): void;
}

/**
 * The Subscribe stream and Publish of one source. Call start(); events arrive at listeners.
 * Example:
 * `const c = new SourceConnection({ address: "127.0.0.1:8090", sourceId: "s1" });
 *  c.listen({ onEvent: (e) => console.log(e.type) }); c.start(); await c.whenSubscribed(5000);`
 */
export class SourceConnection {
  readonly sourceId: string;
  readonly #transport: SourceTransport;
  readonly #ownsTransport: boolean;
  readonly #request: SubscriptionRequest;
  readonly #backoff: BackoffOptions;
  readonly #options: SourceConnectionOptions;
  readonly #timers: Timers;
  readonly #random: () => number;
  readonly #listeners = new Set<SourceConnectionListener>();
  readonly #closes: Record<StreamCloseReason, number> = { ServerEnded: 0, StreamError: 0, HealthinessTimeout: 0, ClientClosed: 0 };
  readonly #recent: StreamClose[] = [];
  #waiters: Waiter[] = [];
  #state: ConnectionState = "idle";
  #gen = 0;
  #stream: Stream | undefined;
  #attempt = 0;
  #subscriptions = 0;
  #subscribedAtMs: number | undefined;
  #subscriptionId: string | undefined;
  #reconnectTimer: TimerHandle | undefined;
  #healthTimer: TimerHandle | undefined;

  constructor(options: SourceConnectionOptions) {
    if (options.sourceId === "") throw new TypeError("source id is required");
    if ((options.address === undefined) === (options.transport === undefined)) {
      throw new TypeError("give exactly one of address and transport");
    }
    this.sourceId = options.sourceId;
    this.#options = options;
    this.#transport = options.transport ?? new CloudEventClient(options.address!, options.clientOptions);
    this.#ownsTransport = options.transport === undefined;
    this.#request = { source: options.sourceId, clusterName: "", dataType: options.dataType ?? MANIFEST_BUNDLE_DATA_TYPE_NAME };
    this.#backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.#timers = options.timers ?? systemTimers;
    this.#random = options.random ?? Math.random;
  }

  /** The connection's state. */
  get state(): ConnectionState {
    return this.#state;
  }

  /** Adds a listener; returns the function that removes it. */
  listen(listener: SourceConnectionListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Opens the stream (once); later calls do nothing. */
  start(): void {
    if (this.#state !== "idle") return;
    this.#open();
  }

  /**
   * Resolves when the stream is subscribed (at once if it is), rejects after `timeoutMs` or on close.
   * Example: `await connection.whenSubscribed(10_000)`.
   */
  whenSubscribed(timeoutMs: number): Promise<SubscribedInfo> {
    if (this.#state === "closed") return Promise.reject(new ClientClosedError("source connection"));
    if (this.#state === "subscribed") return Promise.resolve(this.#info());
    return new Promise((resolve, reject) => {
      const timer = this.#timers.setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(new Error(`source ${this.sourceId} was not subscribed within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter: Waiter = {
        resolve: (info) => (this.#timers.clearTimeout(timer), resolve(info)),
        reject: (err) => (this.#timers.clearTimeout(timer), reject(err)),
      };
      this.#waiters.push(waiter);
    });
  }

  /**
   * Publishes one event; rejects with PublishError carrying the server's gRPC code and message.
   * Example: `await connection.publish(event)`.
   */
  async publish(event: CloudEvent): Promise<void> {
    if (this.#state === "closed") throw new ClientClosedError("source connection");
    try {
      await this.#transport.publish(event, this.#options.publishDeadlineMs ?? sourcePublishDeadlineMs);
    } catch (err) {
      throw toPublishError(err);
    }
  }

  /**
   * Sends a status resync request now with the provider's hashes (no-op without a provider).
   * Example: `await connection.resyncStatuses()`.
   */
  async resyncStatuses(): Promise<void> {
    await this.#resync(undefined);
  }

  /** Sends a resync; with `gen`, only while that stream is still the subscribed one. */
  async #resync(gen: number | undefined): Promise<void> {
    const provider = this.#options.statusResync;
    if (provider === undefined) return;
    const hashes = await provider();
    if (this.#state === "closed") return;
    // The stream changed meanwhile: drop this one, the next subscribe sends a fresh resync.
    if (gen !== undefined && (gen !== this.#gen || this.#state !== "subscribed")) return;
    await this.publish(statusResyncRequestEvent(this.sourceId, hashes));
  }

  /** Counters and the recent closes. */
  stats(): ConnectionStats {
    return {
      state: this.#state,
      subscriptions: this.#subscriptions,
      reconnectAttempt: this.#attempt,
      closes: { ...this.#closes },
      recentCloses: [...this.#recent],
    };
  }

  /** Ends the stream and stops reconnecting; closes the gRPC client if this connection made it. */
  close(): void {
    if (this.#state === "closed") return;
    const wasStreaming = this.#stream !== undefined && !this.#stream.ended;
    this.#state = "closed";
    this.#gen++;
    this.#cancelStream();
    this.#clearTimer("reconnect");
    this.#clearTimer("health");
    if (wasStreaming) this.#recordClose({ reason: "ClientClosed", atMs: this.#timers.now() });
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w.reject(new ClientClosedError("source connection"));
    if (this.#ownsTransport) this.#transport.close();
  }

  #open(): void {
    assert(this.#state !== "closed", "a closed connection never reopens");
    const gen = ++this.#gen;
    const stream: Stream = { gen, sub: undefined, ended: false };
    this.#stream = stream;
    this.#state = "subscribing";
    this.#subscribedAtMs = undefined;
    this.#armHealthTimer(gen);
    try {
      stream.sub = this.#transport.subscribe(this.#request, {
        onHeader: (id) => this.#onHeader(gen, id),
        onEvent: (event) => this.#onMessage(gen, event),
        onHeartbeat: () => this.#onMessage(gen, undefined),
        onBadMessage: (err) => gen === this.#gen && this.#notifyError(err, "undecodable message on the stream"),
        onEnd: (err) => this.#onEnd(stream, err),
      });
    } catch (err) {
      // A client that cannot even start the call (e.g. closed underneath us) is retried like a failed stream.
      this.#onEnd(stream, { code: 2, details: errorText(err), message: errorText(err) } as GrpcCallError);
    }
  }

  #onHeader(gen: number, subscriptionId: string | undefined): void {
    if (gen !== this.#gen) return;
    this.#armHealthTimer(gen);
    // Maestro sends `subscription-id` at once; headers without it (e.g. a trailers-only error
    // answer) do not prove the stream is registered, so wait for a message instead.
    if (subscriptionId !== undefined && this.#state === "subscribing") this.#markSubscribed(subscriptionId);
  }

  #onMessage(gen: number, event: CloudEvent | undefined): void {
    if (gen !== this.#gen) return;
    this.#armHealthTimer(gen);
    if (this.#state === "subscribing") this.#markSubscribed(undefined);
    if (event === undefined) return; // A heartbeat: it only proves the server is alive.
    for (const l of this.#listeners) this.#safely(() => l.onEvent?.(event), "event listener");
  }

  #markSubscribed(subscriptionId: string | undefined): void {
    this.#state = "subscribed";
    this.#subscribedAtMs = this.#timers.now();
    this.#subscriptionId = subscriptionId;
    this.#subscriptions++;
    const info = this.#info();
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w.resolve(info);
    if (this.#options.statusResync !== undefined) {
      // Fire-and-forget is safe: #resync re-checks the stream generation after its await,
      // and a failure is only reported (the next subscribe sends a fresh resync).
      this.#resync(this.#gen).catch((err: unknown) => this.#notifyError(err, "status resync"));
    }
    for (const l of this.#listeners) this.#safely(() => l.onSubscribed?.(info), "subscribed listener");
  }

  #info(): SubscribedInfo {
    return { subscriptionId: this.#subscriptionId, count: this.#subscriptions, reconnect: this.#subscriptions > 1 };
  }

  #onEnd(stream: Stream, err: GrpcCallError | undefined): void {
    stream.ended = true;
    if (stream.gen !== this.#gen || this.#state === "closed") return;
    const atMs = this.#timers.now();
    const close: StreamClose = err === undefined
      ? { reason: "ServerEnded", atMs }
      : { reason: "StreamError", atMs, grpcCode: err.code, details: err.details ?? err.message };
    this.#streamLost(close);
  }

  #armHealthTimer(gen: number): void {
    const timeoutMs = this.#options.serverHealthinessTimeoutMs;
    if (timeoutMs === undefined) return;
    this.#clearTimer("health");
    this.#healthTimer = this.#timers.setTimeout(() => {
      this.#healthTimer = undefined;
      if (gen !== this.#gen || this.#state === "closed") return;
      this.#gen++; // Invalidate the stream first, so its cancellation is not reported as an end.
      this.#cancelStream();
      this.#streamLost({ reason: "HealthinessTimeout", atMs: this.#timers.now() });
    }, timeoutMs);
  }

  #streamLost(close: StreamClose): void {
    this.#clearTimer("health");
    this.#recordClose(close);
    const resetAfterMs = this.#options.backoffResetAfterMs ?? sourceReconnectResetAfterMs;
    if (this.#subscribedAtMs !== undefined && close.atMs - this.#subscribedAtMs >= resetAfterMs) this.#attempt = 0;
    const delayMs = backoffDelayMs(this.#attempt, this.#backoff, this.#random);
    this.#attempt++;
    this.#state = "backoff";
    this.#reconnectTimer = this.#timers.setTimeout(() => {
      this.#reconnectTimer = undefined;
      if (this.#state === "backoff") this.#open();
    }, delayMs);
    for (const l of this.#listeners) this.#safely(() => l.onDisconnected?.(close), "disconnected listener");
  }

  #recordClose(close: StreamClose): void {
    this.#closes[close.reason]++;
    this.#recent.push(close);
    if (this.#recent.length > sourceRecentClosesMax) this.#recent.shift();
  }

  #cancelStream(): void {
    const stream = this.#stream;
    if (stream === undefined || stream.ended) return;
    stream.ended = true;
    stream.sub?.cancel();
  }

  #clearTimer(which: "reconnect" | "health"): void {
    const handle = which === "reconnect" ? this.#reconnectTimer : this.#healthTimer;
    if (handle !== undefined) this.#timers.clearTimeout(handle);
    if (which === "reconnect") this.#reconnectTimer = undefined;
    else this.#healthTimer = undefined;
  }

  #safely(fn: () => void, context: string): void {
    try {
      fn();
    } catch (err) {
      this.#notifyError(err, context);
    }
  }

  #notifyError(err: unknown, context: string): void {
    for (const l of this.#listeners) {
      try {
        l.onError?.(err, context);
      } catch {
        // An error reporter that throws has nowhere left to report to.
      }
    }
  }
}

/** Every close reason, for metrics tables. */
export const STREAM_CLOSE_REASONS = CLOSE_REASONS;

/**
 * Turns whatever a Publish threw into a PublishError: grpc-js errors keep code and details;
 * anything else becomes code 2 (Unknown) with its message.
 * Example: `toPublishError({ code: 14, details: "No connection established" }).grpcCode` -> 14.
 */
export function toPublishError(err: unknown): PublishError {
  if (err instanceof PublishError) return err;
  if (typeof err === "object" && err !== null && typeof (err as { code?: unknown }).code === "number") {
    const e = err as { code: number; details?: unknown; message?: unknown };
    const details = typeof e.details === "string" ? e.details : typeof e.message === "string" ? e.message : "";
    return new PublishError(e.code, details, err);
  }
  return new PublishError(2, errorText(err), err);
}
