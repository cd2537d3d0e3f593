// The agent's broker connection against a small grpc-js server: it subscribes with its cluster
// name, reports each (re)connect, drops heartbeats, and reconnects with backoff when the server
// ends the stream or goes silent past the healthiness timeout.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import * as grpc from "@grpc/grpc-js";
import { stringAttr } from "../../src/cloudevents/attributes.ts";
import { encodeCloudEvent, heartbeatMessage } from "../../src/cloudevents/ocm-binding.ts";
import { decodeSubscriptionRequest } from "../../src/cloudevents/proto-codec.ts";
import { encodeCloudEventMessage, encodeEmpty } from "../../src/cloudevents/proto-encode.ts";
import type { CloudEvent } from "../../src/cloudevents/types.ts";
import { AgentConnection } from "../../src/agent/agent-connection.ts";
import { CloudEventClient } from "../../src/transport/grpc/client.ts";
import { SUBSCRIPTION_ID_HEADER, cloudEventServiceDefinition } from "../../src/transport/grpc/service-definition.ts";
import { MANIFEST_BUNDLES } from "../support/recorder.ts";
import { waitFor } from "../support/wait.ts";

type Call = grpc.ServerWritableStream<Buffer, Buffer>;
const subscriptions: { clusterName: string; dataType: string; call: Call }[] = [];
let server: grpc.Server;
let client: CloudEventClient;

const specEvent: CloudEvent = { specversion: "1.0", id: "e1", source: "maestro", type: `${MANIFEST_BUNDLES}.spec.create_request`, extensions: { resourceid: stringAttr("r1") } };

beforeAll(async () => {
  server = new grpc.Server();
  server.addService(cloudEventServiceDefinition, {
    Publish: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => cb(null, Buffer.from(encodeEmpty())),
    Subscribe: (call: Call) => {
      const req = decodeSubscriptionRequest(call.request);
      const md = new grpc.Metadata();
      md.set(SUBSCRIPTION_ID_HEADER, `sub-${subscriptions.length}`);
      call.sendMetadata(md);
      subscriptions.push({ clusterName: req.clusterName, dataType: req.dataType, call });
    },
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  client = new CloudEventClient(`127.0.0.1:${port}`);
});
afterAll(() => {
  client.close();
  server.forceShutdown();
});

describe("AgentConnection", () => {
  test("subscribes with its cluster, reports connects and events, drops heartbeats, reconnects after the server ends the stream", async () => {
    const events: CloudEvent[] = [];
    let connects = 0;
    const connection = new AgentConnection({
      client,
      clusterName: "conn-1",
      backoff: { initialDelayMs: 20, maxDelayMs: 100, factor: 2, jitter: 0.5 },
      handlers: { onConnected: () => connects++, onEvent: (e) => events.push(e) },
    });
    const before = subscriptions.length;
    connection.start();
    await waitFor(() => connects === 1);
    const first = subscriptions[before]!;
    expect(first).toMatchObject({ clusterName: "conn-1", dataType: MANIFEST_BUNDLES });
    expect(connection.connected).toBe(true);
    first.call.write(Buffer.from(encodeCloudEventMessage(heartbeatMessage())));
    first.call.write(Buffer.from(encodeCloudEvent(specEvent)));
    await waitFor(() => events.length === 1);
    expect(events[0]!.id).toBe("e1");
    first.call.end();
    await waitFor(() => connects === 2);
    expect(connection.reconnects).toBe(1);
    expect(subscriptions.length).toBe(before + 2);
    connection.close();
    expect(connection.connected).toBe(false);
  });

  test("a silent server past serverHealthinessTimeout forces a reconnect; heartbeats keep it alive", async () => {
    let connects = 0;
    const connection = new AgentConnection({
      client,
      clusterName: "conn-2",
      serverHealthinessTimeoutMs: 300,
      backoff: { initialDelayMs: 20, maxDelayMs: 50, factor: 2, jitter: 0.5 },
      handlers: { onConnected: () => connects++, onEvent: () => {} },
    });
    connection.start();
    await waitFor(() => connects === 1);
    const sub = subscriptions.at(-1)!;
    const beat = setInterval(() => sub.call.write(Buffer.from(encodeCloudEventMessage(heartbeatMessage()))), 100);
    await Bun.sleep(700); // absence check: with heartbeats every 100 ms, no reconnect may happen
    expect(connects).toBe(1);
    clearInterval(beat);
    await waitFor(() => connects === 2, 5_000);
    connection.close();
  });
});
