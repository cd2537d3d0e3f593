// Slow-consumer test against the real server process (STYLE 17, 29): one subscriber stops
// reading (a TCP proxy stops forwarding server -> client bytes), the others of the same key keep
// receiving everything in order; the stalled stream is closed with RESOURCE_EXHAUSTED and a
// slow-consumer detail once it reads again, the close is counted in /metrics and logged, and a
// new subscription plus a resync gives the stalled client everything it missed. Both ports: agent
// streams of one cluster on the broker, source streams of one source on the source port.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import * as grpc from "@grpc/grpc-js";
import { readInteger, readOptionalString } from "../../src/cloudevents/attributes.ts";
import type { ManifestBundle } from "../../src/cloudevents/manifest-bundle.ts";
import { Ext, type CloudEvent } from "../../src/cloudevents/types.ts";
import { CloudEventClient } from "../../src/transport/grpc/client.ts";
import { createScratchDatabase, storeKind } from "../support/database.ts";
import { agentStatusEvent, appliedStatus, sourceSpecEvent, specResyncRequest, statusResyncRequest } from "../support/events.ts";
import { Recorder, action } from "../support/recorder.ts";
import { startServerProcess, type ServerProcess } from "../support/server-process.ts";
import { waitFor } from "../support/wait.ts";
import { ThrottleProxy } from "./streams/throttle-proxy.ts";

const cluster = "slow-cluster";
const otherCluster = "slow-other-cluster";
const pacedCluster = "slow-paced-cluster";
const source = "slow-source";
/** The server's per-stream bound: small, so a stalled stream crosses it after a few hundred KB. */
const pendingBytesMax = 262_144;
/** Bundles published to `cluster`: 300 x ~10 KB = ~3 MB, far past the stalled stream's HTTP/2 windows, kernel buffers and bound. */
const bundlesCount = 300;
const blobBytes = 10_000;

/** Each client gets its own connection, so the stalled one cannot hold the others' HTTP/2 connection window. */
const ownConnection: grpc.ChannelOptions = { "grpc.use_local_subchannel_pool": 1 };

let server: ServerProcess;
let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
const clients: CloudEventClient[] = [];
const proxies: ThrottleProxy[] = [];
let sourceClient: CloudEventClient;
let agentClient: CloudEventClient;

const client = (address: string) => {
  const c = new CloudEventClient(address, { channelOptions: ownConnection });
  clients.push(c);
  return c;
};
const portOf = (address: string) => Number(address.split(":").at(-1));

beforeAll(async () => {
  scratch = await createScratchDatabase();
  const store = scratch ? [`--db-url=${scratch.url}`] : ["--db-data-dir=memory://"];
  server = await startServerProcess([...store, `--subscriber-pending-bytes-max=${pendingBytesMax}`]);
  sourceClient = client(server.grpc);
  agentClient = client(server.grpcBroker);
  for (const name of [cluster, otherCluster, pacedCluster]) {
    const created = await fetch(`${server.rest}/api/maestro/v1/consumers`, { method: "POST", body: JSON.stringify({ name }) });
    expect(created.status).toBe(201);
  }
});

afterAll(async () => {
  for (const c of clients) c.close();
  for (const p of proxies) await p.close();
  await server?.stop("SIGKILL");
  await scratch?.drop();
});

/** A ~10 KB bundle: one ConfigMap carrying a blob, numbered so each spec is distinct. */
function bigBundle(n: number): ManifestBundle {
  return {
    manifests: [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `blob-${n}`, namespace: "default" }, data: { n: String(n), blob: "x".repeat(blobBytes) } }],
    deleteOption: { propagationPolicy: "Foreground" },
  };
}

async function metricsText(): Promise<string> {
  return (await fetch(`${server.metrics}/metrics`)).text();
}

