// The source connection's state machine on a scripted transport and a hand-driven clock:
// subscribe, reconnect with backoff, status resync, healthiness timeout, publish errors, close.

import { describe, expect, test } from "bun:test";
import { cloudEventFromJson, cloudEventToJson, type CloudEvent } from "../../src/cloudevents/mod.ts";
import { ClientClosedError, PublishError } from "../../src/client/errors.ts";
import { SourceConnection, type SourceConnectionOptions, type StreamClose, type SubscribedInfo } from "../../src/client/source-connection.ts";
import { FakeTimers, FakeTransport, flush, loadFixture } from "./helpers.ts";

const statusEvent = cloudEventFromJson(loadFixture("cloudevents.status.maestro.json"));

function setup(options: Partial<SourceConnectionOptions> = {}) {
  const timers = new FakeTimers();
  const transport = new FakeTransport();
  const connection = new SourceConnection({ sourceId: "s1", transport, timers, random: () => 0, ...options });
  const events: CloudEvent[] = [];
  const subscribed: SubscribedInfo[] = [];
  const disconnects: StreamClose[] = [];
  const errors: [unknown, string][] = [];
  connection.listen({
    onEvent: (e) => events.push(e),
    onSubscribed: (i) => subscribed.push(i),
    onDisconnected: (c) => disconnects.push(c),
    onError: (e, ctx) => errors.push([e, ctx]),
  });
  return { timers, transport, connection, events, subscribed, disconnects, errors };
}

describe("subscribe", () => {
  test("subscribes for the source and the manifestbundles data type", () => {
    const { transport, connection } = setup();
    connection.start();
    connection.start();
    expect(transport.streams).toHaveLength(1);
    expect(transport.lastStream.request).toEqual({ source: "s1", clusterName: "", dataType: "io.open-cluster-management.works.v1alpha1.manifestbundles" });
    expect(connection.state).toBe("subscribing");
  });

  test("the subscription-id header confirms the subscription", async () => {
    const { transport, connection, subscribed } = setup();
    connection.start();
    const ready = connection.whenSubscribed(1000);
    transport.lastStream.header("abc");
    expect(await ready).toEqual({ subscriptionId: "abc", count: 1, reconnect: false });
    expect(subscribed).toEqual([{ subscriptionId: "abc", count: 1, reconnect: false }]);
    expect(await connection.whenSubscribed(1)).toMatchObject({ count: 1 });
  });

  test("headers without subscription-id wait for the first message", () => {
    const { transport, connection, subscribed } = setup();
    connection.start();
    transport.lastStream.headerWithoutId();
    expect(connection.state).toBe("subscribing");
    transport.lastStream.heartbeat();
    expect(connection.state).toBe("subscribed");
    expect(subscribed).toHaveLength(1);
  });

  test("events reach listeners; heartbeats do not", () => {
    const { transport, connection, events } = setup();
    connection.start();
    transport.lastStream.header();
    transport.lastStream.heartbeat();
    transport.lastStream.event(statusEvent);
    expect(events).toEqual([statusEvent]);
  });

  test("whenSubscribed times out on the injected clock", async () => {
    const { timers, connection } = setup();
    connection.start();
    const ready = connection.whenSubscribed(5000);
    timers.advance(5000);
    await expect(ready).rejects.toThrow("was not subscribed within 5000 ms");
  });

  test("a throwing listener is reported, others still run", () => {
    const { transport, connection, events, errors } = setup();
    connection.listen({ onEvent: () => { throw new Error("handler bug"); } });
    connection.start();
    transport.lastStream.header();
    transport.lastStream.event(statusEvent);
    expect(events).toHaveLength(1);
    expect(errors.map(([e, ctx]) => [(e as Error).message, ctx])).toEqual([["handler bug", "event listener"]]);
  });
});

