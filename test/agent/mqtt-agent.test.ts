// The real agent process in MQTT mode against a private Mosquitto, the test acting as the server:
// spec events in, statuses out with ce-* properties, both resyncs, outages and a late broker,
// junk, shared connections of simulated clusters, and TLS with client certificates.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createServer, connect as netConnect, type Server, type Socket } from "node:net";
import { connectAsync, type IPublishPacket, type MqttClient } from "mqtt";
import { readOptionalInteger, readOptionalString, stringAttr } from "../../src/cloudevents/attributes.ts";
import { parseJsonData } from "../../src/cloudevents/json-codec.ts";
import type { ManifestBundle, ManifestBundleStatus } from "../../src/cloudevents/manifest-bundle.ts";
import { Ext, type CloudEvent } from "../../src/cloudevents/types.ts";
import { parseBrokerConfig } from "../../src/transport/mqtt/broker-config.ts";
import { MqttCloudEventClient } from "../../src/transport/mqtt/client.ts";
import { startAgentProcess, type AgentProcess } from "../support/agent-process.ts";
import { deploymentBundle, sourceSpecEvent, statusResyncRequest } from "../support/events.ts";
import { makeTestPki, mosquittoSkipReason, mosquittoTlsSkipReason, reportSkip, startMosquitto, type MosquittoBroker, type TestPki } from "../support/mosquitto.ts";
import { waitFor } from "../support/wait.ts";

const skipPlain = reportSkip("MQTT agent tests through Mosquitto", mosquittoSkipReason);
const skipTls = reportSkip("MQTT agent TLS test", mosquittoTlsSkipReason);

const WAIT_MS = 20_000;
const TEST_TIMEOUT_MS = 60_000;
const SERVER_TOPICS = "topics:\n  sourceEvents: sources/maestro/consumers/+/sourceevents\n  agentEvents: sources/maestro/consumers/+/agentevents\n";

const sourceEvents = (cluster: string) => `sources/maestro/consumers/${cluster}/sourceevents`;
const agentEvents = (cluster: string) => `sources/maestro/consumers/${cluster}/agentevents`;

/** The agent's YAML as Maestro deploys it: topics naming its consumer (simulated clusters replace that segment). */
function agentYaml(brokerHost: string, consumer: string, extra = ""): string {
  return `brokerHost: ${brokerHost}\nkeepAlive: 5\ndialTimeout: 5s\n${extra}topics:\n  sourceEvents: ${sourceEvents(consumer)}\n  agentEvents: ${agentEvents(consumer)}\n`;
}

const configMapBundle = (name: string, value = "1"): ManifestBundle => ({ manifests: [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "default" }, data: { value } }] });

/** The test's server side: one MqttCloudEventClient on agentevents, recording what arrives. */
class FakeServer {
  readonly inbox: { topic: string; event: CloudEvent }[] = [];
  private constructor(readonly client: MqttCloudEventClient) {}

  static async start(yaml: string, clientId = "maestro-test-server"): Promise<FakeServer> {
    const client = await MqttCloudEventClient.connect(parseBrokerConfig(yaml), clientId, {}, { reconnectPeriodMs: 50 });
    const server = new FakeServer(client);
    client.onEvent((topic, event) => server.inbox.push({ topic, event }));
    await client.subscribe(["sources/maestro/consumers/+/agentevents"]);
    return server;
  }

  /** Received events of `action` (`spec.resync_request`, `status.update_request`…) for a cluster, optionally one resource. */
  received(cluster: string, action: string, id?: string): { topic: string; event: CloudEvent }[] {
    return this.inbox.filter(
      (r) => r.event.type.endsWith(`.${action}`) && readOptionalString(r.event, Ext.clusterName) === cluster && (id === undefined || readOptionalString(r.event, Ext.resourceId) === id),
    );
  }

  statuses(cluster: string, id: string): CloudEvent[] {
    return this.inbox
      .filter((r) => r.event.type.includes(".status.") && readOptionalString(r.event, Ext.clusterName) === cluster && readOptionalString(r.event, Ext.resourceId) === id)
      .map((r) => r.event);
  }

  async waitStatus(cluster: string, id: string, accept: (e: CloudEvent) => boolean = () => true): Promise<CloudEvent> {
    return waitFor(() => this.statuses(cluster, id).find(accept), WAIT_MS);
  }

