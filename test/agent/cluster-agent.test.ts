// The cluster agent in process, on a simulated cluster, fed spec events as the server sends
// them: update strategies, delete options, feedback values, resync on connect (retried when
// refused), status resync requests, bad specs, and every status event it publishes.

import { beforeEach, describe, expect, test } from "bun:test";
import { integerAttr, readInteger, readString, stringAttr, timeAttr } from "../../src/cloudevents/attributes.ts";
import { manifestBundleEventType } from "../../src/cloudevents/event-type.ts";
import { parseJsonData } from "../../src/cloudevents/json-codec.ts";
import type { ManifestBundle, ManifestBundleStatus, ManifestConfigOption } from "../../src/cloudevents/manifest-bundle.ts";
import { SnowflakeGenerator } from "../../src/cloudevents/snowflake.ts";
import { workStatusHash } from "../../src/cloudevents/status-hash.ts";
import { timestampNow } from "../../src/cloudevents/time.ts";
import { Ext, JSON_CONTENT_TYPE, type AttributeValue, type CloudEvent, type JsonObject } from "../../src/cloudevents/types.ts";
import { ClusterAgent } from "../../src/agent/cluster-agent.ts";
import { SimulatedCluster } from "../../src/agent/simulated/mod.ts";
import { createLogger } from "../../src/observability/logger.ts";

const cluster = "agent-unit";
const encoder = new TextEncoder();

let clock: number;
let sim: SimulatedCluster;
let agent: ClusterAgent;
let sent: CloudEvent[];
let connected: boolean;

beforeEach(() => {
  clock = Date.parse("2026-01-01T00:00:00Z");
  sim = new SimulatedCluster({ name: cluster, now: () => clock, readyDelayMs: 1_000 });
  sent = [];
  connected = true;
  agent = new ClusterAgent({ clusterName: cluster, agentId: `${cluster}-work-agent`, cluster: sim, sequence: new SnowflakeGenerator(1), jsonRawBytesMax: 1 << 20, log: createLogger("test-agent"), now: () => clock });
  agent.attach({
    get connected() {
      return connected;
    },
    publish: async (e) => {
      if (!connected) throw new Error("not connected");
      sent.push(e);
    },
  });
});

const deployment = (name: string, replicas = 1): JsonObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, namespace: "default" },
  spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image: "nginx" }] } } },
});
const configMap = (name: string, data: Record<string, string> = { a: "1" }): JsonObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "default" }, data });
const configFor = (group: string, resource: string, name: string, extra: Partial<ManifestConfigOption> = {}): ManifestConfigOption => ({
  resourceIdentifier: { group, resource, name, namespace: "default" },
  ...extra,
});

function spec(id: string, generation: number, bundle: ManifestBundle | undefined, deleting = false): CloudEvent {
  const extensions: Record<string, AttributeValue> = {
    [Ext.resourceId]: stringAttr(id),
    [Ext.resourceVersion]: integerAttr(generation),
    [Ext.clusterName]: stringAttr(cluster),
    [Ext.metadata]: stringAttr(JSON.stringify({ name: id, namespace: cluster, labels: { app: "x" } })),
  };
  if (deleting) extensions[Ext.deletionTimestamp] = timeAttr(timestampNow());
  return {
    specversion: "1.0",
    id: crypto.randomUUID(),
    source: "maestro",
    type: manifestBundleEventType("spec", deleting ? "delete_request" : generation > 1 ? "update_request" : "create_request"),
    datacontenttype: JSON_CONTENT_TYPE,
    extensions,
    ...(bundle ? { data: encoder.encode(JSON.stringify(bundle)) } : {}),
  };
}

async function deliver(event: CloudEvent): Promise<void> {
  agent.onEvent(event);
  await agent.idle();
}

const statusesOf = (id: string) => sent.filter((e) => e.type.endsWith("status.update_request") && readString(e, Ext.resourceId) === id);
const lastStatus = (id: string) => parseJsonData(statusesOf(id).at(-1)!.data!) as unknown as ManifestBundleStatus;
const condition = (status: ManifestBundleStatus, type: string) => status.conditions?.find((c) => c.type === type);
const manifestCondition = (status: ManifestBundleStatus, ordinal: number, type: string) => status.resourceStatus?.[ordinal]?.conditions.find((c) => c.type === type);

