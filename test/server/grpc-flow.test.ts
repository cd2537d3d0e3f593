// End to end with the real server process on loopback ports: a source publishes, an agent on
// the broker port receives and reports status, the source receives the status, REST shows it;
// update, stale update, delete and the final Deleted status, as maestro-wire.md 7 describes.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readInteger, readOptionalString, readString, readTime } from "../../src/cloudevents/attributes.ts";
import { parseJsonData } from "../../src/cloudevents/json-codec.ts";
import { Ext, type JsonObject } from "../../src/cloudevents/types.ts";
import { CloudEventClient } from "../../src/transport/grpc/client.ts";
import { storeKind } from "../support/database.ts";
import { agentStatusEvent, appliedStatus, deploymentBundle, sourceSpecEvent } from "../support/events.ts";
import { Recorder, action } from "../support/recorder.ts";
import { startIsolatedServer, type IsolatedServer } from "../support/server-process.ts";
import { waitFor } from "../support/wait.ts";

let server: IsolatedServer;
let sourceClient: CloudEventClient;
let agentClient: CloudEventClient;
const cluster = "flow-cluster";
const source = "flow-source";

beforeAll(async () => {
  server = await startIsolatedServer();
  sourceClient = new CloudEventClient(server.grpc);
  agentClient = new CloudEventClient(server.grpcBroker);
  const created = await fetch(`${server.rest}/api/maestro/v1/consumers`, { method: "POST", body: JSON.stringify({ name: cluster }) });
  expect(created.status).toBe(201);
});
afterAll(async () => {
  sourceClient?.close();
  agentClient?.close();
  await server?.dispose();
});

const rest = async (path: string) => {
  const res = await fetch(`${server.rest}/api/maestro/v1${path}`);
  return { status: res.status, body: (await res.json()) as JsonObject & Record<string, any> };
};

