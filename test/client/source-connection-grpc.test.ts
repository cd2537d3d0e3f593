// The source connection against a tiny fake CloudEventService on grpc-js (127.0.0.1:0): the
// Subscribe request, events and heartbeats, reconnect with status resync after the server closes
// the stream or fails it, healthiness timeout, and Publish errors with the server's code and text.

import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import * as grpc from "@grpc/grpc-js";
import {
  cloudEventFromJson,
  cloudEventToJson,
  encodeCloudEvent,
  encodeCloudEventMessage,
  heartbeatMessage,
  type CloudEvent,
} from "../../src/cloudevents/mod.ts";
import { PublishError } from "../../src/client/errors.ts";
import { SourceConnection, type SourceConnectionOptions } from "../../src/client/source-connection.ts";
import { waitFor } from "../support/wait.ts";
import { FakeSourceServer } from "./fake-source-server.ts";
import { loadFixture } from "./helpers.ts";

const statusEvent = cloudEventFromJson(loadFixture("cloudevents.status.maestro.json"));
const FAST = { initialDelayMs: 20, maxDelayMs: 100, factor: 2, jitter: 0 };

let server: FakeSourceServer;
let connection: SourceConnection | undefined;

beforeEach(async () => {
  server = new FakeSourceServer();
  await server.start();
});

afterEach(() => {
  connection?.close();
  connection = undefined;
  server.stop();
});

function connect(options: Partial<SourceConnectionOptions> = {}): SourceConnection {
  connection = new SourceConnection({ sourceId: "s1", address: `127.0.0.1:${server.port}`, backoff: FAST, ...options });
  return connection;
}

describe("source connection over gRPC", () => {
  test("subscribes with source and data type, receives events, drops heartbeats", async () => {
    const c = connect();
    const events: CloudEvent[] = [];
    c.listen({ onEvent: (e) => events.push(e) });
    c.start();
    const info = await c.whenSubscribed(5000);
    expect(info).toEqual({ subscriptionId: "sub-1", count: 1, reconnect: false });
    expect(server.last.request).toEqual({ source: "s1", clusterName: "", dataType: "io.open-cluster-management.works.v1alpha1.manifestbundles" });
    server.last.call.write(Buffer.from(encodeCloudEventMessage(heartbeatMessage())));
    server.last.call.write(Buffer.from(encodeCloudEvent(statusEvent)));
    await waitFor(() => events.length === 1, 5000);
    expect(events[0]).toEqual(statusEvent);
  });

  test("the server closes the stream: the client resubscribes and sends a status resync", async () => {
    const c = connect({ statusResync: () => [{ resourceID: "55c61e54-a3f6-563d-9fec-b1fe297bdfdb", statusHash: "abc" }] });
    const counts: number[] = [];
    c.listen({ onSubscribed: (i) => counts.push(i.count) });
    c.start();
    await c.whenSubscribed(5000);
    await waitFor(() => server.published.length === 1, 5000);
    server.last.call.end();
    await waitFor(() => server.streams.length === 2 && server.published.length === 2, 5000);
    expect(counts).toEqual([1, 2]);
    for (const event of server.published) {
      expect(cloudEventToJson(event)).toMatchObject({
        type: "io.open-cluster-management.works.v1alpha1.manifestbundles.status.resync_request",
        source: "s1",
        clustername: "",
        data: { statusHashes: [{ resourceID: "55c61e54-a3f6-563d-9fec-b1fe297bdfdb", statusHash: "abc" }] },
      });
    }
    expect(c.stats().closes.ServerEnded).toBe(1);
  });

  test("the server fails the stream: the error is recorded and the client resubscribes", async () => {
    const c = connect();
    c.start();
    await c.whenSubscribed(5000);
    server.last.call.emit("error", { code: grpc.status.UNAVAILABLE, details: "slow consumer" });
    await waitFor(() => server.streams.length === 2, 5000);
    await c.whenSubscribed(5000);
    expect(c.stats().recentCloses[0]).toMatchObject({ reason: "StreamError", grpcCode: grpc.status.UNAVAILABLE, details: "slow consumer" });
  });

  test("a silent server trips the healthiness timeout and the stream is replaced", async () => {
    const c = connect({ serverHealthinessTimeoutMs: 150 });
    c.start();
    await c.whenSubscribed(5000);
    await waitFor(() => server.streams.length === 2, 5000);
    expect(c.stats().closes.HealthinessTimeout).toBeGreaterThanOrEqual(1);
    await waitFor(() => server.streams[0]!.cancelled, 5000);
  });

  test("heartbeats keep a healthy stream alive", async () => {
    const c = connect({ serverHealthinessTimeoutMs: 300 });
    c.start();
    await c.whenSubscribed(5000);
    for (let i = 0; i < 6; i++) {
      server.last.call.write(Buffer.from(encodeCloudEventMessage(heartbeatMessage())));
      await Bun.sleep(100);
    }
    expect(server.streams).toHaveLength(1);
    expect(c.stats().closes.HealthinessTimeout).toBe(0);
  });

  test("Publish errors carry the server's gRPC code and message", async () => {
    const c = connect();
    c.start();
    const details = "failed to update resource: maestro-6: the resource version is not the latest, the latest version: 3";
    server.publishError = { code: grpc.status.UNKNOWN, details };
    const err = await c.publish(statusEvent).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PublishError);
    expect([(err as PublishError).grpcCode, (err as PublishError).details, (err as PublishError).isStaleVersion]).toEqual([2, details, true]);
    server.publishError = { code: grpc.status.INVALID_ARGUMENT, details: "maestro-8: manifests: Required value" };
    expect(((await c.publish(statusEvent).catch((e: unknown) => e)) as PublishError).grpcCode).toBe(3);
    server.publishError = undefined;
    await c.publish(statusEvent);
    expect(server.published).toHaveLength(3);
  });

  test("a server that goes away and comes back on the same port is resubscribed", async () => {
    const c = connect();
    c.start();
    await c.whenSubscribed(5000);
    const port = server.port;
    server.stop();
    await waitFor(() => c.state !== "subscribed", 5000);
    server = new FakeSourceServer();
    await server.start(port);
    await waitFor(() => server.streams.length === 1, 10_000);
    await c.whenSubscribed(5000);
    expect(c.stats().subscriptions).toBe(2);
  });

  test("close cancels the server-side stream", async () => {
    const c = connect();
    c.start();
    await c.whenSubscribed(5000);
    c.close();
    await waitFor(() => server.last.cancelled, 5000);
    expect(c.state).toBe("closed");
  });
});
