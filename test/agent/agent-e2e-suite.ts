// End to end with the REAL server process and the REAL agent process (`maestro agent --simulate 1`),
// the same scenarios over either transport (agent-e2e.test.ts: gRPC, agent-e2e-mqtt.test.ts:
// through a private Mosquitto): a source publishes creates, updates and deletes on the source
// port and gets the statuses the agent reports through the server; REST shows them. Covers
// feedback values, every update strategy, every delete propagation policy (seen from outside
// through ReadOnly observer works), an unknown kind, an agent restart and a server restart on
// the same store and ports.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { ManifestBundle } from "../../src/cloudevents/manifest-bundle.ts";
import type { AgentProcess } from "../support/agent-process.ts";
import { storeKind } from "../support/database.ts";
import { startMosquitto, type MosquittoBroker } from "../support/mosquitto.ts";
import { RestartableServer } from "../support/restartable-server.ts";
import { waitFor } from "../support/wait.ts";
import {
  CONFIGMAPS, DATA_K, DEPLOYMENTS, E2eSource, configMap, configOf, cond, createConsumer, deployment, exists, feedback, getBundle,
  allBundles, liveBundleIds, manifestCond, observerBundle, startAgentFor, statusOf, type RelayedStatus,
} from "./agent-e2e-support.ts";

/**
 * Defines the end-to-end scenarios for one transport (call it at a test file's top level).
 * Example: `agentE2eSuite("mqtt")`.
 */
