// Crash test (DESIGN "nothing acknowledged is lost across a crash"): sources publish creates and
// updates concurrently, the server is killed with SIGKILL while Publishes are in flight, and a
// new server on the same store must hold every Publish that was answered OK (at its version,
// never twice) and hand each of them to the agent exactly once in its spec resync (wire 3.1).
// The store survives the restart: a scratch PostgreSQL database with DATABASE_URL, else a PGlite
// data directory in a fresh temporary folder.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readInteger, readOptionalString } from "../../src/cloudevents/attributes.ts";
import { Ext } from "../../src/cloudevents/types.ts";
import { CloudEventClient } from "../../src/transport/grpc/client.ts";
import { createScratchDatabase, storeKind } from "../support/database.ts";
import { deploymentBundle, sourceSpecEvent, specResyncRequest } from "../support/events.ts";
import { Recorder, action } from "../support/recorder.ts";
import { startServerProcess, type ServerProcess } from "../support/server-process.ts";
import { waitFor } from "../support/wait.ts";

const cluster = "crash-cluster";
const source = "crash-source";
/** Concurrent publisher loops, each with one Publish outstanding at a time. */
const publishersCount = 8;
/** OK answers to collect before the kill: enough that the writer batches several rows per commit. */
const acksBeforeKill = 600;
/** Every 5th Publish of a loop is an update of a resource that loop created (phase shifted per loop). */
const updateEvery = 5;

let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
let dataDir: string | undefined;
let storeArgs: string[];
let first: ServerProcess | undefined;
let second: ServerProcess | undefined;

beforeAll(async () => {
  scratch = await createScratchDatabase();
  if (!scratch) dataDir = mkdtempSync(join(tmpdir(), "maestro-crash-"));
  storeArgs = scratch ? [`--db-url=${scratch.url}`] : [`--db-data-dir=${dataDir}`];
});