describe("apply and report", () => {
  test("a create is applied and its status carries every extension of 2.2, a rising sequence id and the hash", async () => {
    await deliver(spec("w1", 1, { manifests: [deployment("web")] }));
    const event = statusesOf("w1")[0]!;
    expect(event.source).toBe(`${cluster}-work-agent`);
    expect(readString(event, Ext.clusterName)).toBe(cluster);
    expect(readString(event, Ext.originalSource)).toBe("maestro");
    expect(readInteger(event, Ext.resourceVersion)).toBe(1);
    expect(readString(event, Ext.logTracing)).toBe("{}");
    const status = lastStatus("w1");
    expect(readString(event, Ext.statusHash)).toBe(workStatusHash(status));
    const meta = JSON.parse(readString(event, Ext.metadata));
    expect(meta).toMatchObject({ name: "w1", namespace: cluster, uid: "w1", generation: 1, finalizers: ["cluster.open-cluster-management.io/manifest-work-cleanup"] });
    expect(meta.labels).toEqual({ app: "x", "cloudevents.open-cluster-management.io/originalsource": "maestro" });
    expect(condition(status, "Applied")).toMatchObject({ status: "True", reason: "AppliedManifestWorkComplete", observedGeneration: 1 });
    expect(condition(status, "Available")).toMatchObject({ status: "True", reason: "ResourcesAvailable" });
    expect(status.resourceStatus?.[0]?.resourceMeta).toEqual({ ordinal: 0, group: "apps", version: "v1", kind: "Deployment", resource: "deployments", name: "web", namespace: "default" });
    expect(manifestCondition(status, 0, "Applied")).toMatchObject({ status: "True", reason: "AppliedManifestComplete" });
    expect(manifestCondition(status, 0, "StatusFeedbackSynced")).toMatchObject({ status: "True", reason: "NoStatusFeedbackSynced" });
    expect(await sim.get(await sim.resolve("apps/v1", "Deployment"), "default", "web")).toBeDefined();
  });

  test("sequence ids rise strictly across statuses", async () => {
    await deliver(spec("w1", 1, { manifests: [configMap("a")] }));
    await deliver(spec("w2", 1, { manifests: [configMap("b")] }));
    await deliver(spec("w1", 2, { manifests: [configMap("a", { a: "2" })] }));
    const ids = sent.map((e) => BigInt(readString(e, Ext.sequenceId)));
    expect(ids.length).toBe(3);
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!).toBe(true);
  });

  test("WellKnownStatus feedback values follow the simulated controller", async () => {
    const rules = [configFor("apps", "deployments", "web", { feedbackRules: [{ type: "WellKnownStatus" }] })];
    await deliver(spec("w1", 1, { manifests: [deployment("web", 3)], manifestConfigs: rules }));
    clock += 5_000;
    agent.syncTick();
    await agent.idle();
    const values = lastStatus("w1").resourceStatus?.[0]?.statusFeedback.values ?? [];
    expect(values).toContainEqual({ name: "ReadyReplicas", fieldValue: { type: "Integer", integer: 3 } });
    expect(values).toContainEqual({ name: "Replicas", fieldValue: { type: "Integer", integer: 3 } });
  });

  test("JSONPaths with a filter: the Available condition's reason", async () => {
    const rules = [configFor("apps", "deployments", "web", { feedbackRules: [{ type: "JSONPaths", jsonPaths: [{ name: "available", path: '.status.conditions[?(@.type=="Available")].reason' }] }] })];
    await deliver(spec("w1", 1, { manifests: [deployment("web")], manifestConfigs: rules }));
    clock += 5_000;
    agent.syncTick();
    await agent.idle();
    expect(lastStatus("w1").resourceStatus?.[0]?.statusFeedback.values).toEqual([{ name: "available", fieldValue: { type: "String", string: "MinimumReplicasAvailable" } }]);
  });

  test("an unchanged status is not published again on a sync tick", async () => {
    await deliver(spec("w1", 1, { manifests: [configMap("a")] }));
    agent.syncTick();
    await agent.idle();
    expect(statusesOf("w1")).toHaveLength(1);
  });
});

