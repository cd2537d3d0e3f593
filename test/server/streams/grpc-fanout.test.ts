// Integration: a real grpc-js server (port 0) whose Subscribe opens registry streams through
// grpcSink, and real grpc-js clients. A subscriber that stops reading is closed with
// RESOURCE_EXHAUSTED while another receives every frame; shutdown, replace and cancel map to
// their gRPC statuses and close reasons.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import * as grpc from "@grpc/grpc-js";
import { encodeCloudEvent } from "../../../src/cloudevents/ocm-binding.ts";
import { decodeSubscriptionRequest } from "../../../src/cloudevents/proto-codec.ts";
import { encodeSubscriptionRequest } from "../../../src/cloudevents/proto-encode.ts";
import { SPEC_VERSION, type CloudEvent } from "../../../src/cloudevents/types.ts";
import { CloudEventClient, type GrpcCallError } from "../../../src/transport/grpc/client.ts";
import { SUBSCRIPTION_ID_HEADER, cloudEventServiceDefinition } from "../../../src/transport/grpc/service-definition.ts";
import { StreamRegistry, encodeHeartbeatFrame, grpcSink, type StreamHandle } from "../../../src/server/streams/mod.ts";
import { waitFor } from "../../support/wait.ts";
import { CapturingLogger } from "./fake-sink.ts";
import { ThrottleProxy } from "./throttle-proxy.ts";

/** Each client gets its own connection, so the stalled one cannot hold the others' HTTP/2 connection window. */
const ownConnection: grpc.ChannelOptions = { "grpc.use_local_subchannel_pool": 1 };

let server: grpc.Server;
let address: string;
let port: number;
let registry: StreamRegistry;
const handles = new Map<string, StreamHandle>();

beforeAll(async () => {
  // Small limits so a stalled client crosses them quickly: 256 KiB pending, count never the bound.
  registry = new StreamRegistry({ kind: "source", log: new CapturingLogger(), limits: { pendingBytesMax: 256 * 1024, pendingFramesMax: 1_000_000 } });
  server = new grpc.Server();
  server.addService(cloudEventServiceDefinition, {
    Publish: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => callback(null, Buffer.alloc(0)),
    Subscribe: (call: grpc.ServerWritableStream<Buffer, Buffer>) => {
      const request = decodeSubscriptionRequest(call.request);
      const id = crypto.randomUUID();
      const header = new grpc.Metadata();
      header.set(SUBSCRIPTION_ID_HEADER, id);
      call.sendMetadata(header);
      handles.set(id, registry.open(request.source, grpcSink(call), { id, peer: call.getPeer() }));
    },
  });
  port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  address = `127.0.0.1:${port}`;
});

afterAll(async () => {
  registry.closeAll("ServerShutdown");
  await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
});

function statusEvent(n: number, dataBytes: number): CloudEvent {
  const data = new TextEncoder().encode(JSON.stringify({ n, pad: "x".repeat(dataBytes) }));
  return { specversion: SPEC_VERSION, id: `event-${n}`, source: "test-agent", type: "io.open-cluster-management.works.v1alpha1.manifestbundles.status.update_request", extensions: {}, datacontenttype: "application/json", data };
}

function subscriber(source: string, via: string = address) {
  const client = new CloudEventClient(via, { channelOptions: ownConnection });
  const state = { id: undefined as string | undefined, events: [] as number[], end: undefined as GrpcCallError | undefined | null };
  const sub = client.subscribe(
    { source, clusterName: "", dataType: "" },
    {
      onHeader: (id) => (state.id = id),
      onEvent: (event) => state.events.push((JSON.parse(new TextDecoder().decode(event.data)) as { n: number }).n),
      onEnd: (err) => (state.end = err ?? null),
    },
  );
  return { client, sub, state };
}

