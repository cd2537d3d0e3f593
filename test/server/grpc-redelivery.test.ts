// The "undelivered" detector against the real server process (DESIGN "nothing acknowledged is
// lost", "deletes always finish", "deletes never starve creates"), with a 1 s threshold and a 1 s
// scan: a spec the agent never confirmed is pushed again (same id, same version) until a status
// for the current version arrives; an unconfirmed delete is re-sent until Deleted=True; an absent
// agent is not pushed to; an update is re-sent at its new version; and a create is re-sent in the
// same scan as many unconfirmed deletes of its cluster, ahead of them.
//
// Absence ("nothing more is sent") is proven against scans that provably ran: a witness resource
// that its agent never confirms is re-sent by every scan, so each re-send of it marks one scan.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readInteger, readOptionalString, readTime } from "../../src/cloudevents/attributes.ts";
import { Ext, type CloudEvent } from "../../src/cloudevents/types.ts";
import { CloudEventClient } from "../../src/transport/grpc/client.ts";
import { createScratchDatabase, storeKind } from "../support/database.ts";
import { agentStatusEvent, appliedStatus, deploymentBundle, sourceSpecEvent, specResyncRequest } from "../support/events.ts";
import * as grpc from "@grpc/grpc-js";
import { Recorder, action } from "../support/recorder.ts";
import { startServerProcess, type ServerProcess } from "../support/server-process.ts";
import { waitFor } from "../support/wait.ts";
import { ThrottleProxy } from "./streams/throttle-proxy.ts";

const cluster = "rd-cluster";
const absentCluster = "rd-absent";
const starveCluster = "rd-starve";
const lateCluster = "rd-late";
const stalledCluster = "rd-stalled";
/** A small per-stream bound (pacing chunks are a quarter of it), for the stalled-stream test. */
const pendingBytesMax = 262_144;
const source = "rd-source";
/** Unconfirmed deletes queued ahead of one undelivered create in the starvation test. */
const deletesCount = 200;
/** A scan runs every ~1 s (±10% jitter); a few scans fit comfortably in this. */
const scanWaitMs = 10_000;

let server: ServerProcess;
let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
let sourceClient: CloudEventClient;
let agentClient: CloudEventClient;
let agent: Recorder;
const witnessId = crypto.randomUUID();

const idOf = (e: CloudEvent) => readOptionalString(e, Ext.resourceId) ?? "";
const rest = async (path: string) => (await fetch(`${server.rest}/api/maestro/v1${path}`)).status;

beforeAll(async () => {
  scratch = await createScratchDatabase();
  const store = scratch ? [`--db-url=${scratch.url}`] : ["--db-data-dir=memory://"];
  server = await startServerProcess([...store, "--undelivered-resource-threshold=1", "--undelivered-check-interval=1s", `--subscriber-pending-bytes-max=${pendingBytesMax}`]);
  sourceClient = new CloudEventClient(server.grpc);
  agentClient = new CloudEventClient(server.grpcBroker);
  for (const name of [cluster, absentCluster, starveCluster, lateCluster, stalledCluster]) {
    const created = await fetch(`${server.rest}/api/maestro/v1/consumers`, { method: "POST", body: JSON.stringify({ name }) });
    expect(created.status).toBe(201);
  }
  agent = await Recorder.agent(agentClient, cluster);
  // The witness is the cluster's oldest unconfirmed resource: every scan re-sends it first in the
  // cluster's batch, so whatever a scan sends to this cluster arrives after the witness's copy.
  await create(cluster, witnessId);
  await agent.waitFor((e) => idOf(e) === witnessId);
});

afterAll(async () => {
  sourceClient?.close();
  agentClient?.close();
  await server?.stop("SIGKILL");
  await scratch?.drop();
});

function create(clusterName: string, id: string): Promise<void> {
  return sourceClient.publish(sourceSpecEvent({ action: "create_request", source, cluster: clusterName, id, version: 0 }));
}

function reportStatus(clusterName: string, id: string, version: number, deleted = false): Promise<void> {
  return agentClient.publish(agentStatusEvent({ cluster: clusterName, id, version, status: appliedStatus({ generation: version, deleted }) }));
}

/** Waits until the witness has been re-sent `n` more times, i.e. `n` more scans ran. */
async function scansRun(n: number, timeoutMs = scanWaitMs * n): Promise<void> {
  const start = agent.about(witnessId).length;
  await waitFor(() => agent.about(witnessId).length >= start + n, timeoutMs);
}

/**
 * Proves that `id` gets nothing more on `recorder` once what was published before `countAtT0`
 * was taken is committed. Scans run one after another ~1 s apart: the scan whose witness copy
 * arrives second after t0 started after t0, so it and later scans must send nothing for `id`; at
 * most one scan that read its rows just before t0 may still send one copy.
 */
async function expectNoMoreAfter(recorder: Recorder, id: string, countAtT0: number): Promise<void> {
  await scansRun(2);
  const atSecondScan = recorder.about(id).length;
  expect(atSecondScan - countAtT0).toBeLessThanOrEqual(1);
  await scansRun(1);
  // Everything the second scan sent to `cluster` came after its witness copy, so it has arrived
  // by now (FIFO per stream); for other clusters this covers at least the whole second scan.
  expect(recorder.about(id).length).toBe(atSecondScan);
}