describe("update strategies", () => {
  const cm = async (name: string) => sim.get(await sim.resolve("v1", "ConfigMap"), "default", name);

  test("Update replaces what differs; the same generation again is not re-applied", async () => {
    await deliver(spec("w1", 1, { manifests: [configMap("a", { a: "1" })] }));
    await deliver(spec("w1", 2, { manifests: [configMap("a", { a: "2" })] }));
    expect((await cm("a"))?.data).toEqual({ a: "2" });
    const applies = agent.stats.applies;
    await deliver(spec("w1", 2, { manifests: [configMap("a", { a: "3" })] }));
    expect(agent.stats.applies).toBe(applies);
    expect((await cm("a"))?.data).toEqual({ a: "2" });
  });

  test("CreateOnly creates but never updates", async () => {
    const only = [configFor("", "configmaps", "a", { updateStrategy: { type: "CreateOnly" } })];
    await deliver(spec("w1", 1, { manifests: [configMap("a", { a: "1" })], manifestConfigs: only }));
    await deliver(spec("w1", 2, { manifests: [configMap("a", { a: "2" })], manifestConfigs: only }));
    expect((await cm("a"))?.data).toEqual({ a: "1" });
  });

  test("ReadOnly never writes: a missing object is reported not available", async () => {
    const readOnly = [configFor("", "configmaps", "ghost", { updateStrategy: { type: "ReadOnly" } })];
    await deliver(spec("w1", 1, { manifests: [configMap("ghost")], manifestConfigs: readOnly }));
    expect(await cm("ghost")).toBeUndefined();
    const status = lastStatus("w1");
    expect(manifestCondition(status, 0, "Available")).toMatchObject({ status: "False", reason: "ResourceNotAvailable" });
    expect(condition(status, "Available")).toMatchObject({ status: "False", reason: "ResourcesNotAvailable", message: "1 of 1 resources are not available" });
  });

  test("ServerSideApply with the work's field manager; a conflicting manager without force is Applied=False ApplyConflict", async () => {
    const ssa = (manager: string, force: boolean) => [configFor("", "configmaps", "shared", { updateStrategy: { type: "ServerSideApply", serverSideApply: { fieldManager: manager, force } } })];
    await deliver(spec("w1", 1, { manifests: [configMap("shared", { k: "one" })], manifestConfigs: ssa("team-a", false) }));
    await deliver(spec("w2", 1, { manifests: [configMap("shared", { k: "two" })], manifestConfigs: ssa("team-b", false) }));
    const conflict = manifestCondition(lastStatus("w2"), 0, "Applied");
    expect(conflict).toMatchObject({ status: "False", reason: "ApplyConflict" });
    expect(condition(lastStatus("w2"), "Applied")).toMatchObject({ status: "False", reason: "AppliedManifestWorkFailed" });
    expect((await cm("shared"))?.data).toEqual({ k: "one" });
    await deliver(spec("w2", 2, { manifests: [configMap("shared", { k: "two" })], manifestConfigs: ssa("team-b", true) }));
    expect((await cm("shared"))?.data).toEqual({ k: "two" });
    expect(manifestCondition(lastStatus("w2"), 0, "Applied")?.status).toBe("True");
  });

  test("SSA ignoreFields OnSpokePresent leaves a field the spoke set", async () => {
    const mapping = await sim.resolve("apps/v1", "Deployment");
    await sim.create(mapping, { ...deployment("web", 5) });
    const ignore = [configFor("apps", "deployments", "web", { updateStrategy: { type: "ServerSideApply", serverSideApply: { force: true, ignoreFields: [{ condition: "OnSpokePresent", jsonPaths: [".spec.replicas"] }] } } })];
    await deliver(spec("w1", 1, { manifests: [deployment("web", 1)], manifestConfigs: ignore }));
    expect(((await sim.get(mapping, "default", "web"))?.spec as JsonObject).replicas).toBe(5);
  });
});

