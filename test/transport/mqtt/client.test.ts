// The MQTT CloudEvents client against a real Mosquitto: binary-mode wire shape and QoS 1,
// malformed messages, limits, broker outages (resubscribe, queued publishes), TLS client certs.

import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { connectAsync, type IPublishPacket, type MqttClient } from "mqtt";
import { consumerTopic, decodeMqttMessage, topicConsumer } from "../../../src/cloudevents/mqtt-binding.ts";
import type { CloudEvent } from "../../../src/cloudevents/types.ts";
import { ErrorCode, type MaestroError } from "../../../src/errors.ts";
import { parseBrokerConfig, type MqttBrokerConfig } from "../../../src/transport/mqtt/broker-config.ts";
import { MqttCloudEventClient, MqttTransportError, type MqttClientHandlers, type MqttClientOptions } from "../../../src/transport/mqtt/client.ts";
import { makeTestPki, mosquittoSkipReason, mosquittoTlsSkipReason, reportSkip, startMosquitto, type MosquittoBroker, type TestPki } from "../../support/mosquitto.ts";
import { waitFor } from "../../support/wait.ts";

const skipPlain = reportSkip("MQTT client tests through Mosquitto", mosquittoSkipReason);
const skipTls = reportSkip("MQTT TLS client tests", mosquittoTlsSkipReason);

const SOURCE_EVENTS = "sources/maestro/consumers/+/sourceevents";
const TYPE = "io.open-cluster-management.works.v1alpha1.manifestbundles.spec.create_request";
const TEST_TIMEOUT_MS = 30_000;

function configYaml(brokerHost: string, extra = ""): MqttBrokerConfig {
  return parseBrokerConfig(`brokerHost: ${brokerHost}
dialTimeout: 5s
keepAlive: 5
${extra}topics:
  sourceEvents: ${SOURCE_EVENTS}
  agentEvents: sources/maestro/consumers/+/agentevents
`);
}

let eventSeq = 0;
function specEvent(data = '{"manifests":[]}'): CloudEvent {
  eventSeq++;
  return {
    specversion: "1.0",
    id: `00000000-0000-4000-8000-${String(eventSeq).padStart(12, "0")}`,
    source: "maestro",
    type: TYPE,
    datacontenttype: "application/json",
    time: { seconds: 1765864817, nanos: 771003000 + eventSeq },
    extensions: {
      resourceid: { kind: "string", value: "55c61e54-a3f6-563d-9fec-b1fe297bdfdb" },
      resourceversion: { kind: "integer", value: eventSeq },
      clustername: { kind: "string", value: "cluster1" },
      originalsource: { kind: "string", value: "" },
    },
    data: new TextEncoder().encode(data),
  };
}

/** Clients opened by a test, closed after it. */
const opened: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const c of opened.splice(0)) await c.close();
});

async function open(config: MqttBrokerConfig, clientId: string, handlers: MqttClientHandlers = {}, options: MqttClientOptions = {}): Promise<MqttCloudEventClient> {
  const client = await MqttCloudEventClient.connect(config, clientId, handlers, { reconnectPeriodMs: 100, ...options });
  opened.push(client);
  return client;
}

/** A plain mqtt.js v5 client, to see the wire and to send messages our client would never send. */
async function rawClient(broker: MosquittoBroker, clientId: string): Promise<MqttClient> {
  const raw = await connectAsync(`mqtt://${broker.brokerHost}`, { protocolVersion: 5, clientId, clean: true, reconnectPeriod: 0 });
  opened.push({ close: () => raw.endAsync() });
  return raw;
}

/** Records what one client sees. */
function recorder() {
  const events: { topic: string; event: CloudEvent }[] = [];
  const malformed: { topic: string; error: MaestroError }[] = [];
  const connects: boolean[] = [];
  let disconnects = 0;
  const handlers: MqttClientHandlers = { onConnect: (again) => connects.push(again), onDisconnect: () => disconnects++ };
  return {
    events,
    malformed,
    connects,
    handlers,
    get disconnects() {
      return disconnects;
    },
    attach(client: MqttCloudEventClient) {
      client.onEvent((topic, event) => events.push({ topic, event }));
      client.onMalformed((topic, error) => malformed.push({ topic, error }));
    },
    ids: () => events.map((e) => e.event.id),
  };
}