describe("reconnect", () => {
  test("a stream the server ends is reopened after the backoff, and reported as a reconnect", () => {
    const { timers, transport, connection, subscribed, disconnects } = setup();
    connection.start();
    transport.lastStream.header("a");
    timers.advance(1000);
    transport.lastStream.end();
    expect(connection.state).toBe("backoff");
    expect(disconnects).toEqual([{ reason: "ServerEnded", atMs: timers.nowMs }]);
    expect(timers.pending()).toEqual([500]);
    timers.advance(499);
    expect(transport.streams).toHaveLength(1);
    timers.advance(1);
    expect(transport.streams).toHaveLength(2);
    transport.lastStream.header("b");
    expect(subscribed.map((s) => [s.subscriptionId, s.count, s.reconnect])).toEqual([["a", 1, false], ["b", 2, true]]);
  });

  test("failed attempts back off 500 ms, 1 s, 2 s …; a long-lived stream resets the backoff", () => {
    const { timers, transport, connection } = setup();
    connection.start();
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      transport.lastStream.end({ code: 14, details: "No connection established" });
      delays.push(timers.pending()[0]!);
      timers.advance(delays[delays.length - 1]!);
    }
    expect(delays).toEqual([500, 1000, 2000, 4000]);
    transport.lastStream.header();
    timers.advance(30_000);
    transport.lastStream.end();
    expect(timers.pending()).toEqual([500]);
    expect(connection.stats().closes).toEqual({ ServerEnded: 1, StreamError: 4, HealthinessTimeout: 0, ClientClosed: 0 });
    expect(connection.stats().recentCloses[0]).toMatchObject({ reason: "StreamError", grpcCode: 14, details: "No connection established" });
  });

  test("a stream that is up only briefly keeps backing off", () => {
    const { timers, transport, connection } = setup();
    connection.start();
    transport.lastStream.end();
    timers.advance(500);
    transport.lastStream.header();
    timers.advance(100);
    transport.lastStream.end();
    expect(timers.pending()).toEqual([1000]);
  });

  test("messages from a replaced stream are ignored", () => {
    const { timers, transport, connection, events } = setup();
    connection.start();
    const old = transport.lastStream;
    old.header();
    old.end();
    timers.advance(500);
    old.event(statusEvent);
    old.end();
    expect(events).toEqual([]);
    expect(connection.stats().closes.ServerEnded).toBe(1);
  });

  test("healthiness timeout: silence longer than the timeout forces a reconnect", () => {
    const { timers, transport, connection, disconnects } = setup({ serverHealthinessTimeoutMs: 20_000 });
    connection.start();
    const first = transport.lastStream;
    first.header();
    timers.advance(15_000);
    first.heartbeat();
    timers.advance(19_999);
    expect(first.cancelled).toBe(false);
    timers.advance(1);
    expect(first.cancelled).toBe(true);
    expect(disconnects.map((d) => d.reason)).toEqual(["HealthinessTimeout"]);
    first.end({ code: 1, details: "Cancelled on client" });
    expect(connection.stats().closes.StreamError).toBe(0);
    timers.advance(500);
    expect(transport.streams).toHaveLength(2);
  });
});