export function agentE2eSuite(transport: "grpc" | "mqtt"): void {
  const cluster = `agent-e2e-${Date.now().toString(36)}`;
  let server: RestartableServer;
  let source: E2eSource;
  let agent: AgentProcess;
  let broker: MosquittoBroker | undefined;

  const startAgent = () => startAgentFor(server, ["--simulate=1", `--consumer-prefix=${cluster}`, "--status-sync-interval=1s"]);

  beforeAll(async () => {
    broker = transport === "mqtt" ? await startMosquitto() : undefined;
    server = await RestartableServer.start({ persistent: true, ...(broker ? { mqttBrokerHost: broker.brokerHost } : {}) });
    await createConsumer(server.rest, cluster);
    source = await E2eSource.open(server.grpc, "agent-e2e-source", cluster);
    agent = await startAgent();
  });
  afterAll(async () => {
    source?.close();
    await agent?.dispose();
    await server?.close();
    await broker?.dispose();
  });

  const applied = (s: RelayedStatus) => cond(s, "Applied")?.status === "True";
  const appliedAndAvailable = (s: RelayedStatus) => applied(s) && cond(s, "Available")?.status === "True";

  /** A Deployment work with WellKnownStatus feedback and a filtered JSONPath. */
  const web = (replicas: number): ManifestBundle => ({
    manifests: [deployment("web", replicas)],
    manifestConfigs: [
      configOf(DEPLOYMENTS, "web", {
        feedbackRules: [
          { type: "WellKnownStatus" },
          { type: "JSONPaths", jsonPaths: [{ name: "availableReason", path: '.status.conditions[?(@.type=="Available")].reason' }] },
        ],
      }),
    ],
  });
  let webId: string;

  describe(`the agent process serves a simulated cluster through the server process (${storeKind}, ${transport})`, () => {

    test("create: Applied and Available reach the source, then feedback values once the simulated controller made the Deployment ready", async () => {
      webId = await source.create(web(2));
      const first = await source.waitStatus(webId, appliedAndAvailable, { version: 1 });
      expect(cond(first, "Applied")).toMatchObject({ status: "True", reason: "AppliedManifestWorkComplete", observedGeneration: 1 });
      expect(cond(first, "Available")).toMatchObject({ status: "True", reason: "ResourcesAvailable" });
      expect(first.resourceStatus?.[0]?.resourceMeta).toEqual({ ordinal: 0, group: "apps", version: "v1", kind: "Deployment", resource: "deployments", name: "web", namespace: "default" });
      expect(manifestCond(first, 0, "Applied")).toMatchObject({ status: "True", reason: "AppliedManifestComplete" });
      // The relayed status carries the spec's bundle in front (maestro-wire.md 2.4).
      expect(first.manifestBundle?.manifests[0]).toMatchObject({ kind: "Deployment", metadata: { name: "web" } });

      const ready = await source.waitStatus(webId, (s) => feedback(s, 0, "ReadyReplicas")?.integer === 2, { version: 1 });
      expect(feedback(ready, 0, "Replicas")).toEqual({ type: "Integer", integer: 2 });
      expect(feedback(ready, 0, "AvailableReplicas")).toEqual({ type: "Integer", integer: 2 });
      expect(feedback(ready, 0, "availableReason")).toEqual({ type: "String", string: "MinimumReplicasAvailable" });
      expect(manifestCond(ready, 0, "StatusFeedbackSynced")).toMatchObject({ status: "True", reason: "StatusFeedbackSynced" });

      const rb = await getBundle(server.rest, webId);
      expect(rb.status).toBe(200);
      expect(rb.body.status.ObservedVersion).toBe(1);
    });

    test("update: a status for version 2 with the new feedback; REST shows ObservedVersion 2", async () => {
      const version = await source.update(webId, web(4));
      expect(version).toBe(2);
      const updated = await source.waitStatus(webId, (s) => applied(s) && feedback(s, 0, "Replicas")?.integer === 4 && feedback(s, 0, "ReadyReplicas")?.integer === 4, { version: 2 });
      expect(cond(updated, "Applied")?.observedGeneration).toBe(2);
      expect(feedback(updated, 0, "availableReason")).toEqual({ type: "String", string: "MinimumReplicasAvailable" });
      await waitFor(async () => (await getBundle(server.rest, webId)).body.status?.ObservedVersion === 2);
      expect((await getBundle(server.rest, webId)).body.version).toBe(2);
    });
  });

  describe(`update strategies through the real processes (${storeKind}, ${transport})`, () => {
    const cmBundle = (name: string, k: string, strategy?: NonNullable<ManifestBundle["manifestConfigs"]>[number]["updateStrategy"]): ManifestBundle => ({
      manifests: [configMap(name, { k })],
      manifestConfigs: [configOf(CONFIGMAPS, name, { feedbackRules: DATA_K, ...(strategy ? { updateStrategy: strategy } : {}) })],
    });
    const dataK = (s: RelayedStatus) => feedback(s, 0, "k")?.string;

    test("Update: the update replaces the object (its own feedback shows the new value)", async () => {
      const id = await source.create(cmBundle("upd", "1", { type: "Update" }));
      await source.waitStatus(id, (s) => applied(s) && dataK(s) === "1", { version: 1 });
      await source.update(id, cmBundle("upd", "2", { type: "Update" }));
      const v2 = await source.waitStatus(id, (s) => applied(s) && dataK(s) === "2", { version: 2 });
      expect(cond(v2, "Applied")?.observedGeneration).toBe(2);
    });

    test("CreateOnly: created, and an update does not change the object", async () => {
      const id = await source.create(cmBundle("create-only", "1", { type: "CreateOnly" }));
      await source.waitStatus(id, (s) => applied(s) && dataK(s) === "1", { version: 1 });
      await source.update(id, cmBundle("create-only", "2", { type: "CreateOnly" }));
      // The version-2 status is computed from the live object after the (skipped) update.
      const v2 = await source.waitStatus(id, (s) => applied(s) && cond(s, "Applied")?.observedGeneration === 2, { version: 2 });
      expect(dataK(v2)).toBe("1");
      expect(manifestCond(v2, 0, "Applied")).toMatchObject({ status: "True", reason: "AppliedManifestComplete" });
    });

    test("ServerSideApply: another field manager without force gets ApplyConflict; with force it takes over", async () => {
      const ssa = (manager: string, force: boolean) => ({ type: "ServerSideApply" as const, serverSideApply: { fieldManager: manager, force } });
      const owner = await source.create(cmBundle("ssa-shared", "one", ssa("team-a", false)));
      await source.waitStatus(owner, (s) => applied(s) && dataK(s) === "one", { version: 1 });

      const rival = await source.create(cmBundle("ssa-shared", "two", ssa("team-b", false)));
      const conflict = await source.waitStatus(rival, (s) => cond(s, "Applied")?.status === "False", { version: 1 });
      expect(manifestCond(conflict, 0, "Applied")).toMatchObject({ status: "False", reason: "ApplyConflict" });
      expect(manifestCond(conflict, 0, "Applied")?.message).toContain("conflict");
      expect(cond(conflict, "Applied")).toMatchObject({ status: "False", reason: "AppliedManifestWorkFailed" });

      await source.update(rival, cmBundle("ssa-shared", "two", ssa("team-b", true)));
      const forced = await source.waitStatus(rival, (s) => applied(s) && dataK(s) === "two", { version: 2 });
      expect(manifestCond(forced, 0, "Applied")).toMatchObject({ status: "True", reason: "AppliedManifestComplete" });
      // The first work's next status-sync poll reads the value the rival forced.
      await source.waitStatus(owner, (s) => dataK(s) === "two", { version: 1 });
    });

    test("ReadOnly: Available False for an object nobody created, True once another work creates it", async () => {
      const watcher = await source.create(observerBundle(["ro-target"]));
      const missing = await source.waitStatus(watcher, (s) => exists(s, 0) === false, { version: 1 });
      expect(cond(missing, "Applied")?.status).toBe("True");
      expect(manifestCond(missing, 0, "Available")).toMatchObject({ status: "False", reason: "ResourceNotAvailable" });
      expect(cond(missing, "Available")).toMatchObject({ status: "False", reason: "ResourcesNotAvailable" });

      await source.create(cmBundle("ro-target", "made-elsewhere"));
      const present = await source.waitStatus(watcher, (s) => exists(s, 0) === true, { version: 1 });
      expect(feedback(present, 0, "k")).toEqual({ type: "String", string: "made-elsewhere" });
      expect(cond(present, "Available")).toMatchObject({ status: "True", reason: "ResourcesAvailable" });
    });
  });

  describe(`delete propagation policies, seen from outside through a ReadOnly observer (${storeKind}, ${transport})`, () => {
    // Observer ordinals: 0 fg-a, 1 fg-b, 2 or-a, 3 or-b, 4 so-keep, 5 so-drop.
    const watched = ["fg-a", "fg-b", "or-a", "or-b", "so-keep", "so-drop"];
    const pair = (a: string, b: string, deleteOption: ManifestBundle["deleteOption"]): ManifestBundle => ({ manifests: [configMap(a), configMap(b)], deleteOption });
    let observer: string;
    let foreground: string;
    let orphan: string;
    let selective: string;
    const presence = (s: RelayedStatus) => watched.map((_, i) => exists(s, i));
    const deleted = (s: RelayedStatus) => cond(s, "Deleted")?.status === "True";

    /** Deletes a work, waits for its Deleted=True status at the source and for REST to answer 404. */
    async function deleteAndConfirm(id: string): Promise<RelayedStatus> {
      const from = source.mark();
      await source.delete(id);
      const final = await source.waitStatus(id, deleted, { from });
      expect(cond(final, "Deleted")).toMatchObject({ status: "True", reason: "ManifestsDeleted", message: `The manifests are deleted from the cluster ${cluster}` });
      await waitFor(async () => (await getBundle(server.rest, id)).status === 404);
      return final;
    }

    test("set-up: three works with a delete option each, and an observer that sees all their objects", async () => {
      foreground = await source.create(pair("fg-a", "fg-b", { propagationPolicy: "Foreground" }));
      orphan = await source.create(pair("or-a", "or-b", { propagationPolicy: "Orphan" }));
      selective = await source.create(
        pair("so-keep", "so-drop", { propagationPolicy: "SelectivelyOrphan", selectivelyOrphans: { orphaningRules: [{ group: "", resource: "configmaps", name: "so-keep", namespace: "default" }] } }),
      );
      for (const id of [foreground, orphan, selective]) await source.waitStatus(id, appliedAndAvailable, { version: 1 });
      observer = await source.create(observerBundle(watched));
      await source.waitStatus(observer, (s) => presence(s).every((e) => e === true));
    });

    test("Orphan: Deleted=True reaches the source, REST 404; the objects stay", async () => {
      const from = source.mark();
      await deleteAndConfirm(orphan);
      // Absence check: no observer status since the delete saw them gone; the next tests prove
      // they still exist with statuses computed after this delete.
      expect(source.statuses(observer, from).map((e) => presence(statusOf(e))).filter((p) => p[2] === false || p[3] === false)).toEqual([]);
    });

    test("SelectivelyOrphan: Deleted=True, REST 404; only the object named by an orphaning rule stays", async () => {
      const from = source.mark();
      await deleteAndConfirm(selective);
      // The first observer status computed after this delete (so after the Orphan delete too).
      const seen = await source.waitStatus(observer, (s) => exists(s, 5) === false, { from });
      expect(presence(seen)).toEqual([true, true, true, true, true, false]);
    });

    test("Foreground: Deleted=True, REST 404; every object is deleted", async () => {
      const from = source.mark();
      await deleteAndConfirm(foreground);
      const seen = await source.waitStatus(observer, (s) => exists(s, 0) === false && exists(s, 1) === false, { from });
      expect(presence(seen)).toEqual([false, false, true, true, true, false]);
      expect(cond(seen, "Available")).toMatchObject({ status: "False", message: "3 of 6 resources are not available" });
    });
  });

  describe(`a kind the cluster does not serve (${storeKind}, ${transport})`, () => {
    test("example.com/v1 Widget: Applied=False with a reason; the bundle's other manifest and the agent's other works are still served", async () => {
      const widget = { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "gadget", namespace: "default" }, spec: { size: 3 } };
      const id = await source.create({ manifests: [widget, configMap("beside-widget")] });
      const status = await source.waitStatus(id, (s) => cond(s, "Applied")?.status === "False", { version: 1 });
      expect(cond(status, "Applied")).toMatchObject({ status: "False", reason: "AppliedManifestWorkFailed", observedGeneration: 1 });
      expect(manifestCond(status, 0, "Applied")).toMatchObject({ status: "False", reason: "AppliedManifestFailed" });
      expect(manifestCond(status, 0, "Applied")?.message).toContain("Widget");
      expect(status.resourceStatus?.[0]?.resourceMeta).toMatchObject({ ordinal: 0, group: "example.com", version: "v1", kind: "Widget", name: "gadget", namespace: "default" });
      expect(manifestCond(status, 1, "Applied")).toMatchObject({ status: "True", reason: "AppliedManifestComplete" });
      expect(manifestCond(status, 1, "Available")?.status).toBe("True");

      // The agent goes on with its other works: an earlier work is updated…
      await source.update(webId, web(1));
      await source.waitStatus(webId, (s) => applied(s) && feedback(s, 0, "Replicas")?.integer === 1, { version: 3 });
      // …a later one is applied, and the status-sync poll still reaches works held after the
      // failing one: an observer created now sees an object that appears later.
      const late = await source.create(observerBundle(["after-widget"]));
      await source.waitStatus(late, (s) => exists(s, 0) === false, { version: 1 });
      const next = await source.create({ manifests: [configMap("after-widget", { k: "made" })] });
      await source.waitStatus(next, appliedAndAvailable, { version: 1 });
      const seen = await source.waitStatus(late, (s) => exists(s, 0) === true, { version: 1 });
      expect(feedback(seen, 0, "k")).toEqual({ type: "String", string: "made" });
      // The failing work is still reported as failed.
      expect(cond(source.latest(id)!, "Applied")?.status).toBe("False");
    });
  });

  describe(`agent restart: the new process resyncs and ends with exactly the current works (${storeKind}, ${transport})`, () => {
    const kBundle = (name: string, k: string): ManifestBundle => ({ manifests: [configMap(name, { k })], manifestConfigs: [configOf(CONFIGMAPS, name, { feedbackRules: DATA_K })] });
    let kept: string;
    let updated: string;
    let removed: string;
    let added: string;

    test("set-up: two more works applied by the first agent process", async () => {
      updated = await source.create(kBundle("to-update", "1"));
      removed = await source.create(kBundle("to-delete", "1"));
      kept = await source.create(kBundle("unchanged", "1"));
      for (const id of [updated, removed, kept]) await source.waitStatus(id, appliedAndAvailable, { version: 1 });
    });

    test("stop the agent; meanwhile update one bundle, delete one, create one; a new agent process resyncs all of it", async () => {
      expect(await agent.stop("SIGTERM")).toBe(0);
      await source.update(updated, kBundle("to-update", "2"));
      await source.delete(removed);
      added = await source.create(kBundle("added-while-away", "1"));
      const from = source.mark();
      agent = await startAgent();

      const v2 = await source.waitStatus(updated, (s) => applied(s) && feedback(s, 0, "k")?.string === "2", { version: 2, from });
      expect(cond(v2, "Applied")?.observedGeneration).toBe(2);
      await source.waitStatus(added, (s) => appliedAndAvailable(s) && feedback(s, 0, "k")?.string === "1", { version: 1, from });
      // Every bundle that is not being deleted gets a status from the new process.
      const live = await liveBundleIds(server.rest, cluster);
      expect(live).toContain(kept);
      expect(live).not.toContain(removed);
      for (const id of live) await source.waitStatus(id, (s) => cond(s, "Applied") !== undefined, { from });
    });

    test("the bundle deleted while the agent was away is confirmed (Deleted=True) and gone from REST", async () => {
      // The new process got this bundle in its resync answer, with a deletiontimestamp, for a work
      // it never held: it received one spec per live bundle plus this delete.
      const live = await liveBundleIds(server.rest, cluster);
      await waitFor(async () => (await agent.metric("cloudevents_received_total")) === live.length + 1);
      // The other bundles' statuses took a second or two (previous test): 8 s is plenty.
      await source.waitStatus(removed, (s) => cond(s, "Deleted")?.status === "True", { timeoutMs: 8_000 });
      await waitFor(async () => (await getBundle(server.rest, removed)).status === 404);
    });

    test("the new process holds exactly the current works and applied each once; the deleted one's object is not on its cluster", async () => {
      const live = await liveBundleIds(server.rest, cluster);
      await waitFor(async () => (await agent.metric("maestro_agent_works")) === live.length);
      expect(await agent.metric('manifestworks_processed_total{action="apply"}')).toBe(live.length);
      const look = await source.create(observerBundle(["to-delete", "added-while-away", "to-update"]));
      const seen = await source.waitStatus(look, (s) => exists(s, 0) !== undefined, { version: 1 });
      expect([exists(seen, 0), exists(seen, 1), exists(seen, 2)]).toEqual([false, true, true]);
      expect(feedback(seen, 2, "k")).toEqual({ type: "String", string: "2" });
    });
  });

  describe(`server restart on the same store and ports: the agent and the server resync by themselves (${storeKind}, ${transport})`, () => {
    const sequenceIds = async (ids: readonly string[]) => Promise.all(ids.map(async (id) => String((await getBundle(server.rest, id)).body.status?.SequenceID)));

    test("after the restart the statuses are resynced (gRPC: all re-sent; MQTT: compared by hash), and nothing that did not change is applied again", async () => {
      const live = await liveBundleIds(server.rest, cluster);
      // Quiet first: every live bundle has the status of its current version.
      await waitFor(async () => {
        for (const id of live) {
          const rb = await getBundle(server.rest, id);
          if (rb.body.status?.ObservedVersion !== rb.body.version) return false;
        }
        return true;
      });
      // And settled: no status changed for longer than the agent's 1 s status sync (the simulated
      // controllers finish within it). Otherwise a change published while the server restarts is
      // lost in MQTT mode (clean sessions) and comes back through the hash resync instead.
      let last = "";
      let lastChange = Date.now();
      await waitFor(async () => {
        const now = (await sequenceIds(live)).join(",");
        if (now !== last) [last, lastChange] = [now, Date.now()];
        return Date.now() - lastChange >= 2_500;
      }, 30_000, 250);
      const appliesBefore = await agent.metric('manifestworks_processed_total{action="apply"}');
      expect(appliesBefore).toBeGreaterThan(0);
      const specsBefore = (await agent.metric("cloudevents_received_total"))!;
      const before = await sequenceIds(live);

      const statusResyncsBefore = (await agent.metric("maestro_agent_status_resync_requests_total")) ?? 0;

      await server.restart();
      await source.reopen();

      if (transport === "grpc") {
        // The agent's resync re-sends each status with a new sequence id (stored on the new server).
        await waitFor(async () => (await sequenceIds(live)).every((seq, i) => seq !== before[i]), 30_000, 100);
      } else {
        // MQTT (maestro-wire.md 3.3): the agent never lost the broker; the restarted server sends it
        // the hashes of the statuses it holds, and as none differs, nothing is re-sent.
        await waitFor(async () => ((await agent.metric("maestro_agent_status_resync_requests_total")) ?? 0) > statusResyncsBefore, 30_000, 100);
        expect(await sequenceIds(live)).toEqual(before);
      }
      expect(await agent.metric("maestro_agent_clusters_connected")).toBe(1);
      expect(await agent.metric('manifestworks_processed_total{action="apply"}')).toBe(appliesBefore);
      // gRPC: the server answered the agent's spec resync with the bundles being deleted only
      // (maestro-wire.md 3.1), the unchanged ones were not even sent again. MQTT: no spec resync
      // (the agent stayed connected to the broker), so no spec at all.
      const deleting = (await allBundles(server.rest, cluster)).filter((b) => b.deleted_at).length;
      const specsAfter = (await agent.metric("cloudevents_received_total"))!;
      if (transport === "grpc") expect(specsAfter - specsBefore).toBe(deleting);
      else expect(specsAfter - specsBefore).toBe(0);
      expect(agent.proc.exitCode).toBeNull();
    });

    test("a create after the restart is applied and its status reaches the source", async () => {
      const appliesBefore = (await agent.metric('manifestworks_processed_total{action="apply"}'))!;
      const id = await source.create({ manifests: [configMap("after-restart", { k: "fresh" })], manifestConfigs: [configOf(CONFIGMAPS, "after-restart", { feedbackRules: DATA_K })] });
      await source.waitStatus(id, (s) => appliedAndAvailable(s) && feedback(s, 0, "k")?.string === "fresh", { version: 1 });
      expect(await agent.metric('manifestworks_processed_total{action="apply"}')).toBe(appliesBefore + 1);
      await waitFor(async () => (await getBundle(server.rest, id)).body.status?.ObservedVersion === 1);
    });
  });

  if (transport === "mqtt") {
    describe(`broker outage: Mosquitto stops while the source publishes, then comes back (${storeKind}, ${transport})`, () => {
      test("every acknowledged bundle reaches the agent once, every status reaches the server, nothing is duplicated", async () => {
        const appliesBefore = (await agent.metric('manifestworks_processed_total{action="apply"}'))!;
        const rowsBefore = (await allBundles(server.rest, cluster)).length;
        await broker!.stop();
        // Acknowledged by the server (stored) while neither it nor the agent can reach the broker.
        const ids: string[] = [];
        for (let i = 0; i < 10; i++) {
          ids.push(await source.create({ manifests: [configMap(`outage-${i}`, { k: `v${i}` })], manifestConfigs: [configOf(CONFIGMAPS, `outage-${i}`, { feedbackRules: DATA_K })] }));
        }
        await broker!.start();
        for (const [i, id] of ids.entries()) {
          await source.waitStatus(id, (st) => appliedAndAvailable(st) && feedback(st, 0, "k")?.string === `v${i}`, { version: 1 });
        }
        await waitFor(async () => {
          for (const id of ids) if ((await getBundle(server.rest, id)).body.status?.ObservedVersion !== 1) return false;
          return true;
        });
        expect(await agent.metric('manifestworks_processed_total{action="apply"}')).toBe(appliesBefore + ids.length);
        const rows = await allBundles(server.rest, cluster);
        expect(rows.length).toBe(rowsBefore + ids.length);
        expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
        expect(agent.proc.exitCode).toBeNull();
        expect(server.process.proc.exitCode).toBeNull();
      });
    });
  }
}
