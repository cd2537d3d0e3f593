// Test doubles for the source client: a hand-driven clock, a scripted gRPC transport and an
// in-memory REST API that records every call, plus fixture loading.

import type { CloudEvent } from "../../src/cloudevents/mod.ts";
import type { SubscriptionRequest } from "../../src/cloudevents/proto-codec.ts";
import { ApiError } from "../../src/client/errors.ts";
import type { TimerHandle, Timers } from "../../src/client/backoff.ts";
import type { SourceTransport } from "../../src/client/source-connection.ts";
import type { ListParams, ResourceBundle, ResourceBundleList } from "../../src/client/rest-types.ts";
import type { WorkRestApi } from "../../src/client/work-client.ts";
import type { GrpcCallError, Subscription, SubscriptionHandlers } from "../../src/transport/grpc/client.ts";

export { loadFixture } from "../cloudevents/helpers.ts";

/** A clock that moves only when the test says so. */
export class FakeTimers implements Timers {
  nowMs = 1_000_000;
  #nextId = 1;
  readonly #timers = new Map<number, { atMs: number; fn: () => void }>();

  now(): number {
    return this.nowMs;
  }

  setTimeout(fn: () => void, delayMs: number): TimerHandle {
    const id = this.#nextId++;
    this.#timers.set(id, { atMs: this.nowMs + delayMs, fn });
    return id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers.delete(handle as number);
  }

  /** Delays (from now) of the pending timers, soonest first. */
  pending(): number[] {
    return [...this.#timers.values()].map((t) => t.atMs - this.nowMs).sort((a, b) => a - b);
  }

  /** Moves the clock forward, firing due timers in time order. */
  advance(ms: number): void {
    const target = this.nowMs + ms;
    for (;;) {
      let next: [number, { atMs: number; fn: () => void }] | undefined;
      for (const entry of this.#timers) if (entry[1].atMs <= target && (!next || entry[1].atMs < next[1].atMs)) next = entry;
      if (!next) break;
      this.#timers.delete(next[0]);
      this.nowMs = next[1].atMs;
      next[1].fn();
    }
    this.nowMs = target;
  }
}

/** One Subscribe stream the fake transport handed out; the test plays the server. */
export class FakeStream {
  cancelled = false;
  constructor(readonly request: SubscriptionRequest, readonly handlers: SubscriptionHandlers) {}
  header(id = "sub-1"): void {
    this.handlers.onHeader?.(id);
  }
  /** Response headers without a subscription-id (e.g. a trailers-only error answer). */
  headerWithoutId(): void {
    this.handlers.onHeader?.(undefined);
  }
  event(event: CloudEvent): void {
    this.handlers.onEvent?.(event);
  }
  heartbeat(): void {
    this.handlers.onHeartbeat?.();
  }
  end(error?: Partial<GrpcCallError>): void {
    this.handlers.onEnd?.(error as GrpcCallError | undefined);
  }
}

/** A SourceTransport that records publishes and streams. */
export class FakeTransport implements SourceTransport {
  readonly published: CloudEvent[] = [];
  readonly streams: FakeStream[] = [];
  /** When set, the next publishes reject with it. */
  publishError: unknown;
  closed = false;

  publish(event: CloudEvent): Promise<void> {
    this.published.push(event);
    return this.publishError === undefined ? Promise.resolve() : Promise.reject(this.publishError);
  }

  subscribe(request: SubscriptionRequest, handlers: SubscriptionHandlers): Subscription {
    const stream = new FakeStream(request, handlers);
    this.streams.push(stream);
    return { cancel: () => (stream.cancelled = true) };
  }

  close(): void {
    this.closed = true;
  }

  get lastStream(): FakeStream {
    return this.streams[this.streams.length - 1]!;
  }
}

/** An in-memory REST API: bundles by id, a list that pages `listItems`, and a call log. */
export class FakeRest implements WorkRestApi {
  readonly bundles = new Map<string, ResourceBundle>();
  listItems: ResourceBundle[] = [];
  readonly calls: string[] = [];
  readonly listCalls: ListParams[] = [];
  /** Resolves pending list calls only when released (to test races). */
  listGate: Promise<void> | undefined;

  async getResourceBundle(id: string): Promise<ResourceBundle> {
    this.calls.push(`GET ${id}`);
    const rb = this.bundles.get(id);
    if (rb === undefined) throw new ApiError({ status: 404, method: "GET", path: `/api/maestro/v1/resource-bundles/${id}`, text: "not found" });
    return structuredClone(rb);
  }

  async listResourceBundles(params: ListParams): Promise<ResourceBundleList> {
    this.calls.push(`LIST ${params.search} page=${params.page} size=${params.size}`);
    this.listCalls.push(params);
    if (this.listGate) await this.listGate;
    const page = params.page ?? 1;
    const size = params.size ?? 100;
    const items = this.listItems.slice((page - 1) * size, page * size).map((rb) => structuredClone(rb));
    return { items, kind: "ResourceBundleList", page, size: items.length, total: this.listItems.length };
  }
}

/** Resolves after pending promise callbacks ran (a few macrotask turns). */
export async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
}