describe(`create -> status -> update -> delete through the real server (${storeKind})`, () => {
  const id = crypto.randomUUID();
  let agent: Recorder;
  let src: Recorder;
  /** The work metadata of the create the agent received. */
  let meta: JsonObject;

  test("both streams get the subscription-id header at once", async () => {
    agent = await Recorder.agent(agentClient, cluster);
    src = await Recorder.source(sourceClient, source);
    expect(agent.header).toMatch(/^[0-9a-f-]{36}$/);
    expect(src.header).toMatch(/^[0-9a-f-]{36}$/);
    expect(agent.header).not.toBe(src.header);
  });

  test("create: the agent receives the spec event with every attribute of section 2.2", async () => {
    const published = sourceSpecEvent({ action: "create_request", source, cluster, id, version: 0, labels: { app: "web" } });
    await sourceClient.publish(published);
    const spec = await agent.waitFor((e) => readOptionalString(e, Ext.resourceId) === id);
    expect(spec.source).toBe("maestro");
    expect(action(spec)).toBe("spec.create_request");
    expect(spec.id).toBe(published.id);
    expect(spec.datacontenttype).toBe("application/json");
    expect(readString(spec, Ext.clusterName)).toBe(cluster);
    expect(readInteger(spec, Ext.resourceVersion)).toBe(1);
    expect(spec.extensions[Ext.resourceVersion]?.kind).toBe("integer");
    expect(readString(spec, Ext.originalSource)).toBe("");
    expect(readString(spec, Ext.logTracing)).toBe("{}");
    meta = JSON.parse(readString(spec, Ext.metadata)) as JsonObject;
    expect(meta.name).toBe(id);
    expect(meta.labels).toEqual({ app: "web" });
    expect(String(meta.creationTimestamp)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(spec.extensions[Ext.deletionTimestamp]).toBeUndefined();
    expect(parseJsonData(spec.data!)).toEqual(deploymentBundle() as unknown as JsonObject);
  });

  test("status: the source stream gets it with manifestBundle first; REST shows ObservedVersion and SequenceID", async () => {
    const status = agentStatusEvent({ cluster, id, version: 1, status: appliedStatus({ generation: 1 }) });
    await agentClient.publish(status);
    const relayed = await src.waitFor((e) => readOptionalString(e, Ext.resourceId) === id);
    expect(action(relayed)).toBe("status.update_request");
    expect(relayed.source).toBe(`${cluster}-work-agent`);
    expect(relayed.id).toBe(status.id);
    expect(readString(relayed, Ext.sequenceId)).toBe(readString(status, Ext.sequenceId));
    expect(readString(relayed, Ext.statusHash)).toBe(readString(status, Ext.statusHash));
    expect(readString(relayed, Ext.originalSource)).toBe("maestro");
    const data = parseJsonData(relayed.data!) as JsonObject;
    expect(Object.keys(data)).toEqual(["manifestBundle", "conditions", "resourceStatus"]);
    expect(data.manifestBundle).toEqual(deploymentBundle() as unknown as JsonObject);
    // The metadata relayed to the source is the source's own work metadata, with the row's
    // creationTimestamp (Maestro's syncTimestampsFromResourceMeta; the Go client reads it).
    const relayedMeta = JSON.parse(readString(relayed, Ext.metadata)) as JsonObject;
    expect(relayedMeta.labels).toEqual({ app: "web" });
    expect(relayedMeta.creationTimestamp).toBe(meta.creationTimestamp);
    expect(relayedMeta.deletionTimestamp).toBeUndefined();
    const rb = await rest(`/resource-bundles/${id}`);
    expect(rb.body.status.ObservedVersion).toBe(1);
    expect(rb.body.status.SequenceID).toBe(readString(status, Ext.sequenceId));
  });

  test("update makes version 2 and reaches the agent; a stale update is refused with Maestro's text", async () => {
    await sourceClient.publish(sourceSpecEvent({ action: "update_request", source, cluster, id, version: 1, bundle: deploymentBundle("nginx", 3) }));
    const spec = await agent.waitFor((e) => readOptionalString(e, Ext.resourceId) === id && action(e) === "spec.update_request");
    expect(readInteger(spec, Ext.resourceVersion)).toBe(2);
    expect((await rest(`/resource-bundles/${id}`)).body.version).toBe(2);
    const stale = sourceClient.publish(sourceSpecEvent({ action: "update_request", source, cluster, id, version: 1, bundle: deploymentBundle("nginx", 4) }));
    await expect(stale).rejects.toMatchObject({
      code: 6,
      details: "failed to update resource: maestro-6: the resource version is not the latest, the latest version: 2",
    });
    expect((await rest(`/resource-bundles/${id}`)).body.version).toBe(2);
  });

  test("a status for the old version is not stored", async () => {
    await agentClient.publish(agentStatusEvent({ cluster, id, version: 1, status: appliedStatus({ generation: 1, replicas: 9 }) }));
    expect((await rest(`/resource-bundles/${id}`)).body.status.resourceStatus[0].statusFeedback.values[0].fieldValue.integer).toBe(1);
  });

  test("delete: the agent gets deletiontimestamp; Deleted=True removes the row and tells the source", async () => {
    await sourceClient.publish(sourceSpecEvent({ action: "delete_request", source, cluster, id, version: 2 }));
    const del = await agent.waitFor((e) => readOptionalString(e, Ext.resourceId) === id && action(e) === "spec.delete_request");
    expect(readTime(del, Ext.deletionTimestamp).seconds).toBeGreaterThan(0);
    expect(del.extensions[Ext.deletionTimestamp]?.kind).toBe("timestamp");
    expect(JSON.parse(readString(del, Ext.metadata)).deletionTimestamp).toBeString();
    expect((await rest(`/resource-bundles/${id}`)).body.deleted_at).toBeString();

    const before = src.about(id).length;
    const mark = src.events.length;
    await agentClient.publish(agentStatusEvent({ cluster, id, version: 2, status: appliedStatus({ generation: 2, deleted: true }) }));
    await waitFor(async () => (await rest(`/resource-bundles/${id}`)).status === 404);
    // The relayed status can reach the source's stream after REST already shows the row gone.
    const final = await src.waitFor((e) => readOptionalString(e, Ext.resourceId) === id, 10_000, mark);
    expect(src.about(id).length).toBeGreaterThan(before);
    const last = src.about(id).at(-1)!;
    const conditions = (parseJsonData(last.data!) as { conditions: { type: string; status: string }[] }).conditions;
    expect(conditions.some((c) => c.type === "Deleted" && c.status === "True")).toBe(true);
    // Regression (interop): the Go source client's DELETED watch event takes deletionTimestamp
    // from this metadata, as Maestro fills it from deleted_at.
    const lastMeta = JSON.parse(readString(last, Ext.metadata)) as JsonObject;
    expect(lastMeta.deletionTimestamp).toBe(JSON.parse(readString(del, Ext.metadata)).deletionTimestamp);
    expect(lastMeta.creationTimestamp).toBe(meta.creationTimestamp);
    expect(final).toBeDefined();
  });

  test("streams stay open and nobody got an error", () => {
    expect(agent.ended).toBeUndefined();
    expect(src.ended).toBeUndefined();
  });

  test("Maestro's gRPC metrics count the calls by type, source and code", async () => {
    const text = await (await fetch(`${server.metrics}/metrics`)).text();
    expect(text).toContain(`grpc_server_called_total{type="Publish",source="${source}"} 4`);
    expect(text).toContain(`grpc_server_processed_total{type="Publish",source="${source}",code="0"} 3`);
    expect(text).toContain(`grpc_server_processed_total{type="Publish",source="${source}",code="6"} 1`);
    expect(text).toContain(`grpc_server_registered_source_clients{source="${source}"} 1`);
    expect(text).toContain(`grpc_server_message_sent_total{type="Publish",source="${source}"} 4`);
    expect(text).toMatch(/grpc_server_message_sent_total\{type="Subscribe",source="flow-source"\} [1-9]/);
    expect(text).toContain('grpc_server_processed_duration_seconds_bucket{le="0.005",type="Publish",source="flow-source"}');
    expect(text).toContain('maestro_grpc_streams{kind="agent"} 1');
  });
});
