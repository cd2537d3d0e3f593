// The real server process in MQTT mode through a private Mosquitto, the test playing the agent
// with its own MQTT clients: specs on the consumer's sourceevents topic (ce-* properties), statuses
// and spec resyncs on agentevents, status resync requests after (re)connects, malformed messages
// dropped and counted while the server keeps going, redelivery, a broker outage and a restart.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectAsync, type IPublishPacket, type MqttClient } from "mqtt";
import { readInteger, readOptionalString, readString } from "../../src/cloudevents/attributes.ts";
import { consumerTopic, encodeMqttMessage } from "../../src/cloudevents/mqtt-binding.ts";
import { parseStatusResyncRequest } from "../../src/cloudevents/resync-codec.ts";
import { EMPTY_STATUS_HASH, workStatusHash } from "../../src/cloudevents/status-hash.ts";
import { Ext, type CloudEvent, type JsonObject } from "../../src/cloudevents/types.ts";
import { parseBrokerConfig } from "../../src/transport/mqtt/broker-config.ts";
import { MqttCloudEventClient } from "../../src/transport/mqtt/client.ts";
import { CloudEventClient } from "../../src/transport/grpc/client.ts";
import { createScratchDatabase, storeKind } from "../support/database.ts";
import { agentStatusEvent, appliedStatus, sourceSpecEvent, specResyncRequest } from "../support/events.ts";
import { mosquittoSkipReason, reportSkip, startMosquitto, type MosquittoBroker } from "../support/mosquitto.ts";
import { MANIFEST_BUNDLES, Recorder, action } from "../support/recorder.ts";
import { startServerProcess, type ServerProcess } from "../support/server-process.ts";
import { waitFor } from "../support/wait.ts";

const skip = reportSkip("the server's MQTT mode through Mosquitto", mosquittoSkipReason);

const SOURCE_EVENTS = "sources/maestro/consumers/+/sourceevents";
const AGENT_EVENTS = "sources/maestro/consumers/+/agentevents";
const CLUSTER = "mqtt-cluster";
const OTHER = "mqtt-other";
const SOURCE = "mqtt-source";
const TEST_TIMEOUT_MS = 45_000;

interface Received {
  readonly topic: string;
  readonly event: CloudEvent;
}

interface RawMessage {
  readonly topic: string;
  readonly packet: IPublishPacket;
}