describe("deletes and delete options", () => {
  const exists = async (kind: "ConfigMap", name: string) => (await sim.get(await sim.resolve("v1", kind), "default", name)) !== undefined;

  test("Foreground (default): objects deleted, then Deleted=True, then the work is forgotten", async () => {
    await deliver(spec("w1", 1, { manifests: [configMap("a"), configMap("b")] }));
    await deliver(spec("w1", 1, undefined, true));
    expect(await exists("ConfigMap", "a")).toBe(false);
    expect(await exists("ConfigMap", "b")).toBe(false);
    expect(condition(lastStatus("w1"), "Deleted")).toMatchObject({ status: "True", reason: "ManifestsDeleted", message: `The manifests are deleted from the cluster ${cluster}` });
    expect(agent.works.has("w1")).toBe(false);
  });

  test("Orphan keeps every object", async () => {
    await deliver(spec("w1", 1, { manifests: [configMap("a")], deleteOption: { propagationPolicy: "Orphan" } }));
    await deliver(spec("w1", 1, undefined, true));
    expect(await exists("ConfigMap", "a")).toBe(true);
    expect(condition(lastStatus("w1"), "Deleted")?.status).toBe("True");
  });

  test("SelectivelyOrphan keeps only the listed objects", async () => {
    const deleteOption = { propagationPolicy: "SelectivelyOrphan" as const, selectivelyOrphans: { orphaningRules: [{ group: "", resource: "configmaps", name: "keep", namespace: "default" }] } };
    await deliver(spec("w1", 1, { manifests: [configMap("keep"), configMap("drop")], deleteOption }));
    await deliver(spec("w1", 1, undefined, true));
    expect(await exists("ConfigMap", "keep")).toBe(true);
    expect(await exists("ConfigMap", "drop")).toBe(false);
  });

  test("a manifest removed from the bundle is deleted; ReadOnly objects are never deleted", async () => {
    await sim.create(await sim.resolve("v1", "ConfigMap"), configMap("theirs"));
    const readOnly = [configFor("", "configmaps", "theirs", { updateStrategy: { type: "ReadOnly" } })];
    await deliver(spec("w1", 1, { manifests: [configMap("a"), configMap("b"), configMap("theirs")], manifestConfigs: readOnly }));
    await deliver(spec("w1", 2, { manifests: [configMap("a")], manifestConfigs: readOnly }));
    expect(await exists("ConfigMap", "b")).toBe(false);
    expect(await exists("ConfigMap", "a")).toBe(true);
    await deliver(spec("w1", 2, undefined, true));
    expect(await exists("ConfigMap", "theirs")).toBe(true);
  });

  test("a delete while disconnected is finished and reported on a later sync", async () => {
    await deliver(spec("w1", 1, { manifests: [configMap("a")] }));
    connected = false;
    await deliver(spec("w1", 1, undefined, true));
    expect(agent.works.has("w1")).toBe(true);
    connected = true;
    agent.syncTick();
    await agent.idle();
    expect(agent.works.has("w1")).toBe(false);
    expect(condition(lastStatus("w1"), "Deleted")?.status).toBe("True");
  });
});