async function rejection(promise: Promise<unknown>): Promise<MqttTransportError> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(MqttTransportError);
  return err as MqttTransportError;
}

describe.skipIf(skipPlain)("MQTT client through Mosquitto", () => {
  let broker: MosquittoBroker;
  let config: MqttBrokerConfig;
  beforeAll(async () => {
    if (skipPlain) return;
    broker = await startMosquitto();
    config = configYaml(broker.brokerHost);
  });
  afterAll(() => broker?.dispose());

  test("publishes in binary mode with exactly ce-* user properties at QoS 1; a subscriber decodes the same event", async () => {
    const raw = await rawClient(broker, "observer");
    const packets: IPublishPacket[] = [];
    raw.on("message", (_topic, _payload, packet) => packets.push(packet));
    await raw.subscribeAsync(SOURCE_EVENTS, { qos: 1 });
    const seen = recorder();
    const subscriber = await open(config, "subscriber", seen.handlers);
    seen.attach(subscriber);
    await subscriber.subscribe([SOURCE_EVENTS]);
    expect(seen.connects).toEqual([false]);
    const publisher = await open(config, "publisher");
    const evt = specEvent();
    await publisher.publish(consumerTopic(SOURCE_EVENTS, "cluster1"), evt);

    await waitFor(() => packets.length === 1 && seen.events.length === 1, 5_000);
    const packet = packets[0]!;
    expect(packet.qos).toBe(1);
    expect(packet.topic).toBe("sources/maestro/consumers/cluster1/sourceevents");
    expect(packet.properties?.contentType).toBe("application/json");
    const props = packet.properties?.userProperties ?? {};
    expect(Object.keys(props).sort()).toEqual(["ce-clustername", "ce-id", "ce-originalsource", "ce-resourceid", "ce-resourceversion", "ce-source", "ce-specversion", "ce-time", "ce-type"]);
    expect(props["ce-resourceversion"]).toBe(String(evt.extensions.resourceversion!.value));
    expect(props["ce-time"]).toMatch(/^2025-12-16T06:00:17\.\d+Z$/);
    expect(new Uint8Array(packet.payload as Buffer)).toEqual(new Uint8Array(evt.data!));
    expect(decodeMqttMessage({ payload: packet.payload as Buffer, contentType: packet.properties?.contentType, userProperties: props })).toEqual(evt);
    expect(seen.events[0]!.topic).toBe("sources/maestro/consumers/cluster1/sourceevents");
    expect(seen.events[0]!.event).toEqual(evt);
  }, TEST_TIMEOUT_MS);

  test("a $share/<group>/ subscription (the server's agentEvents) receives with the plain topic, which names the consumer", async () => {
    const shared = "$share/statussubscribers/sources/maestro/consumers/+/agentevents";
    const seen = recorder();
    const server = await open(config, "maestro-shared");
    seen.attach(server);
    await server.subscribe([shared]);
    const agent = await open(config, "cluster-7-work-agent-client");
    const status = { ...specEvent(), type: "io.open-cluster-management.works.v1alpha1.manifestbundles.status.update_request" };
    await agent.publish("sources/maestro/consumers/cluster-7/agentevents", status);
    await waitFor(() => seen.events.length === 1, 5_000);
    expect(seen.events[0]!.topic).toBe("sources/maestro/consumers/cluster-7/agentevents");
    expect(topicConsumer(shared, seen.events[0]!.topic)).toBe("cluster-7");
    expect(seen.events[0]!.event).toEqual(status);
  }, TEST_TIMEOUT_MS);

  test("malformed messages go to onMalformed, are dropped, and the client keeps receiving", async () => {
    const seen = recorder();
    const client = await open(config, "receiver");
    seen.attach(client);
    await client.subscribe([SOURCE_EVENTS]);
    const raw = await rawClient(broker, "mischief");
    const topic = consumerTopic(SOURCE_EVENTS, "cluster1");
    await raw.publishAsync(topic, Buffer.from("{}"), { qos: 1, properties: { contentType: "application/json", userProperties: { "ce-id": "x", "ce-source": "s", "ce-type": "t" } } });
    await raw.publishAsync(topic, Buffer.from("{not json"), { qos: 1, properties: { contentType: "application/cloudevents+json" } });
    await raw.publishAsync(topic, Buffer.from("{}"), { qos: 1, properties: { userProperties: { "ce-specversion": "1.0", "ce-id": "x", "ce-source": "s", "ce-type": "t", "ce-resourceversion": "many" } } });
    const good = specEvent();
    await (await open(config, "sender")).publish(topic, good);

    await waitFor(() => seen.malformed.length === 3 && seen.events.length === 1, 5_000);
    expect(seen.malformed.map((m) => m.error.code)).toEqual([ErrorCode.BadRequest, ErrorCode.BadRequest, ErrorCode.BadRequest]);
    expect(seen.malformed[0]!.error.reason).toContain("unknown message encoding");
    expect(seen.malformed[1]!.error.reason).toContain("invalid cloudevent JSON");
    expect(seen.malformed[2]!.error.reason).toContain("ce-resourceversion");
    expect(seen.malformed.every((m) => m.topic === topic)).toBe(true);
    expect(seen.ids()).toEqual([good.id]);
  }, TEST_TIMEOUT_MS);

  test("an event over the packet limit and an event the binding cannot encode are refused before sending", async () => {
    const client = await open(config, "big", {}, { publishBytesMax: 64 * 1024 });
    const topic = consumerTopic(SOURCE_EVENTS, "cluster1");
    expect((await rejection(client.publish(topic, specEvent(`"${"x".repeat(70 * 1024)}"`)))).code).toBe("PublishTooLarge");
    const bad = { ...specEvent(), extensions: { big: { kind: "integer", value: 2 ** 40 } } } as const;
    const err = await client.publish(topic, bad).then(() => undefined, (e: unknown) => e);
    expect((err as MaestroError).code).toBe(ErrorCode.BadRequest);
    await client.publish(topic, specEvent());
    expect(client.stats).toEqual({ queued: 0, queuedBytes: 0, inflight: 0 });
  }, TEST_TIMEOUT_MS);

  test("close rejects later calls with Closed and is idempotent", async () => {
    const client = await MqttCloudEventClient.connect(config, "closer");
    await client.close();
    await client.close();
    expect((await rejection(client.publish(consumerTopic(SOURCE_EVENTS, "c1"), specEvent()))).code).toBe("Closed");
    expect((await rejection(client.subscribe([SOURCE_EVENTS]))).code).toBe("Closed");
    expect(client.connected).toBe(false);
  }, TEST_TIMEOUT_MS);

  test("connecting to a port where nothing listens fails fast with ConnectFailed", async () => {
    const dead = configYaml("127.0.0.1:1");
    const err = await rejection(MqttCloudEventClient.connect(dead, "nobody"));
    expect(err.code).toBe("ConnectFailed");
    expect(err.message).toContain("127.0.0.1:1");
  }, TEST_TIMEOUT_MS);
});