/** The value of one sample, e.g. `sample(text, 'maestro_grpc_streams{kind="agent"}')`; 0 when absent. */
function sample(text: string, series: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

const idOf = (e: CloudEvent) => readOptionalString(e, Ext.resourceId) ?? "";
const slowDetail = new RegExp(`^slow consumer: \\d+ bytes pending is over the limit of ${pendingBytesMax} \\(\\d+ frames pending\\)$`);

/** The server's "stream closed: slow consumer" log records for a registry key. */
function slowConsumerLogs(key: string): Record<string, unknown>[] {
  return server.logs
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        return undefined;
      }
    })
    .filter((r): r is Record<string, unknown> => r !== undefined && r.msg === "stream closed: slow consumer" && r.key === key);
}

/** Ids published to `cluster`, in publish (= commit = delivery) order. */
const published: string[] = [];

describe(`slow agent stream on the broker port (${storeKind})`, () => {
  let proxy: ThrottleProxy;
  let proxied: string;
  let fast: Recorder;
  let slow: Recorder;
  let other: Recorder;
  const otherPublished: string[] = [];

  test("a stalled agent stream is closed as a slow consumer while the other agent of the cluster gets every spec, in order", async () => {
    proxy = new ThrottleProxy(portOf(server.grpcBroker));
    proxies.push(proxy);
    proxied = await proxy.listen();
    fast = await Recorder.agent(agentClient, cluster);
    slow = await Recorder.agent(client(proxied), cluster);
    other = await Recorder.agent(client(server.grpcBroker), otherCluster);
    expect(sample(await metricsText(), 'maestro_grpc_streams{kind="agent"}')).toBe(3);
    proxy.stall();

    // One publisher, each Publish answered before the next: the commit order is the publish order,
    // so the fast subscriber must see exactly this sequence. Each spec reaches the fast agent
    // before the next is published, also while the stalled stream is still open and filling up:
    // nothing waits for the stalled one.
    for (let n = 0; n < bundlesCount; n++) {
      const id = crypto.randomUUID();
      await sourceClient.publish(sourceSpecEvent({ action: "create_request", source, cluster, id, version: 0, bundle: bigBundle(n) }));
      published.push(id);
      await waitFor(() => fast.events.length === published.length, 10_000, 1);
      if (n % 30 === 0) {
        const otherId = crypto.randomUUID();
        await sourceClient.publish(sourceSpecEvent({ action: "create_request", source, cluster: otherCluster, id: otherId, version: 0, bundle: bigBundle(n) }));
        otherPublished.push(otherId);
      }
    }

    await waitFor(async () => sample(await metricsText(), 'maestro_grpc_stream_closes_total{kind="agent",reason="SlowConsumerPendingBytes"}') === 1, 20_000);
    await waitFor(() => fast.events.length >= published.length, 20_000);
    expect(fast.events.map(idOf)).toEqual(published);
    expect(fast.events.every((e) => action(e) === "spec.create_request" && readInteger(e, Ext.resourceVersion) === 1)).toBe(true);
    await waitFor(() => other.events.length >= otherPublished.length, 10_000);
    expect(other.events.map(idOf)).toEqual(otherPublished);
    expect(fast.ended).toBeUndefined();
    expect(other.ended).toBeUndefined();
    const text = await metricsText();
    expect(sample(text, 'maestro_grpc_streams{kind="agent"}')).toBe(2);
    expect(sample(text, 'maestro_grpc_stream_closes_total{kind="agent",reason="SlowConsumerPendingCount"}')).toBe(0);
    expect(sample(text, 'maestro_grpc_stream_closes_total{kind="agent",reason="WriteDeadline"}')).toBe(0);
    expect(sample(text, 'maestro_grpc_stream_shard_overflows_total{kind="agent"}')).toBe(0);
  });

  test("once it reads again, the stalled stream ends with RESOURCE_EXHAUSTED and a slow-consumer detail, after an in-order prefix", async () => {
    proxy.resume();
    await waitFor(() => slow.ended !== undefined, 20_000);
    expect(slow.ended!.error?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(slow.ended!.error?.details).toMatch(slowDetail);
    // It got a prefix of the sequence (what the transport held when it stalled), nothing out of order.
    expect(slow.events.length).toBeLessThan(published.length / 2);
    expect(slow.events.map(idOf)).toEqual(published.slice(0, slow.events.length));
    const logged = slowConsumerLogs(cluster);
    expect(logged.length).toBe(1);
    expect(logged[0]!.id).toBe(slow.header);
    expect(logged[0]!.reason).toBe("SlowConsumerPendingBytes");
    expect(logged[0]!.detail).toBe(slow.ended!.error?.details);
  });

  test("the stalled client subscribes again and its spec resync gives it exactly what it missed", async () => {
    // Through the same (now forwarding) proxy, on a new connection, as a reconnecting agent would.
    const again = await Recorder.agent(client(proxied), cluster);
    const held = slow.events.map((e) => ({ resourceID: idOf(e), resourceVersion: readInteger(e, Ext.resourceVersion) }));
    await agentClient.publish(specResyncRequest(cluster, held));
    // The answer is handed to the streams before the resync Publish returns; a create published
    // afterwards is queued behind it on every stream of the cluster and marks its end.
    const marker = crypto.randomUUID();
    await sourceClient.publish(sourceSpecEvent({ action: "create_request", source, cluster, id: marker, version: 0, bundle: bigBundle(-1) }));
    await again.waitFor((e) => idOf(e) === marker, 20_000);
    const answer = again.events.slice(0, again.events.findIndex((e) => idOf(e) === marker));
    expect(answer.every((e) => action(e) === "spec.resync_response")).toBe(true);
    expect(answer.map(idOf).sort()).toEqual(published.slice(slow.events.length).sort());
    expect(again.ended).toBeUndefined();
    again.cancel();
  });
});

describe(`slow source stream on the source port (${storeKind})`, () => {
  let proxy: ThrottleProxy;
  let proxied: string;
  let fast: Recorder;
  let slow: Recorder;

  test("a stalled source stream is closed as a slow consumer while the other stream of the source gets every status, in order", async () => {
    proxy = new ThrottleProxy(portOf(server.grpc));
    proxies.push(proxy);
    proxied = await proxy.listen();
    fast = await Recorder.source(sourceClient, source);
    slow = await Recorder.source(client(proxied), source);
    expect(sample(await metricsText(), `grpc_server_registered_source_clients{source="${source}"}`)).toBe(2);
    proxy.stall();

    // The agent reports a status for every bundle, one after the other; each status relayed to the
    // source carries the ~10 KB spec bundle, so the stalled stream fills as on the broker port.
    for (const id of published) {
      await agentClient.publish(agentStatusEvent({ cluster, id, version: 1, status: appliedStatus({ generation: 1 }) }));
      await waitFor(() => fast.events.length === published.indexOf(id) + 1, 10_000, 1);
    }
    await waitFor(async () => sample(await metricsText(), 'maestro_grpc_stream_closes_total{kind="source",reason="SlowConsumerPendingBytes"}') === 1, 20_000);
    expect(fast.events.map(idOf)).toEqual(published);
    expect(fast.events.every((e) => action(e) === "status.update_request")).toBe(true);
    expect(fast.ended).toBeUndefined();
    const text = await metricsText();
    expect(sample(text, `grpc_server_registered_source_clients{source="${source}"}`)).toBe(1);
    expect(sample(text, 'maestro_grpc_stream_closes_total{kind="source",reason="WriteDeadline"}')).toBe(0);
  });

  test("once it reads again, the stalled source stream ends with RESOURCE_EXHAUSTED after an in-order prefix", async () => {
    proxy.resume();
    await waitFor(() => slow.ended !== undefined, 20_000);
    expect(slow.ended!.error?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(slow.ended!.error?.details).toMatch(slowDetail);
    expect(slow.events.length).toBeLessThan(published.length / 2);
    expect(slow.events.map(idOf)).toEqual(published.slice(0, slow.events.length));
    expect(slowConsumerLogs(source).map((r) => r.id)).toEqual([slow.header]);
  });

  test("the stalled source subscribes again and a status resync gives it every status once", async () => {
    const again = await Recorder.source(client(proxied), source);
    await sourceClient.publish(statusResyncRequest(source, []));
    // As on the broker port: a status committed after the resync Publish returned marks the end of the answer.
    const marker = crypto.randomUUID();
    await sourceClient.publish(sourceSpecEvent({ action: "create_request", source, cluster, id: marker, version: 0, bundle: bigBundle(-2) }));
    await agentClient.publish(agentStatusEvent({ cluster, id: marker, version: 1, status: appliedStatus({ generation: 1 }) }));
    await again.waitFor((e) => idOf(e) === marker, 20_000);
    const answer = again.events.slice(0, again.events.findIndex((e) => idOf(e) === marker));
    expect(answer.every((e) => action(e).startsWith("status."))).toBe(true);
    // Every resource of the source that has a status: the bundles (the broker test's marker has none).
    expect(answer.map(idOf).sort()).toEqual([...published].sort());
    expect(again.ended).toBeUndefined();
    again.cancel();
  });
});

describe("afterwards", () => {
  test("the server is healthy and only the two stalled streams were closed as slow consumers", async () => {
    expect((await fetch(`${server.health}/healthcheck`)).status).toBe(200);
    const text = await metricsText();
    expect(sample(text, 'maestro_grpc_stream_closes_total{kind="agent",reason="SlowConsumerPendingBytes"}')).toBe(1);
    expect(sample(text, 'maestro_grpc_stream_closes_total{kind="source",reason="SlowConsumerPendingBytes"}')).toBe(1);
  });
});

// KNOWN SERVER BUG (reported, not fixed here): paced deliveries (a spec resync answer, a status
// resync answer, a redelivery batch) wait after each quarter of the pending bound until EVERY
// stream of the key has flushed (StreamRegistry.deliverPaced -> flushed(key)). A stalled stream
// that is still under its bound never flushes, so the other streams of the key stop receiving the
// answer and the resync Publish hangs until the stalled one is closed by something else (write
// deadline 60 s checked on heartbeats, or keepalive). This test pins it and fails until fixed.
describe(`a stalled stream does not hold up a resync answer for the other streams of its key (${storeKind})`, () => {
  test("the fast agent's spec resync completes and delivers everything while another stream of the cluster is stalled", async () => {
    const proxy = new ThrottleProxy(portOf(server.grpcBroker));
    proxies.push(proxy);
    const fastClient = client(server.grpcBroker);
    const fast = await Recorder.agent(fastClient, pacedCluster);
    const slow = await Recorder.agent(client(await proxy.listen()), pacedCluster);
    proxy.stall();
    // Publish until the stalled stream's transport is full and frames wait in its outbound queue
    // (well under the bound), and until the cluster holds more than a pacing chunk (bound / 4).
    const ids: string[] = [];
    while (ids.length < 8 || sample(await metricsText(), 'maestro_grpc_stream_pending_bytes{kind="agent"}') === 0) {
      const id = crypto.randomUUID();
      await sourceClient.publish(sourceSpecEvent({ action: "create_request", source, cluster: pacedCluster, id, version: 0, bundle: bigBundle(ids.length) }));
      ids.push(id);
      await waitFor(() => fast.events.length === ids.length, 10_000, 1);
      // The transport takes ~20 frames before frames queue; the loop stops at the first queued one,
      // far under the 256 KiB bound minus one 64 KiB pacing chunk.
      expect(ids.length).toBeLessThan(40);
    }
    expect(slow.ended).toBeUndefined();
    const before = fast.events.length;
    await fastClient.publish(specResyncRequest(pacedCluster, []), 5_000);
    await waitFor(() => fast.events.length >= before + ids.length, 5_000);
    expect(fast.events.slice(before).map(idOf).sort()).toEqual([...ids].sort());
    proxy.resume();
  });
});