// The scenarios use distinct resources and only read the shared witness, so they run concurrently
// (each waits on scans, not on CPU); the health check runs after them.
describe(`undelivered detector (threshold 1 s, scan every 1 s) on ${storeKind}`, () => {
  test.concurrent("a create the agent never confirms is pushed again with the same resourceid and version, until a status for it arrives", async () => {
    const id = crypto.randomUUID();
    await create(cluster, id);
    const copies = await waitFor(() => (agent.about(id).length >= 3 ? agent.about(id) : undefined), scanWaitMs * 3);
    for (const e of copies) {
      expect(action(e)).toBe("spec.create_request");
      expect(readInteger(e, Ext.resourceVersion)).toBe(1);
      expect(e.id).toBe(copies[0]!.id); // the stored event, re-sent as it was first sent
      expect(e.extensions[Ext.deletionTimestamp]).toBeUndefined();
    }
    await reportStatus(cluster, id, 1);
    await expectNoMoreAfter(agent, id, agent.about(id).length);
    // The witness, never confirmed, is still being re-sent: the scans go on.
    expect(agent.about(witnessId).length).toBeGreaterThanOrEqual(4);
  });

  test.concurrent("an update without a status for its new version is pushed again at the new version", async () => {
    const id = crypto.randomUUID();
    await create(cluster, id);
    await agent.waitFor((e) => idOf(e) === id);
    await reportStatus(cluster, id, 1);
    await sourceClient.publish(sourceSpecEvent({ action: "update_request", source, cluster, id, version: 1, bundle: deploymentBundle("nginx", 2) }));
    const updates = () => agent.about(id).filter((e) => action(e) === "spec.update_request");
    await waitFor(() => updates().length >= 3, scanWaitMs * 3);
    expect(agent.about(id).filter((e) => action(e) === "spec.create_request").length).toBe(1);
    for (const e of updates()) expect(readInteger(e, Ext.resourceVersion)).toBe(2);
    // A status for the old version does not count as delivered.
    await reportStatus(cluster, id, 1);
    const before = updates().length;
    await scansRun(2);
    expect(updates().length).toBeGreaterThan(before);
    await reportStatus(cluster, id, 2);
    await expectNoMoreAfter(agent, id, agent.about(id).length);
  });

  test.concurrent("a delete the agent never confirms is re-sent until Deleted=True; then the row is gone", async () => {
    const id = crypto.randomUUID();
    await create(cluster, id);
    await agent.waitFor((e) => idOf(e) === id);
    await reportStatus(cluster, id, 1);
    await sourceClient.publish(sourceSpecEvent({ action: "delete_request", source, cluster, id, version: 1 }));
    const deletes = () => agent.about(id).filter((e) => action(e) === "spec.delete_request");
    await waitFor(() => deletes().length >= 3, scanWaitMs * 3);
    const copies = deletes();
    for (const e of copies) {
      expect(readInteger(e, Ext.resourceVersion)).toBe(1);
      // Every copy carries the same deletion time: the row's deleted_at.
      expect(readTime(e, Ext.deletionTimestamp)).toEqual(readTime(copies[0]!, Ext.deletionTimestamp));
    }
    expect(new Set(copies.map((e) => e.id)).size).toBe(copies.length); // each re-send is a new event
    expect(await rest(`/resource-bundles/${id}`)).toBe(200);
    await reportStatus(cluster, id, 1, true);
    await waitFor(async () => (await rest(`/resource-bundles/${id}`)) === 404);
    await expectNoMoreAfter(agent, id, agent.about(id).length);
  });

  test.concurrent("an agent that is not connected is not pushed to; when it connects, only its own resync brings the resource", async () => {
    const id = crypto.randomUUID();
    await create(absentCluster, id);
    // Three scans: the last ones ran while the resource was past the threshold and its agent absent.
    await scansRun(3);
    // Right after a scan the next one is ~1 s away: connect and resync well inside that gap, so
    // anything that reaches the new stream before the resync answer would be a flushed backlog.
    const lateClient = new CloudEventClient(server.grpcBroker);
    const late = await Recorder.agent(lateClient, absentCluster);
    expect(late.events).toEqual([]);
    await agentClient.publish(specResyncRequest(absentCluster, []));
    await late.waitFor((e) => idOf(e) === id);
    expect(late.events.map((e) => [idOf(e), action(e), readInteger(e, Ext.resourceVersion)])).toEqual([[id, "spec.resync_response", 1]]);
    await reportStatus(absentCluster, id, 1);
    await expectNoMoreAfter(late, id, late.about(id).length);
    expect(late.events.length).toBe(1);
    late.cancel();
    lateClient.close();
  });

  test.concurrent("an agent that connects late and does not resync gets the undelivered resource from the next scan", async () => {
    const id = crypto.randomUUID();
    await create(lateCluster, id);
    await scansRun(2);
    const lateClient = new CloudEventClient(server.grpcBroker);
    const late = await Recorder.agent(lateClient, lateCluster);
    const pushed = await late.waitFor((e) => idOf(e) === id, scanWaitMs);
    expect(action(pushed)).toBe("spec.create_request");
    expect(readInteger(pushed, Ext.resourceVersion)).toBe(1);
    late.cancel();
    lateClient.close();
  });

  test.concurrent("deletes do not starve creates: one undelivered create is re-sent in the same scan as many unconfirmed deletes, ahead of them", async () => {
    const starved = await Recorder.agent(agentClient, starveCluster);
    const ids = Array.from({ length: deletesCount }, () => crypto.randomUUID());
    const inParallel = async (work: (id: string) => Promise<void>) => {
      for (let i = 0; i < ids.length; i += 20) await Promise.all(ids.slice(i, i + 20).map(work));
    };
    await inParallel((id) => create(starveCluster, id));
    await inParallel((id) => sourceClient.publish(sourceSpecEvent({ action: "delete_request", source, cluster: starveCluster, id, version: 1 })));
    const createId = crypto.randomUUID();
    await create(starveCluster, createId);
    // The first copy is the live create; the second is the redelivery.
    const copiesAt = () => starved.events.flatMap((e, i) => (idOf(e) === createId ? [i] : []));
    await waitFor(() => copiesAt().length >= 2, scanWaitMs * 2);
    const redelivered = copiesAt()[1]!;
    expect(action(starved.events[redelivered]!)).toBe("spec.create_request");
    // The rest of that scan's batch for the cluster: every unconfirmed delete, after the create.
    // (Only deletes follow it; a late copy of one, e.g. from the next scan on a busy machine, may
    // slip in, so the check is "each at least once", not an exact slice.)
    const after = () => starved.events.slice(redelivered + 1);
    await waitFor(() => new Set(after().map(idOf)).size >= deletesCount, scanWaitMs);
    expect(after().every((e) => action(e) === "spec.delete_request" || idOf(e) === createId)).toBe(true);
    expect([...new Set(after().filter((e) => action(e) === "spec.delete_request").map(idOf))].sort()).toEqual([...ids].sort());
    starved.cancel();
  });

  test("the server is still healthy and the agent stream never ended", async () => {
    expect((await fetch(`${server.health}/healthcheck`)).status).toBe(200);
    expect(agent.ended).toBeUndefined();
  });
});