describe.skipIf(skipPlain)("MQTT client across a broker outage", () => {
  let broker: MosquittoBroker;
  let config: MqttBrokerConfig;
  beforeAll(async () => {
    if (skipPlain) return;
    broker = await startMosquitto();
    config = configYaml(broker.brokerHost);
  });
  afterAll(() => broker?.dispose());

  test("subscriptions are restored after Mosquitto stop/start, and a publish made during the outage is delivered after it", async () => {
    const topic = consumerTopic(SOURCE_EVENTS, "cluster1");
    const self = recorder();
    const a = await open(config, "publisher-and-subscriber", self.handlers);
    self.attach(a);
    await a.subscribe([SOURCE_EVENTS]);
    const other = recorder();
    const c = await open(config, "subscriber-only", other.handlers);
    other.attach(c);
    await c.subscribe([SOURCE_EVENTS]);

    await broker.stop();
    await waitFor(() => self.disconnects === 1 && other.disconnects === 1, 10_000);
    expect(a.connected).toBe(false);
    let settled = false;
    const during = specEvent();
    const pending = a.publish(topic, during).finally(() => (settled = true));
    expect(a.stats.queued).toBe(1);

    await broker.start();
    await pending; // resolved by the PUBACK of the new connection
    expect(settled).toBe(true);
    await waitFor(() => self.ids().includes(during.id), 10_000); // a resubscribed before sending its queue
    await waitFor(() => c.connected && other.connects.length === 2, 10_000);
    expect(self.connects).toEqual([false, true]);
    expect(other.connects).toEqual([false, true]);

    const after = specEvent();
    await (await open(config, "late-publisher")).publish(topic, after);
    await waitFor(() => other.ids().includes(after.id) && self.ids().includes(after.id), 10_000);
  }, TEST_TIMEOUT_MS);

  test("during an outage a full queue refuses at once and queued publishes time out; the client recovers", async () => {
    const seen = recorder();
    const client = await open(config, "impatient", seen.handlers, { publishTimeoutMs: 300, publishQueueMax: 2 });
    const topic = consumerTopic(SOURCE_EVENTS, "cluster1");
    await broker.stop();
    await waitFor(() => seen.disconnects === 1, 10_000);
    const first = client.publish(topic, specEvent());
    const second = client.publish(topic, specEvent());
    expect((await rejection(client.publish(topic, specEvent()))).code).toBe("PublishQueueFull");
    const started = Date.now();
    expect((await rejection(first)).code).toBe("PublishTimeout");
    expect((await rejection(second)).code).toBe("PublishTimeout");
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(client.stats).toEqual({ queued: 0, queuedBytes: 0, inflight: 0 });

    await broker.start();
    await waitFor(() => client.connected, 10_000);
    await client.publish(topic, specEvent());
  }, TEST_TIMEOUT_MS);

  test("a publish in flight when the broker dies is resent by the next connection and resolves on its PUBACK", async () => {
    const seen = recorder();
    const client = await open(config, "in-flight", seen.handlers);
    broker.signal("SIGSTOP"); // the broker takes the bytes (kernel buffer) but never answers
    const pending = client.publish(consumerTopic(SOURCE_EVENTS, "cluster1"), specEvent());
    expect(client.stats.inflight).toBe(1);
    await broker.crash();
    await waitFor(() => seen.disconnects === 1, 10_000);
    expect(client.stats.inflight).toBe(1); // still owned by mqtt.js's store, not failed
    await broker.start();
    await pending;
    expect(client.stats).toEqual({ queued: 0, queuedBytes: 0, inflight: 0 });
  }, TEST_TIMEOUT_MS);

  test("a publish never acknowledged times out; its packet id stays taken until the late PUBACK", async () => {
    const client = await open(config, "unacked", {}, { publishTimeoutMs: 300, publishInflightMax: 1 });
    const topic = consumerTopic(SOURCE_EVENTS, "cluster1");
    broker.signal("SIGSTOP");
    let next: Promise<void> | undefined;
    try {
      const err = await rejection(client.publish(topic, specEvent()));
      expect(err.code).toBe("PublishTimeout");
      expect(err.message).toContain("not acknowledged");
      expect(client.stats.inflight).toBe(1); // abandoned, but its packet id is still on the wire
      next = client.publish(topic, specEvent());
      expect(client.stats).toMatchObject({ queued: 1, inflight: 1 }); // the window of 1 is still full
    } finally {
      broker.signal("SIGCONT");
    }
    await next; // sent only after the late PUBACK freed the window
    expect(client.stats).toEqual({ queued: 0, queuedBytes: 0, inflight: 0 });
  }, TEST_TIMEOUT_MS);

  test("a timed-out publish is dropped from mqtt.js's store when the connection dies, not resent", async () => {
    const seen = recorder();
    const observer = recorder();
    const watcher = await open(config, "watcher", observer.handlers);
    observer.attach(watcher);
    await watcher.subscribe([SOURCE_EVENTS]);
    // The dropper reconnects well after the watcher, so a resent message would reach the watcher.
    const client = await open(config, "dropper", seen.handlers, { publishTimeoutMs: 300, reconnectPeriodMs: 1_000 });
    const topic = consumerTopic(SOURCE_EVENTS, "cluster1");
    broker.signal("SIGSTOP");
    const lost = specEvent();
    expect((await rejection(client.publish(topic, lost))).code).toBe("PublishTimeout");
    await broker.crash();
    await waitFor(() => seen.disconnects === 1 && client.stats.inflight === 0, 10_000);
    await broker.start();
    await waitFor(() => client.connected && watcher.connected, 10_000);
    const marker = specEvent();
    await client.publish(topic, marker);
    await waitFor(() => observer.ids().includes(marker.id), 10_000);
    expect(observer.ids()).not.toContain(lost.id);
  }, TEST_TIMEOUT_MS);

  test("close during an outage rejects queued publishes with Closed", async () => {
    const seen = recorder();
    const client = await MqttCloudEventClient.connect(config, "quitter", seen.handlers, { reconnectPeriodMs: 100 });
    await broker.stop();
    await waitFor(() => seen.disconnects === 1, 10_000);
    const queued = client.publish(consumerTopic(SOURCE_EVENTS, "cluster1"), specEvent());
    await client.close();
    expect((await rejection(queued)).code).toBe("Closed");
    await broker.start();
  }, TEST_TIMEOUT_MS);
});