describe("resync and bad specs", () => {
  test("on (re)connect: a spec resync with the versions held, then every status again as resync_response", async () => {
    await deliver(spec("w1", 1, { manifests: [configMap("a")] }));
    await deliver(spec("w2", 3, { manifests: [configMap("b")] }));
    sent = [];
    agent.onConnected();
    await agent.idle();
    expect(sent[0]!.type).toBe(manifestBundleEventType("spec", "resync_request"));
    expect(readString(sent[0]!, Ext.originalSource)).toBe("");
    expect(parseJsonData(sent[0]!.data!)).toEqual({ resourceVersions: [{ resourceID: "w1", resourceVersion: 1 }, { resourceID: "w2", resourceVersion: 3 }] });
    expect(sent.slice(1).map((e) => e.type)).toEqual([manifestBundleEventType("status", "resync_response"), manifestBundleEventType("status", "resync_response")]);
  });

  test("a manifest without kind and an unknown kind are Applied=False; the other manifest and other works apply", async () => {
    const bad = { manifests: [{ apiVersion: "v1", metadata: { name: "x", namespace: "default" } }, { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w", namespace: "default" } }, configMap("fine")] };
    await deliver(spec("w1", 1, bad as unknown as ManifestBundle));
    const status = lastStatus("w1");
    expect(manifestCondition(status, 0, "Applied")).toMatchObject({ status: "False", reason: "AppliedManifestFailed" });
    expect(manifestCondition(status, 0, "Applied")?.message).toMatch(/no kind/);
    expect(manifestCondition(status, 1, "Applied")).toMatchObject({ status: "False", reason: "AppliedManifestFailed" });
    expect(manifestCondition(status, 2, "Applied")?.status).toBe("True");
    expect(condition(status, "Applied")).toMatchObject({ status: "False", reason: "AppliedManifestWorkFailed" });
    await deliver(spec("w2", 1, { manifests: [configMap("other")] }));
    expect(condition(lastStatus("w2"), "Applied")?.status).toBe("True");
  });

  test("events for another cluster or of another type are ignored; undecodable data is dropped", async () => {
    const foreign = spec("w9", 1, { manifests: [configMap("x")] });
    await deliver({ ...foreign, extensions: { ...foreign.extensions, [Ext.clusterName]: stringAttr("someone-else") } });
    await deliver({ ...spec("w8", 1, { manifests: [] }), type: manifestBundleEventType("status", "update_request") });
    await deliver({ ...spec("w7", 1, undefined), data: encoder.encode("not json") });
    expect(sent).toHaveLength(0);
    expect(agent.works.size).toBe(0);
  });
});

describe("status resync requests (MQTT mode) and resync retries", () => {
  const statusResync = (source: string, hashes: { resourceID: string; statusHash: string }[], clusterName = cluster): CloudEvent => ({
    specversion: "1.0",
    id: crypto.randomUUID(),
    source,
    type: manifestBundleEventType("status", "resync_request"),
    datacontenttype: JSON_CONTENT_TYPE,
    extensions: { [Ext.clusterName]: stringAttr(clusterName), [Ext.originalSource]: stringAttr("") },
    data: encoder.encode(JSON.stringify({ statusHashes: hashes })),
  });
  const resyncResponses = () => sent.filter((e) => e.type === manifestBundleEventType("status", "resync_response")).map((e) => readString(e, Ext.resourceId));

  test("an empty hash list re-sends every status of the requesting source; a stale hash only that work's", async () => {
    await deliver(spec("w1", 1, { manifests: [configMap("a")] }));
    await deliver(spec("w2", 1, { manifests: [configMap("b")] }));
    sent = [];
    await deliver(statusResync("maestro", []));
    expect(resyncResponses().sort()).toEqual(["w1", "w2"]);
    sent = [];
    const current = workStatusHash(agent.works.get("w2")!.status!);
    await deliver(statusResync("maestro", [{ resourceID: "w1", statusHash: "stale" }, { resourceID: "w2", statusHash: current }]));
    expect(resyncResponses()).toEqual(["w1"]);
    sent = [];
    await deliver(statusResync("another-source", []));
    await deliver(statusResync("maestro", [], "someone-else"));
    expect(sent).toHaveLength(0);
    expect(agent.stats.statusResyncRequests).toBe(3);
  });

  test("a broadcast request (empty clustername) is answered; one without data is dropped", async () => {
    await deliver(spec("w1", 1, { manifests: [configMap("a")] }));
    sent = [];
    await deliver(statusResync("maestro", [], ""));
    expect(resyncResponses()).toEqual(["w1"]);
    sent = [];
    const { data: _data, ...noData } = statusResync("maestro", []);
    await deliver(noData);
    expect(sent).toHaveLength(0);
  });

  test("a spec resync request the link refused is retried on the next sync tick", async () => {
    connected = true;
    let refuse = true;
    agent.attach({
      get connected() {
        return connected;
      },
      publish: async (e) => {
        if (refuse) throw new Error("refused");
        sent.push(e);
      },
    });
    agent.onConnected(true);
    await agent.idle();
    expect(sent).toHaveLength(0);
    refuse = false;
    agent.syncTick();
    await agent.idle();
    expect(sent.map((e) => e.type)).toEqual([manifestBundleEventType("spec", "resync_request")]);
    agent.syncTick();
    await agent.idle();
    expect(sent).toHaveLength(1);
  });
});
