// End to end with the REAL server process and the REAL agent process applying to a Kubernetes API
// server (the fake of test/agent/kube, over a kubeconfig with a bearer token): an Update work is
// created on the cluster and its status reaches the source; a restarted agent resyncs and
// re-applies without writing anything, since nothing changed; a bundle update is one write.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import type { ManifestBundle } from "../../src/cloudevents/manifest-bundle.ts";
import { startAgentProcess, type AgentProcess } from "../support/agent-process.ts";
import { storeKind } from "../support/database.ts";
import { startIsolatedServer, type IsolatedServer } from "../support/server-process.ts";
import { waitFor } from "../support/wait.ts";
import { CONFIGMAPS, DATA_K, DEPLOYMENTS, E2eSource, configMap, configOf, cond, createConsumer, deployment, feedback, getBundle, manifestCond, type RelayedStatus } from "./agent-e2e-support.ts";
import { FakeApiServer, type RecordedExchange } from "./kube/fake-apiserver.ts";
import { tempDir, writeKubeconfig } from "./kube/harness.ts";

const cluster = `agent-kube-e2e-${Date.now().toString(36)}`;
const token = "agent-e2e-token";
let server: IsolatedServer;
let api: FakeApiServer;
let kubeDir: string;
let kubeconfig: string;
let source: E2eSource;
let agent: AgentProcess;

const startAgent = () =>
  startAgentProcess({ broker: server.grpcBroker, args: [`--consumer-name=${cluster}`, `--kubeconfig=${kubeconfig}`, "--status-sync-interval=1s"] });

beforeAll(async () => {
  server = await startIsolatedServer();
  await createConsumer(server.rest, cluster);
  api = FakeApiServer.start({ token });
  kubeDir = tempDir("agent-kube-e2e-");
  kubeconfig = writeKubeconfig(kubeDir, { server: api.url, insecure: true, token });
  source = await E2eSource.open(server.grpc, "agent-kube-e2e-source", cluster);
  agent = await startAgent();
});
afterAll(async () => {
  source?.close();
  await agent?.dispose();
  api?.stop();
  await server?.dispose();
  if (kubeDir) rmSync(kubeDir, { recursive: true, force: true });
});

const CM_PATH = "/api/v1/namespaces/default/configmaps";
const DEPLOY_PATH = "/apis/apps/v1/namespaces/default/deployments";
const WRITES = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const writes = (exchanges: readonly RecordedExchange[]) => exchanges.filter((x) => WRITES.has(x.request.method)).map((x) => `${x.request.method} ${x.request.path}`);
const gets = (exchanges: readonly RecordedExchange[], path: string) => exchanges.filter((x) => x.request.method === "GET" && x.request.path === path).length;

const bundle = (k: string): ManifestBundle => ({
  manifests: [configMap("app-config", { k }), deployment("web", 2)],
  manifestConfigs: [
    configOf(CONFIGMAPS, "app-config", { updateStrategy: { type: "Update" }, feedbackRules: DATA_K }),
    configOf(DEPLOYMENTS, "web", { updateStrategy: { type: "Update" } }),
  ],
});
const appliedWithK = (k: string) => (s: RelayedStatus) => cond(s, "Applied")?.status === "True" && cond(s, "Available")?.status === "True" && feedback(s, 0, "k")?.string === k;

describe(`the agent process applies to a Kubernetes API server (${storeKind})`, () => {
  let id: string;

  test("an Update work is created on the cluster (POSTs with the kubeconfig's token) and its status reaches the source", async () => {
    id = await source.create(bundle("1"));
    const status = await source.waitStatus(id, appliedWithK("1"), { version: 1 });
    expect(manifestCond(status, 0, "Applied")).toMatchObject({ status: "True", reason: "AppliedManifestComplete" });
    expect(manifestCond(status, 1, "Applied")).toMatchObject({ status: "True", reason: "AppliedManifestComplete" });
    expect(status.resourceStatus?.[1]?.resourceMeta).toEqual({ ordinal: 1, group: "apps", version: "v1", kind: "Deployment", resource: "deployments", name: "web", namespace: "default" });
    expect(writes(api.exchanges)).toEqual([`POST ${CM_PATH}`, `POST ${DEPLOY_PATH}`]);
    expect(api.exchanges.every((x) => x.request.headers.authorization === `Bearer ${token}`)).toBe(true);
    expect(api.object("v1", "configmaps", "default", "app-config")?.data).toEqual({ k: "1" });
    expect((api.object("apps/v1", "deployments", "default", "web")?.spec as { replicas: number }).replicas).toBe(2);
    await waitFor(async () => (await getBundle(server.rest, id)).body.status?.ObservedVersion === 1);
  });

  test("a restarted agent resyncs and re-applies: only GETs reach the API server, no write", async () => {
    expect(await agent.stop("SIGTERM")).toBe(0);
    api.take();
    const from = source.mark();
    agent = await startAgent();
    // The new process applies the work again (its own first status for it)…
    await source.waitStatus(id, appliedWithK("1"), { version: 1, from });
    expect(await agent.metric('manifestworks_processed_total{action="apply"}')).toBe(1);
    // …and then polls it: two GETs of each object at least = the apply's read and a status sync.
    await waitFor(() => gets(api.exchanges, `${CM_PATH}/app-config`) >= 2 && gets(api.exchanges, `${DEPLOY_PATH}/web`) >= 2);
    // Absence check: everything the new process sent so far, after its apply and a full sync.
    expect(writes(api.exchanges)).toEqual([]);
    expect(api.exchanges.every((x) => x.request.method === "GET")).toBe(true);
  });

  test("an update of the bundle is exactly one write: a PUT of the changed ConfigMap", async () => {
    api.take();
    await source.update(id, bundle("2"));
    await source.waitStatus(id, appliedWithK("2"), { version: 2 });
    expect(api.object("v1", "configmaps", "default", "app-config")?.data).toEqual({ k: "2" });
    // A status-sync poll after the update (both objects read again) still adds no write.
    const readsAfterUpdate = gets(api.exchanges, `${DEPLOY_PATH}/web`);
    await waitFor(() => gets(api.exchanges, `${DEPLOY_PATH}/web`) > readsAfterUpdate && gets(api.exchanges, `${CM_PATH}/app-config`) >= 3);
    expect(writes(api.exchanges)).toEqual([`PUT ${CM_PATH}/app-config`]);
    await waitFor(async () => (await getBundle(server.rest, id)).body.status?.ObservedVersion === 2);
  });
});