afterAll(async () => {
  if (first && first.proc.exitCode === null && first.proc.signalCode === null) await first.stop("SIGKILL");
  if (second) await second.stop("SIGKILL");
  await scratch?.drop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** What the publishers know: the version every acknowledged resource has, and what may have landed unacknowledged. */
interface Ledger {
  /** id -> version the server acknowledged (1 after the create, +1 per acknowledged update). */
  readonly acked: Map<string, number>;
  /** Creates sent and never answered OK (in flight at the kill, or failed): they may or may not exist. */
  readonly unansweredCreates: Set<string>;
  /** Updates sent and never answered OK: the row may hold acked + 1. */
  readonly unansweredUpdates: Set<string>;
  inFlightAtKill: number;
  okCount: number;
}

/**
 * One publisher: creates with fresh ids, and every `updateEvery`-th Publish an update of one of
 * its own acknowledged resources (sequential per loop, so each update's expected version is known).
 * Runs until a Publish fails (the server is gone).
 */
async function publisherLoop(client: CloudEventClient, ledger: Ledger, loop: number, inFlight: { n: number }): Promise<void> {
  const own: string[] = [];
  for (let n = 0; ; n++) {
    // Phases are staggered per loop, so that whatever instant the kill lands on, some loops are updating.
    const updating = (n + loop) % updateEvery === 0 && own.length > 0;
    const id = updating ? own[(n * 7 + loop) % own.length]! : crypto.randomUUID();
    const version = updating ? ledger.acked.get(id)! : 0;
    const event = updating
      ? sourceSpecEvent({ action: "update_request", source, cluster, id, version, bundle: deploymentBundle("nginx", version + 1) })
      : sourceSpecEvent({ action: "create_request", source, cluster, id, version: 0 });
    (updating ? ledger.unansweredUpdates : ledger.unansweredCreates).add(id);
    inFlight.n++;
    try {
      await client.publish(event, 10_000);
    } catch {
      return; // The server was killed: this Publish was not acknowledged and stays "unanswered".
    } finally {
      inFlight.n--;
    }
    (updating ? ledger.unansweredUpdates : ledger.unansweredCreates).delete(id);
    ledger.acked.set(id, updating ? version + 1 : 1);
    ledger.okCount++;
    if (!updating) own.push(id);
  }
}

const restJson = async (server: ServerProcess, path: string) => {
  const res = await fetch(`${server.rest}/api/maestro/v1${path}`);
  return { status: res.status, body: (await res.json()) as Record<string, any> };
};

/** Every resource bundle of the cluster over REST, page by page (ordered by id, so pages are stable). */
async function listAll(server: ServerProcess): Promise<{ id: string; version: number }[]> {
  const items: { id: string; version: number }[] = [];
  const search = encodeURIComponent(`consumer_name = '${cluster}'`);
  for (let page = 1; ; page++) {
    const { status, body } = await restJson(server, `/resource-bundles?search=${search}&orderBy=id&size=250&page=${page}`);
    expect(status).toBe(200);
    for (const item of body.items as { id: string; version: number }[]) items.push({ id: item.id, version: item.version });
    if ((body.items as unknown[]).length < 250) {
      expect(items.length).toBe(body.total);
      return items;
    }
  }
}

describe(`kill -9 while sources publish, then restart (${storeKind})`, () => {
  const ledger: Ledger = { acked: new Map(), unansweredCreates: new Set(), unansweredUpdates: new Set(), inFlightAtKill: 0, okCount: 0 };
  let rows: Map<string, number>;

  test("publishers get OKs until the server is killed mid-flight", async () => {
    first = await startServerProcess(storeArgs);
    const created = await fetch(`${first.rest}/api/maestro/v1/consumers`, { method: "POST", body: JSON.stringify({ name: cluster }) });
    expect(created.status).toBe(201);
    const client = new CloudEventClient(first.grpc);
    const inFlight = { n: 0 };
    const loops = Array.from({ length: publishersCount }, (_, loop) => publisherLoop(client, ledger, loop, inFlight));
    await waitFor(() => ledger.okCount >= acksBeforeKill, 30_000);
    ledger.inFlightAtKill = inFlight.n;
    first.proc.kill("SIGKILL");
    await Promise.all(loops);
    client.close();
    expect(await first.proc.exited).not.toBe(0);
    expect(first.proc.signalCode).toBe("SIGKILL");
    // The kill really happened with Publishes outstanding (each loop always has one in flight).
    expect(ledger.inFlightAtKill).toBeGreaterThan(0);
    expect(ledger.unansweredCreates.size + ledger.unansweredUpdates.size).toBeGreaterThan(0);
    expect([...ledger.acked.values()].some((v) => v > 1)).toBe(true);
  });

  test("after restart every acknowledged resource is stored at its acknowledged version, once", async () => {
    second = await startServerProcess(storeArgs);
    const listed = await listAll(second);
    rows = new Map(listed.map((r) => [r.id, r.version]));
    expect(rows.size).toBe(listed.length); // no id twice
    const missing = [...ledger.acked.keys()].filter((id) => !rows.has(id));
    expect(missing).toEqual([]);
    for (const [id, version] of ledger.acked) {
      const stored = rows.get(id)!;
      // An update that was in flight at the kill may have committed without its OK: acked + 1 at most.
      const allowed = ledger.unansweredUpdates.has(id) ? [version, version + 1] : [version];
      if (!allowed.includes(stored)) throw new Error(`${id}: stored version ${stored}, acknowledged ${version}`);
    }
    // Rows nobody acknowledged are creates that were in flight at the kill, stored at version 1.
    for (const [id, version] of rows) {
      if (ledger.acked.has(id)) continue;
      expect(ledger.unansweredCreates.has(id)).toBe(true);
      expect(version).toBe(1);
    }
    // A few single GETs agree with the list.
    for (const id of [...ledger.acked.keys()].slice(0, 20)) {
      const got = await restJson(second, `/resource-bundles/${id}`);
      expect(got.status).toBe(200);
      expect(got.body.version).toBe(rows.get(id));
      expect(got.body.deleted_at).toBeUndefined();
    }
  });

  test("an agent's spec resync after the restart receives every acknowledged resource exactly once", async () => {
    const agentClient = new CloudEventClient(second!.grpcBroker);
    const sourceClient = new CloudEventClient(second!.grpc);
    const agent = await Recorder.agent(agentClient, cluster);
    // The resync answer is handed to the stream before the Publish returns; a create published
    // afterwards is therefore queued behind it and marks the end of the answer.
    await agentClient.publish(specResyncRequest(cluster, []));
    const marker = crypto.randomUUID();
    await sourceClient.publish(sourceSpecEvent({ action: "create_request", source, cluster, id: marker, version: 0 }));
    const markerAt = await waitFor(() => {
      const at = agent.events.findIndex((e) => readOptionalString(e, Ext.resourceId) === marker);
      return at >= 0 ? at + 1 : undefined;
    }, 30_000);
    const answer = agent.events.slice(0, markerAt - 1);
    expect(answer.every((e) => action(e) === "spec.resync_response")).toBe(true);
    const received = new Map<string, number>();
    for (const e of answer) {
      const id = readOptionalString(e, Ext.resourceId)!;
      if (received.has(id)) throw new Error(`${id} was sent twice in one resync`);
      received.set(id, readInteger(e, Ext.resourceVersion));
      expect(e.extensions[Ext.deletionTimestamp]).toBeUndefined();
    }
    expect(received.size).toBe(rows.size);
    for (const [id, version] of rows) expect(received.get(id)).toBe(version);
    for (const id of ledger.acked.keys()) expect(received.has(id)).toBe(true);
    agent.cancel();
    agentClient.close();
    sourceClient.close();
  });

  test("the restarted server is healthy", async () => {
    const health = await fetch(`${second!.health}/healthcheck`);
    expect(health.status).toBe(200);
  });
});
