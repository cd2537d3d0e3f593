// Helpers for the client's end-to-end tests against the real server process
// (test/support/restartable-server.ts): a simulated agent on the broker port, a watch log,
// ManifestWork builders, an independent UUIDv5 and timers whose firing a test can hold.

import { createHash } from "node:crypto";
import { readInteger, readOptionalString } from "../../src/cloudevents/attributes.ts";
import { parseJsonData } from "../../src/cloudevents/json-codec.ts";
import type { ManifestBundleStatus } from "../../src/cloudevents/manifest-bundle.ts";
import { Ext, type CloudEvent, type JsonObject } from "../../src/cloudevents/types.ts";
import { systemTimers, type TimerHandle, type Timers } from "../../src/client/backoff.ts";
import type { ManifestWork } from "../../src/client/manifest-work.ts";
import type { WatchEvent } from "../../src/client/watch-hub.ts";
import { CloudEventClient } from "../../src/transport/grpc/client.ts";
import { agentStatusEvent, appliedStatus, deploymentBundle } from "../support/events.ts";
import { Recorder, action } from "../support/recorder.ts";
import { waitFor } from "../support/wait.ts";

/** Reconnect quickly in tests (the defaults start at 500 ms with jitter). */
export const FAST_BACKOFF = { initialDelayMs: 20, maxDelayMs: 200, factor: 2, jitter: 0 };

/** UUIDv5 (RFC 4122 section 4.3) written independently of src/, to check the client's ids. */
export function uuidV5(namespace: string, name: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ""), "hex");
  const hash = createHash("sha1").update(ns).update(Buffer.from(name, "utf8")).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The resource id Maestro's Go client computes for a work (maestro-wire.md 2.5). */
export function goWorkId(source: string, namespace: string, name: string): string {
  return uuidV5("6ba7b812-9dad-11d1-80b4-00c04fd430c8", `${source}-manifestworks.work.open-cluster-management.io-${namespace}-${name}`);
}

/** A ManifestWork with the one-Deployment bundle of test/support/events.ts. */
export function deploymentWork(name: string, labels?: Record<string, string>, replicas = 1): ManifestWork {
  const bundle = deploymentBundle("nginx", replicas);
  return {
    apiVersion: "work.open-cluster-management.io/v1",
    kind: "ManifestWork",
    metadata: { name, ...(labels ? { labels } : {}) },
    spec: { workload: { manifests: bundle.manifests }, deleteOption: bundle.deleteOption, manifestConfigs: bundle.manifestConfigs },
  };
}

/** The replicas of the first manifest of a work or of a spec event's bundle. */
export function replicasOf(manifests: readonly unknown[] | undefined): unknown {
  return ((manifests?.[0] as JsonObject | undefined)?.spec as JsonObject | undefined)?.replicas;
}

/** The spec data of a spec event, parsed. */
export function specData(event: CloudEvent): { manifests: JsonObject[] } {
  return parseJsonData(event.data!) as unknown as { manifests: JsonObject[] };
}

/** The `metadata` extension of an event, parsed. */
export function eventMeta(event: CloudEvent): JsonObject {
  return JSON.parse(readOptionalString(event, Ext.metadata) ?? "{}") as JsonObject;
}

/** A cluster's work agent played by the test: subscribed on the broker port, publishing statuses. */
export class SimAgent {
  private constructor(readonly cluster: string, readonly client: CloudEventClient, readonly recorder: Recorder) {}

  /** Subscribes as `cluster` on the broker address. Example: `await SimAgent.connect(server.grpcBroker, "c1")`. */
  static async connect(brokerAddress: string, cluster: string): Promise<SimAgent> {
    const client = new CloudEventClient(brokerAddress);
    try {
      return new SimAgent(cluster, client, await Recorder.agent(client, cluster));
    } catch (err) {
      client.close();
      throw err;
    }
  }

  /** Spec events received about `id`. */
  about(id: string): CloudEvent[] {
    return this.recorder.about(id);
  }

  /** Waits for the first spec event about `id` of `type` (e.g. "spec.update_request") after `from` events. */
  waitForSpec(id: string, type: string, from = 0): Promise<CloudEvent> {
    return this.recorder.waitFor((e) => readOptionalString(e, Ext.resourceId) === id && action(e) === type, 10_000, from);
  }

  /** How many events the agent has recorded (a mark for waitForSpec's `from`). */
  get mark(): number {
    return this.recorder.events.length;
  }

  /** Publishes a status for `id` at `version`, as the work agent does after applying it. */
  async reportStatus(id: string, version: number, status: ManifestBundleStatus = appliedStatus({ generation: version })): Promise<CloudEvent> {
    const event = agentStatusEvent({ cluster: this.cluster, id, version, status });
    await this.client.publish(event);
    return event;
  }

  /** Publishes Applied + Deleted=True for `id`: the manifests are gone. */
  reportDeleted(id: string, version: number): Promise<CloudEvent> {
    return this.reportStatus(id, version, appliedStatus({ generation: version, deleted: true }));
  }

  close(): void {
    this.recorder.cancel();
    this.client.close();
  }
}

/** The resource version a spec event carries. */
export function specVersion(event: CloudEvent): number {
  return readInteger(event, Ext.resourceVersion);
}

/** Collects watch events. Example: `const log = new WatchLog(); await works.watch(log.handler)`. */
export class WatchLog {
  readonly events: WatchEvent[] = [];
  readonly handler = (event: WatchEvent): void => {
    this.events.push(event);
  };

  /** Waits for an event of `type` for the work with uid `id` matching `pred`, after `from` events. */
  waitFor(type: WatchEvent["type"], id: string, pred: (e: WatchEvent) => boolean = () => true, from = 0): Promise<WatchEvent> {
    return waitFor(() => this.events.slice(from).find((e) => e.type === type && e.object.metadata.uid === id && pred(e)), 10_000);
  }

  /** The uids of every event so far. */
  uids(): Set<string> {
    return new Set(this.events.map((e) => e.object.metadata.uid ?? ""));
  }
}

/**
 * Real timers whose callbacks can be held back: while held, a timer that comes due is parked
 * and runs on release() (unless cleared). Lets a test decide when a client's reconnect happens.
 */
export class HoldableTimers implements Timers {
  #held = false;
  readonly #parked = new Map<object, () => void>();

  now(): number {
    return systemTimers.now();
  }

  setTimeout(fn: () => void, delayMs: number): TimerHandle {
    const handle = { timer: undefined as TimerHandle, cleared: false };
    handle.timer = systemTimers.setTimeout(() => {
      if (handle.cleared) return;
      if (this.#held) this.#parked.set(handle, fn);
      else fn();
    }, delayMs);
    return handle;
  }

  clearTimeout(handle: TimerHandle): void {
    const h = handle as { timer: TimerHandle; cleared: boolean };
    h.cleared = true;
    systemTimers.clearTimeout(h.timer);
    this.#parked.delete(h);
  }

  /** Parks every timer that comes due from now on. */
  hold(): void {
    this.#held = true;
  }

  /** How many due timers are parked. */
  get parked(): number {
    return this.#parked.size;
  }

  /** Stops holding and runs the parked timers. */
  release(): void {
    this.#held = false;
    const parked = [...this.#parked.values()];
    this.#parked.clear();
    for (const fn of parked) fn();
  }
}