describe("fanout over real gRPC streams", () => {
  test("a subscriber that stops reading is closed with RESOURCE_EXHAUSTED; the other receives every frame", async () => {
    // grpc-js clients buffer without limit when the application does not read, so the slow reader
    // is made at the TCP level: a proxy that stops forwarding, as a stuck network or peer would.
    const proxy = new ThrottleProxy(port);
    const slow = subscriber("src-slow-test", await proxy.listen());
    const fast = subscriber("src-slow-test");
    const other = subscriber("src-other");
    await waitFor(() => registry.streamsUnder("src-slow-test") === 2 && registry.has("src-other") && slow.state.id && fast.state.id);
    proxy.stall();
    // The producer runs as fast as the fast subscriber reads: 50 frames (~55 KB) at a time, then
    // it waits for that stream's queue to reach its transport. The stalled one only accumulates.
    const fastHandle = handles.get(fast.state.id!)!;
    const total = 3_000; // x ~1.1 KB: ~3.3 MB, far past the stalled stream's windows and 256 KiB bound
    for (let n = 0; n < total; n++) {
      registry.deliver("src-slow-test", encodeCloudEvent(statusEvent(n, 1_000)));
      if (n % 100 === 99) registry.deliver("src-other", encodeCloudEvent(statusEvent(n, 10)));
      if (n % 50 === 49) {
        registry.flush();
        expect(await fastHandle.flushed()).toBe(true);
      }
    }
    await waitFor(() => registry.recentCloses().some((r) => r.id === slow.state.id), 20_000);
    const record = registry.recentCloses().find((r) => r.id === slow.state.id)!;
    expect(record.reason).toBe("SlowConsumerPendingBytes");
    expect(record.detail).toMatch(/^slow consumer: \d+ bytes pending is over the limit of 262144 \(\d+ frames pending\)$/);
    expect(record.sentFrames).toBeLessThan(total / 2);

    await waitFor(() => fast.state.events.length === total, 30_000);
    expect(fast.state.events).toEqual(Array.from({ length: total }, (_, i) => i));
    await waitFor(() => other.state.events.length === total / 100, 10_000);
    expect(handles.get(fast.state.id!)!.closed).toBe(false);
    expect(fast.state.end).toBeUndefined();

    proxy.resume(); // the client reads what the transport still holds, then the trailing status
    await waitFor(() => slow.state.end !== undefined, 20_000);
    expect(slow.state.end?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(slow.state.end?.details).toBe(record.detail);
    expect(slow.state.events.length).toBeLessThan(total / 2);
    expect(slow.state.events).toEqual(Array.from({ length: slow.state.events.length }, (_, i) => i)); // a prefix, in order
    expect(registry.stats().closes.SlowConsumerPendingBytes).toBe(1);

    for (const s of [slow, fast, other]) {
      s.sub.cancel();
      s.client.close();
    }
    await proxy.close();
  });

  test("a client cancel unregisters the stream with ClientClosed", async () => {
    const sub = subscriber("src-cancel");
    await waitFor(() => sub.state.id && registry.has("src-cancel"));
    sub.sub.cancel();
    await waitFor(() => !registry.has("src-cancel"));
    expect(registry.recentCloses().find((r) => r.id === sub.state.id)?.reason).toBe("ClientClosed");
    sub.client.close();
  });

  test("Replaced ends the call with ABORTED; heartbeats reach an idle subscriber", async () => {
    const client = new CloudEventClient(address, { channelOptions: ownConnection });
    let heartbeats = 0;
    let end: GrpcCallError | undefined | null;
    let id: string | undefined;
    client.subscribe({ source: "src-replaced", clusterName: "", dataType: "" }, { onHeader: (h) => (id = h), onHeartbeat: () => heartbeats++, onEnd: (err) => (end = err ?? null) });
    await waitFor(() => id && registry.has("src-replaced"));
    registry.heartbeat(encodeHeartbeatFrame());
    await waitFor(() => heartbeats === 1);
    handles.get(id!)!.close("Replaced", "a newer stream for src-replaced took over");
    await waitFor(() => end !== undefined);
    expect(end?.code).toBe(grpc.status.ABORTED);
    expect(end?.details).toBe("a newer stream for src-replaced took over");
    client.close();
  });

  test("closeAll(ServerShutdown) ends open calls with UNAVAILABLE", async () => {
    const shutdownRegistry = new StreamRegistry({ kind: "agent", log: new CapturingLogger() });
    const local = new grpc.Server();
    local.addService(cloudEventServiceDefinition, {
      Publish: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => callback(null, Buffer.alloc(0)),
      Subscribe: (call: grpc.ServerWritableStream<Buffer, Buffer>) => {
        call.sendMetadata(new grpc.Metadata());
        shutdownRegistry.open(decodeSubscriptionRequest(call.request).clusterName, grpcSink(call), { id: crypto.randomUUID() });
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      local.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    const client = new CloudEventClient(`127.0.0.1:${port}`, { channelOptions: ownConnection });
    let end: GrpcCallError | undefined | null;
    client.subscribe({ source: "", clusterName: "cluster-1", dataType: "x.y.z" }, { onEnd: (err) => (end = err ?? null) });
    await waitFor(() => shutdownRegistry.has("cluster-1"));
    shutdownRegistry.closeAll("ServerShutdown");
    await waitFor(() => end !== undefined);
    expect(end?.code).toBe(grpc.status.UNAVAILABLE);
    client.close();
    await new Promise<void>((resolve) => local.tryShutdown(() => resolve()));
  });
});