  send(cluster: string, event: CloudEvent): Promise<void> {
    return this.client.publish(sourceEvents(cluster), event);
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

const spec = (cluster: string, id: string, version: number, bundle: ManifestBundle, action: "create_request" | "update_request" | "delete_request" = version === 1 ? "create_request" : "update_request") =>
  sourceSpecEvent({ action, source: "maestro", cluster, id, version, bundle });
const statusResync = (cluster: string, hashes: { resourceID: string; statusHash: string }[]): CloudEvent => {
  const event = statusResyncRequest("maestro", hashes);
  return { ...event, extensions: { ...event.extensions, [Ext.clusterName]: stringAttr(cluster) } };
};
const statusData = (e: CloudEvent) => parseJsonData(e.data!) as unknown as ManifestBundleStatus;
const hasCondition = (e: CloudEvent, type: string) => statusData(e).conditions?.some((c) => c.type === type && c.status === "True") === true;

/** Waits until the agent's clusters are subscribed (a spec published before that is not delivered). */
async function waitConnected(agent: AgentProcess, clusters: number): Promise<void> {
  await waitFor(async () => (await agent.metric("maestro_agent_clusters_connected")) === clusters, WAIT_MS);
}

/** A TCP gate in front of the broker: while shut, it refuses the agent's connections. */
async function startGate(targetPort: number): Promise<{ port: number; open: boolean; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const gate = { port: 0, open: true, close: async () => {} };
  const server: Server = createServer((client) => {
    if (!gate.open) {
      client.destroy();
      return;
    }
    const upstream = netConnect(targetPort, "127.0.0.1");
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    sockets.add(client);
    sockets.add(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    for (const s of [client, upstream]) {
      s.on("error", end);
      s.on("close", end);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  gate.port = (server.address() as { port: number }).port;
  gate.close = async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return gate;
}

describe.skipIf(skipPlain)("one simulated cluster through Mosquitto", () => {
  const cluster = "mq1";
  let broker: MosquittoBroker;
  let gate: Awaited<ReturnType<typeof startGate>>;
  let server: FakeServer;
  let agent: AgentProcess;

  beforeAll(async () => {
    broker = await startMosquitto();
    gate = await startGate(broker.port);
    server = await FakeServer.start(`brokerHost: ${broker.brokerHost}\n${SERVER_TOPICS}`);
    // The agent reaches the broker through the gate, so an outage test can hold it back.
    agent = await startAgentProcess({ mqttConfigYaml: agentYaml(`127.0.0.1:${gate.port}`, cluster), args: ["--simulate=1", `--consumer-prefix=${cluster}`, "--status-sync-interval=1s"] });
    await waitConnected(agent, 1);
  });
  afterAll(async () => {
    await agent?.dispose();
    await server?.close();
    await gate?.close();
    await broker?.dispose();
  });

  test("after connecting, the agent asks for its specs on its agentevents topic", async () => {
    const first = await waitFor(() => server.received(cluster, "spec.resync_request")[0], WAIT_MS);
    expect(first.topic).toBe(agentEvents(cluster));
    expect(first.event.source).toBe(`${cluster}-work-agent`);
    expect(readOptionalString(first.event, Ext.originalSource)).toBe("");
    expect(parseJsonData(first.event.data!)).toEqual({ resourceVersions: [] });
    expect(await agent.metric("maestro_agent_clusters_connected")).toBe(1);
    // Maestro's client id for the agent: <cloudevents-client-id>-client.
    expect(broker.log()).toContain(`as ${cluster}-work-agent-client`);
  }, TEST_TIMEOUT_MS);

  test("a spec create is applied and its status arrives in binary mode with every ce-* property", async () => {
    const raw: MqttClient = await connectAsync(`mqtt://${broker.brokerHost}`, { protocolVersion: 5, clientId: "raw-observer", clean: true, reconnectPeriod: 0 });
    const packets: IPublishPacket[] = [];
    raw.on("message", (_topic, _payload, packet) => packets.push(packet));
    await raw.subscribeAsync(agentEvents(cluster), { qos: 1 });
    const id = crypto.randomUUID();
    await server.send(cluster, spec(cluster, id, 1, configMapBundle("create")));
    const status = await server.waitStatus(cluster, id);
    expect(status.type).toEndWith(".status.update_request");
    expect(readOptionalInteger(status, Ext.resourceVersion)).toBe(1);
    expect(readOptionalString(status, Ext.originalSource)).toBe("maestro");
    expect(hasCondition(status, "Applied")).toBe(true);
    const packet = await waitFor(() => packets.find((p) => p.properties?.userProperties?.["ce-resourceid"] === id), WAIT_MS);
    await raw.endAsync();
    expect(packet.qos).toBe(1);
    expect(packet.properties?.contentType).toBe("application/json");
    const props = packet.properties!.userProperties!;
    expect(props).toMatchObject({ "ce-specversion": "1.0", "ce-source": `${cluster}-work-agent`, "ce-clustername": cluster, "ce-resourceversion": "1", "ce-originalsource": "maestro" });
    for (const key of ["ce-id", "ce-type", "ce-time", "ce-sequenceid", "ce-statushash", "ce-metadata", "ce-logtracing"]) expect(props[key]).toBeDefined();
  }, TEST_TIMEOUT_MS);

  test("a status resync request: an empty list re-sends every status, a stale hash only that one", async () => {
    const [a, b] = [crypto.randomUUID(), crypto.randomUUID()];
    await server.send(cluster, spec(cluster, a, 1, configMapBundle("a")));
    await server.send(cluster, spec(cluster, b, 1, configMapBundle("b")));
    const statusA = await server.waitStatus(cluster, a);
    const statusB = await server.waitStatus(cluster, b);
    const responses = (id: string) => server.received(cluster, "status.resync_response", id).length;
    const [beforeA, beforeB] = [responses(a), responses(b)];
    await server.send(cluster, statusResync(cluster, []));
    await waitFor(() => responses(a) > beforeA && responses(b) > beforeB, WAIT_MS);

    const [midA, midB] = [responses(a), responses(b)];
    const hashes = [
      { resourceID: a, statusHash: "stale" },
      { resourceID: b, statusHash: readOptionalString(statusB, Ext.statusHash)! },
    ];
    expect(readOptionalString(statusA, Ext.statusHash)).toBeDefined();
    await server.send(cluster, statusResync(cluster, hashes));
    await waitFor(() => responses(a) > midA, WAIT_MS);
    // A later spec's status is published after anything the resync queued, on the same topic.
    const barrier = crypto.randomUUID();
    await server.send(cluster, spec(cluster, barrier, 1, configMapBundle("barrier")));
    await server.waitStatus(cluster, barrier);
    expect(responses(b)).toBe(midB);
    expect(await agent.metric("maestro_agent_status_resync_requests_total")).toBeGreaterThanOrEqual(2);
  }, TEST_TIMEOUT_MS);

  test("an update and a delete", async () => {
    const id = crypto.randomUUID();
    await server.send(cluster, spec(cluster, id, 1, configMapBundle("upd", "1")));
    await server.waitStatus(cluster, id);
    await server.send(cluster, spec(cluster, id, 2, configMapBundle("upd", "2")));
    await server.waitStatus(cluster, id, (e) => readOptionalInteger(e, Ext.resourceVersion) === 2);
    await server.send(cluster, sourceSpecEvent({ action: "delete_request", source: "maestro", cluster, id, version: 2 }));
    await server.waitStatus(cluster, id, (e) => hasCondition(e, "Deleted"));
  }, TEST_TIMEOUT_MS);

  test("junk is dropped and counted: no ce-specversion, bad JSON, another cluster's spec; the agent keeps working", async () => {
    const raw = await connectAsync(`mqtt://${broker.brokerHost}`, { protocolVersion: 5, clientId: "raw-junk", clean: true, reconnectPeriod: 0 });
    const topic = sourceEvents(cluster);
    await raw.publishAsync(topic, Buffer.from("{}"), { qos: 1, properties: { contentType: "application/json", userProperties: { "ce-id": "x", "ce-type": "t" } } });
    await raw.publishAsync(topic, Buffer.from("{not json"), { qos: 1, properties: { contentType: "application/cloudevents+json" } });
    const badData = { ...spec(cluster, crypto.randomUUID(), 1, configMapBundle("x")), data: new TextEncoder().encode("{not json") };
    await server.send(cluster, badData);
    await server.send(cluster, spec("someone-else", crypto.randomUUID(), 1, configMapBundle("y")));
    await raw.endAsync();
    const dropped = (reason: string) => agent.metric(`maestro_agent_messages_dropped_total{reason="${reason}"}`);
    await waitFor(async () => (await dropped("malformed")) === 2 && (await dropped("invalid")) === 1 && (await dropped("cluster_mismatch")) === 1, WAIT_MS);
    expect(agent.records().some((r) => r.msg === "dropped a message" && r.reason === "malformed")).toBe(true);
    const id = crypto.randomUUID();
    await server.send(cluster, spec(cluster, id, 1, configMapBundle("after-junk")));
    await server.waitStatus(cluster, id);
  }, TEST_TIMEOUT_MS);

  test("a Mosquitto stop/start: the agent resyncs and a status that changed during the outage arrives", async () => {
    const id = crypto.randomUUID();
    const createdAt = Date.now();
    // A Deployment becomes ready 2 s after creation in a simulated cluster: its status changes
    // while the broker is down.
    await server.send(cluster, spec(cluster, id, 1, deploymentBundle("outage")));
    const before = await server.waitStatus(cluster, id);
    gate.open = false;
    await broker.stop();
    await waitFor(async () => (await agent.metric("maestro_agent_clusters_connected")) === 0, WAIT_MS);
    const hashesBefore = new Set(server.statuses(cluster, id).map((e) => readOptionalString(e, Ext.statusHash)));
    const resyncsBefore = server.received(cluster, "spec.resync_request").length;
    // The outage lasts past the Deployment's readiness plus a status-sync tick.
    await waitFor(() => Date.now() > createdAt + 3_500, WAIT_MS, 100);
    await broker.start();
    // The server side is back and subscribed before the agent may reconnect, so nothing the
    // agent sends on reconnect can be missed.
    await waitFor(() => server.client.connected, WAIT_MS);
    gate.open = true;
    await waitFor(() => server.received(cluster, "spec.resync_request").length > resyncsBefore, WAIT_MS);
    const after = await server.waitStatus(cluster, id, (e) => !hashesBefore.has(readOptionalString(e, Ext.statusHash)));
    expect(readOptionalString(after, Ext.statusHash)).not.toBe(readOptionalString(before, Ext.statusHash));
    expect(await agent.metric("maestro_agent_clusters_connected")).toBe(1);
  }, TEST_TIMEOUT_MS);
});

describe.skipIf(skipPlain)("several simulated clusters sharing MQTT connections", () => {
  const clusters = ["mqm-1", "mqm-2", "mqm-3", "mqm-4"];
  let broker: MosquittoBroker;
  let server: FakeServer;
  let agent: AgentProcess;

  beforeAll(async () => {
    broker = await startMosquitto();
    server = await FakeServer.start(`brokerHost: ${broker.brokerHost}\n${SERVER_TOPICS}`);
    // The YAML names one cluster; each simulated cluster gets its own consumer segment.
    agent = await startAgentProcess({
      mqttConfigYaml: agentYaml(broker.brokerHost, "mqm-1"),
      args: [`--simulate=${clusters.length}`, "--consumer-prefix=mqm", "--clusters-per-connection=3", "--status-sync-interval=1s"],
    });
    await waitConnected(agent, clusters.length);
  });
  afterAll(async () => {
    await agent?.dispose();
    await server?.close();
    await broker?.dispose();
  });

  test("every cluster resyncs on its own topic; two connections with unique client ids", async () => {
    for (const cluster of clusters) {
      const request = await waitFor(() => server.received(cluster, "spec.resync_request")[0], WAIT_MS);
      expect(request.topic).toBe(agentEvents(cluster));
      expect(request.event.source).toBe(`${cluster}-work-agent`);
    }
    await waitFor(async () => (await agent.metric("maestro_agent_clusters_connected")) === clusters.length, WAIT_MS);
    expect(broker.log()).toContain("as mqm-1-to-mqm-3-work-agent-client");
    expect(broker.log()).toContain("as mqm-4-work-agent-client");
  }, TEST_TIMEOUT_MS);

  test("specs reach the right cluster on either connection, and statuses come back on its topic", async () => {
    const ids = new Map(clusters.map((c) => [c, crypto.randomUUID()]));
    for (const [cluster, id] of ids) await server.send(cluster, spec(cluster, id, 1, configMapBundle(`cm-${cluster}`)));
    for (const [cluster, id] of ids) {
      await server.waitStatus(cluster, id);
      const [received] = server.received(cluster, "status.update_request", id);
      expect(received!.topic).toBe(agentEvents(cluster));
    }
    expect(await agent.metric('manifestworks_processed_total{action="apply"}')).toBe(clusters.length);
  }, TEST_TIMEOUT_MS);

  test("a spec on another cluster's topic is dropped and counted; a status resync reaches only its cluster", async () => {
    const stray = crypto.randomUUID();
    // mqm-2's spec published on mqm-1's topic: same connection, wrong cluster.
    await server.client.publish(sourceEvents("mqm-1"), spec("mqm-2", stray, 1, configMapBundle("stray")));
    await waitFor(async () => (await agent.metric('maestro_agent_messages_dropped_total{reason="cluster_mismatch"}')) === 1, WAIT_MS);
    expect(server.statuses("mqm-2", stray)).toEqual([]);
    expect(server.statuses("mqm-1", stray)).toEqual([]);
    const before = server.received("mqm-3", "status.resync_response").length;
    const others = clusters.filter((c) => c !== "mqm-3").map((c) => server.received(c, "status.resync_response").length);
    await server.send("mqm-3", statusResync("mqm-3", []));
    await waitFor(() => server.received("mqm-3", "status.resync_response").length > before, WAIT_MS);
    const id = crypto.randomUUID();
    await server.send("mqm-1", spec("mqm-1", id, 1, configMapBundle("after-resync")));
    await server.waitStatus("mqm-1", id);
    expect(clusters.filter((c) => c !== "mqm-3").map((c) => server.received(c, "status.resync_response").length)).toEqual(others);
  }, TEST_TIMEOUT_MS);
});

describe.skipIf(skipPlain)("an agent started before its broker is reachable", () => {
  const cluster = "mqlate";
  let broker: MosquittoBroker;
  let gate: Awaited<ReturnType<typeof startGate>>;
  let server: FakeServer;
  let agent: AgentProcess;

  beforeAll(async () => {
    broker = await startMosquitto();
    gate = await startGate(broker.port);
    gate.open = false;
    server = await FakeServer.start(`brokerHost: ${broker.brokerHost}\n${SERVER_TOPICS}`);
    agent = await startAgentProcess({ mqttConfigYaml: agentYaml(`127.0.0.1:${gate.port}`, cluster), args: ["--simulate=1", `--consumer-prefix=${cluster}`, "--status-sync-interval=1s"] });
  });
  afterAll(async () => {
    await agent?.dispose();
    await server?.close();
    await gate?.close();
    await broker?.dispose();
  });

  test("it keeps trying, then connects and resyncs", async () => {
    await waitFor(() => agent.records().some((r) => r.msg === "cannot connect to the MQTT broker; retrying"), WAIT_MS);
    expect(await agent.metric("maestro_agent_clusters_connected")).toBe(0);
    gate.open = true;
    await waitConnected(agent, 1);
    await waitFor(() => server.received(cluster, "spec.resync_request").length > 0, WAIT_MS);
  }, TEST_TIMEOUT_MS);
});

describe.skipIf(skipTls)("TLS 1.3 with client certificates", () => {
  const cluster = "mqtls";
  let pki: TestPki;
  let broker: MosquittoBroker;
  let server: FakeServer;
  let agent: AgentProcess;

  beforeAll(async () => {
    pki = await makeTestPki();
    broker = await startMosquitto({ tls: { caFile: pki.caFile, certFile: pki.serverCertFile, keyFile: pki.serverKeyFile } });
    const tls = `caFile: ${pki.caFile}\nclientCertFile: ${pki.clientCertFile}\nclientKeyFile: ${pki.clientKeyFile}\n`;
    server = await FakeServer.start(`brokerHost: ${broker.brokerHost}\n${tls}${SERVER_TOPICS}`);
    agent = await startAgentProcess({ mqttConfigYaml: agentYaml(broker.brokerHost, cluster, tls), args: [`--consumer-prefix=${cluster}`, "--simulate=1", "--status-sync-interval=1s"] });
    await waitConnected(agent, 1);
  });
  afterAll(async () => {
    await agent?.dispose();
    await server?.close();
    await broker?.dispose();
    pki?.dispose();
  });

  test("the agent connects with its certificate, resyncs, applies and reports", async () => {
    await waitFor(() => server.received(cluster, "spec.resync_request").length > 0, WAIT_MS);
    const id = crypto.randomUUID();
    await server.send(cluster, spec(cluster, id, 1, configMapBundle("tls")));
    const status = await server.waitStatus(cluster, id);
    expect(hasCondition(status, "Applied")).toBe(true);
  }, TEST_TIMEOUT_MS);
});