// KNOWN SERVER BUG (reported, not fixed here): a redelivery scan awaits every cluster's paced
// delivery (Redelivery.runOnce -> Promise.all(specsPaced)), and a paced delivery waits until
// every stream of the cluster has flushed (StreamRegistry.deliverPaced -> flushed(key)). One
// stalled agent stream still under its bound therefore stops the scanner for EVERY cluster until
// that stream is closed by something else. Runs last: once it fails, the scanner is stuck. This
// test pins the bug and fails until it is fixed.
describe(`a stalled agent stream does not stop redelivery for other clusters (${storeKind})`, () => {
  test("the witness of another cluster keeps being re-sent while a stalled stream has a big redelivery batch", async () => {
    const ownConnection: grpc.ChannelOptions = { "grpc.use_local_subchannel_pool": 1 };
    const proxy = new ThrottleProxy(Number(server.grpcBroker.split(":").at(-1)));
    const fastClient = new CloudEventClient(server.grpcBroker, { channelOptions: ownConnection });
    const stalledClient = new CloudEventClient(await proxy.listen(), { channelOptions: ownConnection });
    const fast = await Recorder.agent(fastClient, stalledCluster);
    await Recorder.agent(stalledClient, stalledCluster);
    proxy.stall();
    const metric = 'maestro_grpc_stream_pending_bytes{kind="agent"} ';
    const pendingBytes = async () => Number((await (await fetch(`${server.metrics}/metrics`)).text()).split("\n").find((l) => l.startsWith(metric))?.slice(metric.length) ?? 0);
    // ~10 KB specs, never confirmed, until frames wait in the stalled stream's queue (far under
    // the bound): each scan then re-sends more than one pacing chunk (bound / 4) to this cluster.
    let published = 0;
    while (published < 8 || (await pendingBytes()) === 0) {
      const bundle = { manifests: [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `blob-${published}`, namespace: "default" }, data: { blob: "x".repeat(10_000) } }] };
      await sourceClient.publish(sourceSpecEvent({ action: "create_request", source, cluster: stalledCluster, id: crypto.randomUUID(), version: 0, bundle }));
      published++;
      await waitFor(() => fast.events.length === published, 10_000, 1);
      expect(published).toBeLessThan(40);
    }
    // Scans must go on for the other clusters (and reach the fast agent of this one): three scans
    // take ~3 s; a stuck scanner fails here after 8 s instead of the generous default.
    await scansRun(3, 8_000);
    expect(fast.events.length).toBeGreaterThan(published);
    proxy.resume();
    fastClient.close();
    stalledClient.close();
    await proxy.close();
  });
});