/** Reads one sample of the Prometheus text, e.g. `maestro_mqtt_messages_dropped_total{reason="malformed"}`; 0 when absent. */
function sample(text: string, series: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

describe.skipIf(skip)(`the server in MQTT mode through Mosquitto (${storeKind})`, () => {
  let broker: MosquittoBroker;
  let dir: string;
  let yamlPath: string;
  let storeArgs: string[];
  let dropStore: (() => Promise<void>) | undefined;
  let server: ServerProcess;
  let agent: MqttCloudEventClient;
  let raw: MqttClient;
  let sourceClient: CloudEventClient;
  let src: Recorder;
  const received: Received[] = [];
  const rawMessages: RawMessage[] = [];

  const serverArgs = () => [
    ...storeArgs,
    "--message-broker-type=mqtt",
    `--message-broker-config-file=${yamlPath}`,
    "--undelivered-resource-threshold=1",
    "--undelivered-check-interval=1s",
  ];
  const rest = async (path: string, init?: RequestInit) => {
    const res = await fetch(`${server.rest}/api/maestro/v1${path}`, init);
    return { status: res.status, body: (await res.json()) as JsonObject & Record<string, any> };
  };
  const metrics = async () => (await fetch(`${server.metrics}/metrics`)).text();
  const waitForEvent = (pred: (r: Received) => boolean, from = 0, timeoutMs = 15_000) => waitFor(() => received.slice(from).find(pred), timeoutMs);
  const typeIs = (r: Received, suffix: string) => r.event.type === `${MANIFEST_BUNDLES}.${suffix}`;
  const about = (r: Received, id: string) => readOptionalString(r.event, Ext.resourceId) === id;
  const resyncRequestFor = (cluster: string) => (r: Received) => typeIs(r, "status.resync_request") && readOptionalString(r.event, Ext.clusterName) === cluster;

  beforeAll(async () => {
    broker = await startMosquitto();
    dir = mkdtempSync(join(tmpdir(), "maestro-mqtt-server-"));
    yamlPath = join(dir, "broker.yaml");
    const yaml = `brokerHost: ${broker.brokerHost}\nkeepAlive: 5\ndialTimeout: 5s\ntopics:\n  sourceEvents: ${SOURCE_EVENTS}\n  agentEvents: ${AGENT_EVENTS}\n`;
    writeFileSync(yamlPath, yaml);
    const scratch = await createScratchDatabase();
    // A store that outlives one server process, for the restart test.
    storeArgs = scratch ? [`--db-url=${scratch.url}`] : [`--db-data-dir=${join(dir, "pglite")}`];
    dropStore = scratch?.drop;
    server = await startServerProcess(serverArgs());
    for (const name of [CLUSTER, OTHER]) {
      expect((await rest("/consumers", { method: "POST", body: JSON.stringify({ name }) })).status).toBe(201);
    }
    const config = parseBrokerConfig(yaml);
    agent = await MqttCloudEventClient.connect(config, `${CLUSTER}-work-agent-client`, {}, { reconnectPeriodMs: 100 });
    agent.onEvent((topic, event) => received.push({ topic, event }));
    await agent.subscribe([consumerTopic(SOURCE_EVENTS, CLUSTER), consumerTopic(SOURCE_EVENTS, OTHER)]);
    raw = await connectAsync({ host: "127.0.0.1", port: broker.port, protocolVersion: 5, clientId: "raw-test-client", clean: true, reconnectPeriod: 100 });
    raw.on("message", (topic, _payload, packet) => rawMessages.push({ topic, packet }));
    await raw.subscribeAsync({ [SOURCE_EVENTS]: { qos: 1 } });
    sourceClient = new CloudEventClient(server.grpc);
    src = await Recorder.source(sourceClient, SOURCE);
  }, 60_000);

  afterAll(async () => {
    src?.cancel();
    sourceClient?.close();
    await agent?.close();
    await raw?.endAsync(true).catch(() => undefined);
    if (server?.proc.exitCode === null) await server.stop("SIGKILL");
    await dropStore?.();
    await broker?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const id = crypto.randomUUID();
  let lastStatusHash = "";

  test("the agent broker port stays closed; the serving line names the MQTT broker", () => {
    expect(server.serving.grpcBroker).toBeNull();
    expect(server.serving.mqtt).toBe(broker.brokerHost);
    expect(typeof server.serving.grpc).toBe("number");
  });

  test("a create over gRPC arrives on the consumer's sourceevents topic, binary mode with ce-* properties", async () => {
    await sourceClient.publish(sourceSpecEvent({ action: "create_request", source: SOURCE, cluster: CLUSTER, id, version: 0, labels: { app: "web" } }));
    const spec = await waitForEvent((r) => about(r, id) && typeIs(r, "spec.create_request"));
    expect(spec.topic).toBe(`sources/maestro/consumers/${CLUSTER}/sourceevents`);
    expect(spec.event.source).toBe("maestro");
    expect(readInteger(spec.event, Ext.resourceVersion)).toBe(1);
    expect(readString(spec.event, Ext.clusterName)).toBe(CLUSTER);
    expect(JSON.parse(readString(spec.event, Ext.metadata)).name).toBe(id);
    const wire = await waitFor(() => rawMessages.find((m) => m.packet.properties?.userProperties?.["ce-resourceid"] === id));
    expect(wire.topic).toBe(`sources/maestro/consumers/${CLUSTER}/sourceevents`);
    expect(wire.packet.qos).toBe(1);
    expect(wire.packet.properties?.contentType).toBe("application/json");
    const props = wire.packet.properties!.userProperties!;
    expect(props["ce-specversion"]).toBe("1.0");
    expect(props["ce-type"]).toBe(`${MANIFEST_BUNDLES}.spec.create_request`);
    expect(props["ce-source"]).toBe("maestro");
    expect(props["ce-resourceversion"]).toBe("1");
    expect(props["ce-clustername"]).toBe(CLUSTER);
    expect(JSON.parse(Buffer.from(wire.packet.payload as Buffer).toString("utf8")).manifests).toHaveLength(1);
  }, TEST_TIMEOUT_MS);

  test("a status on agentevents reaches the source stream and REST", async () => {
    const status = appliedStatus({ generation: 1 });
    const event = agentStatusEvent({ cluster: CLUSTER, id, version: 1, status });
    await agent.publish(consumerTopic(AGENT_EVENTS, CLUSTER), event);
    const relayed = await src.waitFor((e) => readOptionalString(e, Ext.resourceId) === id && e.id === event.id);
    expect(action(relayed)).toBe("status.update_request");
    expect(relayed.source).toBe(`${CLUSTER}-work-agent`);
    expect(readString(relayed, Ext.statusHash)).toBe(workStatusHash(status));
    const rb = await waitFor(async () => {
      const r = await rest(`/resource-bundles/${id}`);
      return r.body.status?.ObservedVersion === 1 ? r : undefined;
    });
    expect(rb.body.status.SequenceID).toBe(readString(event, Ext.sequenceId));
    lastStatusHash = workStatusHash(status);
  }, TEST_TIMEOUT_MS);

  test("a spec resync request from the agent is answered on its sourceevents topic", async () => {
    const unknown = crypto.randomUUID();
    const mark = received.length;
    await agent.publish(consumerTopic(AGENT_EVENTS, CLUSTER), specResyncRequest(CLUSTER, [{ resourceID: id, resourceVersion: 0 }, { resourceID: unknown, resourceVersion: 3 }]));
    const answer = await waitForEvent((r) => about(r, id) && typeIs(r, "spec.resync_response"), mark);
    expect(readInteger(answer.event, Ext.resourceVersion)).toBe(1);
    expect(answer.event.data).toBeDefined();
    const del = await waitForEvent((r) => about(r, unknown) && typeIs(r, "spec.resync_response"), mark);
    expect(del.event.source).toBe("maestro");
    // Maestro's MQTT source client echoes the version the agent reported (maestro-wire.md 3.1).
    expect(readInteger(del.event, Ext.resourceVersion)).toBe(3);
    expect(del.event.extensions[Ext.deletionTimestamp]?.kind).toBe("timestamp");
    expect(del.event.data).toBeUndefined();
  }, TEST_TIMEOUT_MS);

  test("malformed messages, bad JSON, foreign types and statuses on another consumer's topic are dropped and counted", async () => {
    const topic = consumerTopic(AGENT_EVENTS, CLUSTER);
    // No ce-specversion and no structured content type: not a CloudEvent.
    await raw.publishAsync(topic, Buffer.from("{}"), { qos: 1, properties: { userProperties: { "ce-id": "x", "ce-type": "t" } } });
    // A binary-mode status whose data is not JSON.
    const bad = encodeMqttMessage(agentStatusEvent({ cluster: CLUSTER, id, version: 1, status: appliedStatus({ generation: 1, replicas: 5 }) }));
    await raw.publishAsync(topic, Buffer.from("{not json"), { qos: 1, properties: { contentType: bad.contentType!, userProperties: bad.userProperties } });
    // A spec event is not something agents send.
    await agent.publish(topic, sourceSpecEvent({ action: "create_request", source: SOURCE, cluster: CLUSTER, id: crypto.randomUUID(), version: 0 }));
    // A status of CLUSTER published on OTHER's topic.
    const foreign = agentStatusEvent({ cluster: CLUSTER, id, version: 1, status: appliedStatus({ generation: 1, replicas: 7 }) });
    await agent.publish(consumerTopic(AGENT_EVENTS, OTHER), foreign);
    await waitFor(async () => {
      const text = await metrics();
      return ["malformed", "invalid", "unsupported_type", "wrong_topic"].every((reason) => sample(text, `maestro_mqtt_messages_dropped_total{reason="${reason}"}`) >= 1);
    });
    expect(server.logs.some((l) => l.includes("dropped a message from an agent") && l.includes('"reason":"malformed"') && l.includes(topic))).toBe(true);
    // The server keeps going: a newer valid status is stored; the foreign one never was.
    const status = appliedStatus({ generation: 1, replicas: 2 });
    await agent.publish(topic, agentStatusEvent({ cluster: CLUSTER, id, version: 1, status }));
    await waitFor(async () => (await rest(`/resource-bundles/${id}`)).body.status?.resourceStatus?.[0]?.statusFeedback?.values?.[0]?.fieldValue?.integer === 2);
    expect(src.about(id).some((e) => e.id === foreign.id)).toBe(false);
    lastStatusHash = workStatusHash(status);
    const text = await metrics();
    expect(sample(text, 'maestro_mqtt_messages_received_total{kind="status_update"}')).toBeGreaterThanOrEqual(2);
    expect(sample(text, 'maestro_mqtt_messages_received_total{kind="spec_resync_request"}')).toBe(1);
  }, TEST_TIMEOUT_MS);

  const pending = crypto.randomUUID();

  test("redelivery re-publishes a spec no agent confirmed (every consumer counts as reachable)", async () => {
    const mark = received.length;
    await sourceClient.publish(sourceSpecEvent({ action: "create_request", source: SOURCE, cluster: OTHER, id: pending, version: 0 }));
    await waitFor(() => received.slice(mark).filter((r) => about(r, pending) && typeIs(r, "spec.create_request")).length >= 2, 15_000);
  }, TEST_TIMEOUT_MS);

  test("after a Mosquitto restart: a bundle created during the outage arrives, and every consumer gets a status resync request", async () => {
    const mark = received.length;
    await broker.stop();
    const during = crypto.randomUUID();
    await sourceClient.publish(sourceSpecEvent({ action: "create_request", source: SOURCE, cluster: CLUSTER, id: during, version: 0 }));
    await broker.start();
    const resync = await waitForEvent(resyncRequestFor(CLUSTER), mark, 20_000);
    expect(resync.event.source).toBe("maestro");
    expect(readString(resync.event, Ext.originalSource)).toBe("");
    const hashes = new Map(parseStatusResyncRequest(resync.event.data!).statusHashes.map((h) => [h.resourceID, h.statusHash]));
    expect(hashes.get(id)).toBe(lastStatusHash);
    const other = await waitForEvent(resyncRequestFor(OTHER), mark, 20_000);
    expect(parseStatusResyncRequest(other.event.data!).statusHashes).toEqual([{ resourceID: pending, statusHash: EMPTY_STATUS_HASH }]);
    await waitForEvent((r) => about(r, during) && typeIs(r, "spec.create_request"), mark, 20_000);
    // The run is counted once every request was acknowledged, which can be after the agent got them.
    await waitFor(async () => sample(await metrics(), 'maestro_mqtt_status_resync_runs_total{outcome="done"}') >= 2);
    expect(sample(await metrics(), 'cloudevents_client_reconnected_total{client_id="maestro"}')).toBeGreaterThanOrEqual(1);
  }, TEST_TIMEOUT_MS);

  test("a restarted server sends status resync requests as soon as it has subscribed", async () => {
    expect(await server.stop()).toBe(0);
    const mark = received.length;
    src.cancel();
    sourceClient.close();
    server = await startServerProcess(serverArgs());
    const resync = await waitForEvent(resyncRequestFor(CLUSTER), mark, 20_000);
    expect(parseStatusResyncRequest(resync.event.data!).statusHashes.map((h) => h.resourceID)).toContain(id);
    await waitFor(async () => sample(await metrics(), 'maestro_mqtt_messages_published_total{kind="status_resync_request"}') >= 2);
    sourceClient = new CloudEventClient(server.grpc);
    src = await Recorder.source(sourceClient, SOURCE);
    // Still serving: a status after the restart is stored.
    await agent.publish(consumerTopic(AGENT_EVENTS, CLUSTER), agentStatusEvent({ cluster: CLUSTER, id, version: 1, status: appliedStatus({ generation: 1, replicas: 3 }) }));
    await waitFor(async () => (await rest(`/resource-bundles/${id}`)).body.status?.resourceStatus?.[0]?.statusFeedback?.values?.[0]?.fieldValue?.integer === 3);
  }, TEST_TIMEOUT_MS);
});