describe("status resync", () => {
  test("after every (re)subscribe, a status.resync_request carries the provider's hashes", async () => {
    let hashes = [{ resourceID: "r1", statusHash: "h1" }];
    const { timers, transport, connection } = setup({ statusResync: () => hashes });
    connection.start();
    transport.lastStream.header();
    await flush();
    transport.lastStream.end();
    hashes = [];
    timers.advance(500);
    transport.lastStream.header();
    await flush();
    const sent = transport.published.map((e) => cloudEventToJson(e));
    expect(sent.map((e) => [e.type, e.source, e.clustername, e.originalsource, e.data])).toEqual([
      ["io.open-cluster-management.works.v1alpha1.manifestbundles.status.resync_request", "s1", "", "", { statusHashes: [{ resourceID: "r1", statusHash: "h1" }] }],
      ["io.open-cluster-management.works.v1alpha1.manifestbundles.status.resync_request", "s1", "", "", { statusHashes: [] }],
    ]);
    expect(sent[0]!.datacontenttype).toBe("application/json");
  });

  test("no provider, no resync", async () => {
    const { transport, connection } = setup();
    connection.start();
    transport.lastStream.header();
    await flush();
    expect(transport.published).toEqual([]);
  });

  test("a resync whose stream was replaced meanwhile is dropped; failures are reported", async () => {
    let release!: (v: { resourceID: string; statusHash: string }[]) => void;
    const { transport, connection, errors } = setup({ statusResync: () => new Promise((r) => (release = r)) });
    connection.start();
    transport.lastStream.header();
    transport.lastStream.end();
    release([]);
    await flush();
    expect(transport.published).toEqual([]);
    expect(errors).toEqual([]);
  });

  test("a failed resync publish is reported, not thrown", async () => {
    const { transport, connection, errors } = setup({ statusResync: () => [] });
    transport.publishError = { code: 13, details: "boom" };
    connection.start();
    transport.lastStream.header();
    await flush();
    expect(errors).toHaveLength(1);
    expect(errors[0]![1]).toBe("status resync");
    expect(errors[0]![0]).toBeInstanceOf(PublishError);
  });
});

describe("publish and close", () => {
  test("publish surfaces the server's gRPC code and message", async () => {
    const { transport, connection } = setup();
    transport.publishError = Object.assign(new Error("2 UNKNOWN: failed"), { code: 2, details: "failed to update resource: maestro-6: the resource version is not the latest, the latest version: 3" });
    const err = await connection.publish(statusEvent).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PublishError);
    expect((err as PublishError).grpcCode).toBe(2);
    expect((err as PublishError).isStaleVersion).toBe(true);
  });

  test("close cancels the stream, stops reconnecting, rejects waiters and later calls", async () => {
    const { timers, transport, connection } = setup();
    connection.start();
    const waiting = connection.whenSubscribed(10_000);
    connection.close();
    connection.close();
    expect(transport.lastStream.cancelled).toBe(true);
    expect(transport.closed).toBe(false); // The transport was given, so it is not ours to close.
    await expect(waiting).rejects.toBeInstanceOf(ClientClosedError);
    await expect(connection.publish(statusEvent)).rejects.toBeInstanceOf(ClientClosedError);
    await expect(connection.whenSubscribed(1)).rejects.toBeInstanceOf(ClientClosedError);
    transport.lastStream.end();
    timers.advance(60_000);
    expect(transport.streams).toHaveLength(1);
    expect(connection.stats()).toMatchObject({ state: "closed", closes: { ClientClosed: 1, ServerEnded: 0 } });
  });

  test("close during backoff cancels the pending reconnect", () => {
    const { timers, transport, connection } = setup();
    connection.start();
    transport.lastStream.end();
    connection.close();
    expect(timers.pending()).toEqual([]);
  });

  test("options are checked", () => {
    expect(() => new SourceConnection({ sourceId: "", transport: new FakeTransport() })).toThrow("source id is required");
    expect(() => new SourceConnection({ sourceId: "s" })).toThrow("give exactly one of address and transport");
  });

  test("the resync event round-trips as JSON", () => {
    expect(cloudEventFromJson(cloudEventToJson(statusEvent))).toEqual(statusEvent);
  });
});

describe("a transport that throws on subscribe", () => {
  test("is retried like a failed stream", () => {
    const { timers, transport, connection } = setup();
    let calls = 0;
    const original = transport.subscribe.bind(transport);
    transport.subscribe = (req, handlers) => {
      calls++;
      if (calls === 1) throw new Error("channel closed");
      return original(req, handlers);
    };
    connection.start();
    expect(connection.stats().recentCloses[0]).toMatchObject({ reason: "StreamError", details: "channel closed" });
    timers.advance(500);
    expect(transport.streams).toHaveLength(1);
  });
});
