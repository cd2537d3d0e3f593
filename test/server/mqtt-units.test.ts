// The pure and in-process parts of the server's MQTT mode: status resync batching (both bounds),
// the request event, the resync run (paging, bounded concurrency, superseding), the MQTT outlet
// (failures counted, paced budget), and how agent events are classified and dropped.

import { describe, expect, test } from "bun:test";
import { readString } from "../../src/cloudevents/attributes.ts";
import { parseEventType } from "../../src/cloudevents/event-type.ts";
import { encodeMqttMessage } from "../../src/cloudevents/mqtt-binding.ts";
import { parseStatusResyncRequest } from "../../src/cloudevents/resync-codec.ts";
import { EMPTY_STATUS_HASH } from "../../src/cloudevents/status-hash.ts";
import { timestampNow } from "../../src/cloudevents/time.ts";
import { Ext, type CloudEvent } from "../../src/cloudevents/types.ts";
import { Errors } from "../../src/errors.ts";
import { mqttStatusResyncEnvelopeBytesMax, mqttStatusResyncHashesPerRequestMax, mqttStatusResyncRequestBytesMax } from "../../src/limits.ts";
import { createLogger } from "../../src/observability/logger.ts";
import type { MqttMetrics } from "../../src/observability/mqtt-metrics.ts";
import type { AgentOutlet } from "../../src/server/agent-outlet.ts";
import {
  AgentStatusResync,
  serverStatusHash,
  statusResyncBatches,
  statusResyncRequestEvent,
  type StatusHashEntry,
  type StatusHashSource,
} from "../../src/server/agent-status-resync.ts";
import { PublishContext, inContext } from "../../src/server/grpc-errors.ts";
import { dropReasonOf, receivedKindOf } from "../../src/server/mqtt-agents.ts";
import { MqttAgentOutlet, publishedKindOf, type CloudEventPublisher } from "../../src/server/mqtt-outlet.ts";
import { MqttTransportError } from "../../src/transport/mqtt/errors.ts";
import { MANIFEST_BUNDLES } from "../support/recorder.ts";
import { waitFor } from "../support/wait.ts";

