// One cluster's stream to the server's broker port: Subscribe with its cluster name, drop
// heartbeats, reconnect with backoff and jitter, report each (re)connect so the agent resyncs,
// and publish its events. Many connections may share one CloudEventClient (one HTTP/2 channel).

import { MANIFEST_BUNDLE_DATA_TYPE_NAME } from "../cloudevents/event-type.ts";
import type { CloudEvent } from "../cloudevents/types.ts";
import { backoffDelayMs, systemTimers, type BackoffOptions, type TimerHandle, type Timers } from "../client/backoff.ts";
import { sourceReconnectResetAfterMs } from "../limits.ts";
import type { CloudEventClient, GrpcCallError, Subscription } from "../transport/grpc/client.ts";
import type { ClusterLink, ClusterLinkHandlers } from "./cluster-link.ts";

/** What the connection reports to its agent: the ClusterLinkHandlers, plus stream ends. */
export interface AgentConnectionHandlers extends ClusterLinkHandlers {
  /** The stream ended; a reconnect is scheduled. */
  onDisconnected?(error: GrpcCallError | undefined): void;
}

export interface AgentConnectionOptions {
  readonly client: CloudEventClient;
  readonly clusterName: string;
  readonly handlers: AgentConnectionHandlers;
  readonly backoff?: BackoffOptions;
  readonly timers?: Timers;
  /** Reconnect when nothing (not even a heartbeat) arrives for this long; 0 = never. */
  readonly serverHealthinessTimeoutMs?: number;
}

/**
 * A reconnecting agent subscription: the gRPC implementation of ClusterLink. Example:
 * `const c = new AgentConnection({ client, clusterName: "c1", handlers }); c.start(); … c.close();`
 */
export class AgentConnection implements ClusterLink {
  #subscription: Subscription | undefined;
  #retryTimer: TimerHandle | undefined;
  #healthTimer: TimerHandle | undefined;
  #attempt = 0;
  #subscribedAtMs = 0;
  #connected = false;
  #everConnected = false;
  #closed = false;
  readonly #timers: Timers;
  /** Reconnects so far, for metrics and tests. */
  reconnects = 0;

  constructor(private readonly options: AgentConnectionOptions) {
    this.#timers = options.timers ?? systemTimers;
  }

  get connected(): boolean {
    return this.#connected;
  }

  start(): void {
    if (this.#closed || this.#subscription) return;
    this.#subscribe();
  }

  /** Publishes on the broker port; rejects with the server's gRPC error. */
  publish(event: CloudEvent): Promise<void> {
    return this.options.client.publish(event);
  }

  close(): void {
    this.#closed = true;
    this.#connected = false;
    if (this.#retryTimer !== undefined) this.#timers.clearTimeout(this.#retryTimer);
    if (this.#healthTimer !== undefined) this.#timers.clearTimeout(this.#healthTimer);
    this.#subscription?.cancel();
    this.#subscription = undefined;
  }

  #subscribe(): void {
    this.#subscribedAtMs = this.#timers.now();
    const request = { source: "", clusterName: this.options.clusterName, dataType: MANIFEST_BUNDLE_DATA_TYPE_NAME };
    const subscription = this.options.client.subscribe(request, {
      onHeader: () => {
        if (this.#subscription !== subscription || this.#closed) return;
        this.#connected = true;
        const reconnected = this.#everConnected;
        this.#everConnected = true;
        this.#alive();
        this.options.handlers.onConnected(reconnected);
      },
      onHeartbeat: () => this.#alive(),
      onEvent: (event) => {
        this.#alive();
        this.options.handlers.onEvent(event);
      },
      onEnd: (error) => {
        if (this.#subscription !== subscription) return;
        this.#lost(error);
      },
    });
    this.#subscription = subscription;
  }

  /** Something arrived: restart the healthiness timer. */
  #alive(): void {
    const timeout = this.options.serverHealthinessTimeoutMs ?? 0;
    if (timeout <= 0) return;
    if (this.#healthTimer !== undefined) this.#timers.clearTimeout(this.#healthTimer);
    this.#healthTimer = this.#timers.setTimeout(() => {
      if (this.#closed) return;
      const subscription = this.#subscription;
      subscription?.cancel();
      this.#lost(undefined);
    }, timeout);
  }

  #lost(error: GrpcCallError | undefined): void {
    this.#subscription = undefined;
    this.#connected = false;
    if (this.#healthTimer !== undefined) this.#timers.clearTimeout(this.#healthTimer);
    if (this.#closed) return;
    this.options.handlers.onDisconnected?.(error);
    // A stream that lived long enough was healthy: start the backoff over.
    if (this.#timers.now() - this.#subscribedAtMs > sourceReconnectResetAfterMs) this.#attempt = 0;
    const delay = backoffDelayMs(this.#attempt++, this.options.backoff);
    this.reconnects++;
    this.#retryTimer = this.#timers.setTimeout(() => {
      this.#retryTimer = undefined;
      if (!this.#closed) this.#subscribe();
    }, delay);
  }
}