describe.skipIf(skipTls)("MQTT client over TLS 1.3 with client certificates", () => {
  let pki: TestPki;
  let broker: MosquittoBroker;
  beforeAll(async () => {
    if (skipTls) return;
    pki = await makeTestPki();
    broker = await startMosquitto({ tls: { caFile: pki.caFile, certFile: pki.serverCertFile, keyFile: pki.serverKeyFile, requireCertificate: true } });
  });
  afterAll(async () => {
    await broker?.dispose();
    pki?.dispose();
  });

  test("a client with the CA and its certificate publishes and receives", async () => {
    const config = configYaml(broker.brokerHost, `caFile: ${pki.caFile}\nclientCertFile: ${pki.clientCertFile}\nclientKeyFile: ${pki.clientKeyFile}\n`);
    const seen = recorder();
    const client = await open(config, "tls-client");
    seen.attach(client);
    await client.subscribe([SOURCE_EVENTS]);
    const evt = specEvent();
    await client.publish(consumerTopic(SOURCE_EVENTS, "cluster1"), evt);
    await waitFor(() => seen.events.length === 1, 5_000);
    expect(seen.events[0]!.event).toEqual(evt);
  }, TEST_TIMEOUT_MS);

  test("clients without a certificate, with a stranger's certificate, or without the CA are refused", async () => {
    const cases: [string, string][] = [
      ["no-cert", `caFile: ${pki.caFile}\n`],
      ["stranger", `caFile: ${pki.caFile}\nclientCertFile: ${pki.strangerCertFile}\nclientKeyFile: ${pki.strangerKeyFile}\n`],
      ["no-ca", `clientCertFile: ${pki.clientCertFile}\nclientKeyFile: ${pki.clientKeyFile}\n`],
    ];
    for (const [name, extra] of cases) {
      const err = await rejection(MqttCloudEventClient.connect(configYaml(broker.brokerHost, extra), name));
      expect(err.code).toBe("ConnectFailed");
    }
  }, TEST_TIMEOUT_MS);
});