const log = createLogger("test-mqtt");
const hash = (i: number) => i.toString(16).padStart(64, "0");
const entries = (n: number, idOf = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`): StatusHashEntry[] =>
  Array.from({ length: n }, (_, i) => ({ resourceID: idOf(i), statusHash: hash(i) }));
const dataBytes = (batch: readonly StatusHashEntry[]) => Buffer.byteLength(JSON.stringify({ statusHashes: batch }));

describe("status resync batches (3.3): at most N hashes and B bytes per request", () => {
  const limits = { hashesMax: mqttStatusResyncHashesPerRequestMax, dataBytesMax: mqttStatusResyncRequestBytesMax - mqttStatusResyncEnvelopeBytesMax };

  test("no hashes give one request with an empty list", () => {
    expect(statusResyncBatches([], limits)).toEqual([[]]);
  });

  test("2,500 UUID hashes split 1,000 / 1,000 / 500 in order (the count bound bites)", () => {
    const all = entries(2_500);
    const batches = statusResyncBatches(all, limits);
    expect(batches.map((b) => b.length)).toEqual([1_000, 1_000, 500]);
    expect(batches.flat()).toEqual(all);
    for (const b of batches) expect(dataBytes(b)).toBeLessThanOrEqual(limits.dataBytesMax);
  });

  test("long entries split by bytes first: every batch fits, none is over, the order holds", () => {
    // Resource ids are at most 253 bytes, so with 64-char hashes 1,000 entries stay near 330 KB;
    // only long agent-sent hashes make the byte bound bite first.
    const all = entries(3_000, (i) => `${"r".repeat(240)}-${i}`).map((e) => ({ ...e, statusHash: e.statusHash.repeat(6) }));
    const batches = statusResyncBatches(all, limits);
    expect(batches.flat()).toEqual(all);
    expect(batches.length).toBeGreaterThan(3);
    for (const b of batches) {
      expect(b.length).toBeLessThanOrEqual(limits.hashesMax);
      expect(dataBytes(b)).toBeLessThanOrEqual(limits.dataBytesMax);
    }
    // Greedy: each batch but the last could not take the next entry.
    for (let i = 0; i < batches.length - 1; i++) {
      const next = batches[i + 1]![0]!;
      expect(dataBytes([...batches[i]!, next]) > limits.dataBytesMax || batches[i]!.length === limits.hashesMax).toBe(true);
    }
  });

  test("the byte accounting is exact at the edge", () => {
    const two = entries(2);
    const exact = dataBytes(two);
    expect(statusResyncBatches(two, { hashesMax: 10, dataBytesMax: exact })).toEqual([two]);
    expect(statusResyncBatches(two, { hashesMax: 10, dataBytesMax: exact - 1 })).toEqual([[two[0]!], [two[1]!]]);
    expect(statusResyncBatches(entries(5), { hashesMax: 2, dataBytesMax: 1_000_000 }).map((b) => b.length)).toEqual([2, 2, 1]);
  });

  test("an entry too big to fit alone (a huge agent hash) goes with an empty hash", () => {
    const huge = { resourceID: "r1", statusHash: "x".repeat(1_000) };
    const batches = statusResyncBatches([entries(1)[0]!, huge], { hashesMax: 10, dataBytesMax: 500 });
    expect(batches.flat().map((e) => e.statusHash)).toEqual([hash(0), ""]);
  });

  test("the request event: sdk-go's shape, data parses back, encoded size under 512 KiB", () => {
    const all = entries(1_000, (i) => `${"r".repeat(240)}-${i}`);
    const [first] = statusResyncBatches(all, limits);
    const event = statusResyncRequestEvent("cluster-1", "maestro", first!, timestampNow());
    expect(event.type).toBe(`${MANIFEST_BUNDLES}.status.resync_request`);
    expect(event.source).toBe("maestro");
    expect(event.datacontenttype).toBe("application/json");
    expect(readString(event, Ext.clusterName)).toBe("cluster-1");
    expect(readString(event, Ext.originalSource)).toBe("");
    expect(parseStatusResyncRequest(event.data!).statusHashes).toEqual(first!);
    const encoded = encodeMqttMessage(event);
    const props = Object.entries(encoded.userProperties).reduce((n, [k, v]) => n + k.length + v.length + 5, 0);
    expect(encoded.payload.byteLength + props + 64).toBeLessThanOrEqual(mqttStatusResyncRequestBytesMax);
  });

  test("server hashes: sha256('') without a status, the agent's statushash verbatim", () => {
    expect(serverStatusHash(null)).toBe(EMPTY_STATUS_HASH);
    expect(serverStatusHash({ statushash: "abc" })).toBe("abc");
    expect(serverStatusHash({ data: { conditions: [] } })).toMatch(/^[0-9a-f]{64}$/);
  });
});

/** An outlet that records what it is sent and lets a test hold sends open. */
class RecordingOutlet implements AgentOutlet {
  readonly kind = "mqtt";
  readonly sent = new Map<string, CloudEvent[]>();
  inFlight = 0;
  inFlightMax = 0;
  gate: Promise<void> = Promise.resolve();
  reachable(): boolean {
    return true;
  }
  send(consumer: string, event: CloudEvent): void {
    this.sent.set(consumer, [...(this.sent.get(consumer) ?? []), event]);
  }
  async sendPaced(consumer: string, events: Iterable<CloudEvent>): Promise<number> {
    this.inFlight++;
    this.inFlightMax = Math.max(this.inFlightMax, this.inFlight);
    await this.gate;
    let n = 0;
    for (const e of events) {
      this.send(consumer, e);
      n++;
    }
    this.inFlight--;
    return n;
  }
}

function fakeMetrics(): MqttMetrics & { counts: Map<string, number> } {
  const counts = new Map<string, number>();
  const inc = (key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);
  return {
    counts,
    received: (k) => inc(`received:${k}`),
    published: (k) => inc(`published:${k}`),
    publishFailed: (k, r) => inc(`failed:${k}:${r}`),
    dropped: (r) => inc(`dropped:${r}`),
    resyncRun: (o) => inc(`run:${o}`),
    reconnected: () => inc("reconnected"),
  };
}

describe("the status resync run", () => {
  const consumers = Array.from({ length: 25 }, (_, i) => `c-${String(i).padStart(2, "0")}`);
  const resourcesOf = (name: string): StatusHashSource[] =>
    name === "c-03" ? entries(5).map((e) => ({ id: e.resourceID, status: { statushash: e.statusHash } })) : [];

  function setup(pageSize = 10, inFlight = 4) {
    const outlet = new RecordingOutlet();
    const metrics = fakeMetrics();
    const pages: (string | undefined)[] = [];
    const resync = new AgentStatusResync(
      {
        consumerNames: async (after, limit) => {
          pages.push(after);
          return consumers.filter((c) => after === undefined || c > after).slice(0, limit);
        },
        statusSources: async (names) => new Map(names.map((n) => [n, resourcesOf(n)])),
        outlet,
        sourceId: "maestro",
        metrics,
        log,
      },
      { hashesMax: 2, dataBytesMax: 100_000, consumersPerQuery: pageSize, consumersInFlight: inFlight },
    );
    return { outlet, metrics, pages, resync };
  }

  test("pages through every consumer by name; each gets its hashes in batches, empty ones one empty request", async () => {
    const { outlet, metrics, pages, resync } = setup();
    resync.start();
    await resync.idle();
    expect(pages).toEqual([undefined, "c-09", "c-19"]);
    expect([...outlet.sent.keys()].sort()).toEqual(consumers);
    const c03 = outlet.sent.get("c-03")!.map((e) => parseStatusResyncRequest(e.data!).statusHashes.length);
    expect(c03).toEqual([2, 2, 1]);
    expect(outlet.sent.get("c-00")!.map((e) => parseStatusResyncRequest(e.data!).statusHashes)).toEqual([[]]);
    expect(metrics.counts.get("run:done")).toBe(1);
    expect(resync.totals).toEqual({ runs: 1, consumers: 25, requests: 27 });
  });

  test("at most consumersInFlight consumers are sent to at once", async () => {
    const { outlet, resync } = setup(10, 3);
    let open!: () => void;
    outlet.gate = new Promise((resolve) => (open = resolve));
    resync.start();
    await waitFor(() => outlet.inFlight === 3);
    open();
    await resync.idle();
    expect(outlet.inFlightMax).toBe(3);
  });

  test("a reconnect during a run supersedes it; the new run covers everyone; stop() ends runs", async () => {
    const { outlet, metrics, resync } = setup(10, 2);
    let open!: () => void;
    outlet.gate = new Promise((resolve) => (open = resolve));
    resync.start();
    await waitFor(() => outlet.inFlight === 2);
    resync.start();
    open();
    await resync.idle();
    expect(metrics.counts.get("run:superseded")).toBe(1);
    expect(metrics.counts.get("run:done")).toBe(1);
    expect([...outlet.sent.keys()].sort()).toEqual(consumers);
    await resync.stop();
    resync.start();
    await resync.idle();
    expect(metrics.counts.get("run:done")).toBe(1);
  });

  test("a failed read ends the run as failed, logged, and the next start tries again", async () => {
    const metrics = fakeMetrics();
    let fail = true;
    const resync = new AgentStatusResync(
      {
        consumerNames: async () => {
          if (fail) throw new Error("database down");
          return [];
        },
        statusSources: async () => new Map(),
        outlet: new RecordingOutlet(),
        sourceId: "maestro",
        metrics,
        log,
      },
      { hashesMax: 2, dataBytesMax: 100_000, consumersPerQuery: 10, consumersInFlight: 2 },
    );
    resync.start();
    await resync.idle();
    expect(metrics.counts.get("run:failed")).toBe(1);
    fail = false;
    resync.start();
    await resync.idle();
    expect(metrics.counts.get("run:done")).toBe(1);
  });
});

/** A publisher whose publishes a test settles by hand. */
class HeldPublisher implements CloudEventPublisher {
  readonly pending: { topic: string; event: CloudEvent; resolve(): void; reject(err: Error): void }[] = [];
  publish(topic: string, event: CloudEvent): Promise<void> {
    return new Promise((resolve, reject) => this.pending.push({ topic, event, resolve, reject }));
  }
}

function specEvent(i: number, action = "spec.create_request"): CloudEvent {
  return { specversion: "1.0", id: `id-${i}`, source: "maestro", type: `${MANIFEST_BUNDLES}.${action}`, extensions: {} };
}

describe("the MQTT outlet", () => {
  const outletWith = (pacedInFlightMax = 3) => {
    const metrics = fakeMetrics();
    const outlet = new MqttAgentOutlet({ sourceEventsTopic: "sources/maestro/consumers/+/sourceevents", pacedInFlightMax, metrics, log, warnIntervalMs: 60_000 });
    return { metrics, outlet };
  };

  test("every consumer is reachable; send publishes to the consumer's sourceevents topic without waiting", async () => {
    const { metrics, outlet } = outletWith();
    const publisher = new HeldPublisher();
    outlet.attach(publisher);
    expect(outlet.reachable("anyone")).toBe(true);
    outlet.send("cluster-1", specEvent(1));
    expect(publisher.pending.map((p) => p.topic)).toEqual(["sources/maestro/consumers/cluster-1/sourceevents"]);
    publisher.pending[0]!.resolve();
    await waitFor(() => metrics.counts.get("published:spec") === 1);
  });

  test("failures are counted by kind and reason: not connected, bad topic, timeout, queue full", async () => {
    const { metrics, outlet } = outletWith();
    outlet.send("cluster-1", specEvent(1));
    await waitFor(() => metrics.counts.get("failed:spec:NotConnected") === 1);
    const publisher = new HeldPublisher();
    outlet.attach(publisher);
    outlet.send("Bad_Name", specEvent(2));
    await waitFor(() => metrics.counts.get("failed:spec:BadTopic") === 1);
    outlet.send("cluster-1", specEvent(3, "spec.resync_response"));
    outlet.send("cluster-1", specEvent(4, "status.resync_request"));
    publisher.pending[0]!.reject(new MqttTransportError("PublishTimeout", "no PUBACK"));
    publisher.pending[1]!.reject(new MqttTransportError("PublishQueueFull", "full"));
    await waitFor(() => metrics.counts.get("failed:spec_resync_response:PublishTimeout") === 1);
    await waitFor(() => metrics.counts.get("failed:status_resync_request:PublishQueueFull") === 1);
    outlet.detach();
    outlet.send("cluster-1", specEvent(5));
    await waitFor(() => metrics.counts.get("failed:spec:NotConnected") === 2);
  });

  test("paced sends share one budget of unacknowledged publishes and count what was acknowledged", async () => {
    const { outlet } = outletWith(3);
    const publisher = new HeldPublisher();
    outlet.attach(publisher);
    const a = outlet.sendPaced("c-a", [1, 2, 3, 4].map((i) => specEvent(i)));
    const b = outlet.sendPaced("c-b", [5, 6].map((i) => specEvent(i)));
    await waitFor(() => publisher.pending.length === 3);
    await Bun.sleep(5); // nothing more may start while three are unacknowledged
    expect(publisher.pending.length).toBe(3);
    let settled = 0;
    while (settled < 6) {
      await waitFor(() => publisher.pending.length > settled);
      const p = publisher.pending[settled]!;
      if (p.event.id === "id-2") p.reject(new MqttTransportError("PublishTimeout", "no PUBACK"));
      else p.resolve();
      settled++;
    }
    expect(await a).toBe(3);
    expect(await b).toBe(2);
  });

  test("after detach (shutdown) paced sends stop early instead of failing event by event", async () => {
    const { metrics, outlet } = outletWith(2);
    const publisher = new HeldPublisher();
    outlet.attach(publisher);
    const paced = outlet.sendPaced("c-a", Array.from({ length: 100 }, (_, i) => specEvent(i)));
    await waitFor(() => publisher.pending.length === 2);
    outlet.detach();
    for (const p of publisher.pending) p.reject(new MqttTransportError("Closed", "closed"));
    expect(await paced).toBe(0);
    expect(metrics.counts.get("failed:spec:Closed")).toBe(2);
    expect(metrics.counts.get("failed:spec:NotConnected")).toBeUndefined();
  });

  test("kinds of published events", () => {
    expect(publishedKindOf(`${MANIFEST_BUNDLES}.spec.update_request`)).toBe("spec");
    expect(publishedKindOf(`${MANIFEST_BUNDLES}.spec.resync_response`)).toBe("spec_resync_response");
    expect(publishedKindOf(`${MANIFEST_BUNDLES}.status.resync_request`)).toBe("status_resync_request");
  });
});

describe("agent events over MQTT: kinds and drop reasons", () => {
  test("only what agents send is a received kind", () => {
    expect(receivedKindOf(parseEventType(`${MANIFEST_BUNDLES}.status.update_request`))).toBe("status_update");
    expect(receivedKindOf(parseEventType(`${MANIFEST_BUNDLES}.status.resync_response`))).toBe("status_resync_response");
    expect(receivedKindOf(parseEventType(`${MANIFEST_BUNDLES}.spec.resync_request`))).toBe("spec_resync_request");
    expect(receivedKindOf(parseEventType(`${MANIFEST_BUNDLES}.spec.create_request`))).toBeUndefined();
    expect(receivedKindOf(parseEventType(`${MANIFEST_BUNDLES}.status.resync_request`))).toBeUndefined();
  });

  test("handler failures map to drop reasons", () => {
    expect(dropReasonOf(inContext(Errors.validation("bad status"), PublishContext.decodeStatus))).toBe("invalid");
    expect(dropReasonOf(inContext(Errors.writeQueueFull(), PublishContext.status))).toBe("store_unavailable");
    expect(dropReasonOf(inContext(Errors.statusSequenceOlder("r1", 1n, 2n), PublishContext.status))).toBe("rejected");
    expect(dropReasonOf(inContext(Errors.statusConsumerMismatch("c1", "r1"), PublishContext.status))).toBe("rejected");
    expect(dropReasonOf(inContext(Errors.validation("bad versions"), PublishContext.specResync))).toBe("invalid");
    expect(dropReasonOf(new TypeError("bug"))).toBe("internal");
  });
});
