// The work client across a restart of the REAL server on the same store (PostgreSQL scratch
// database, or PGlite in a temporary directory) and the same ports: the client reconnects by
// itself; with status resync (maestro-wire.md 3.2) the server re-sends exactly the statuses whose
// hash changed while it was away; without it, the watch's REST re-list (3.4) still catches up.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readOptionalString, readString } from "../../src/cloudevents/attributes.ts";
import { Ext, type CloudEvent } from "../../src/cloudevents/types.ts";
import {
  isWorkStatusEvent,
  manifestWorkFromStatusEvent,
  manifestWorkStatusHash,
} from "../../src/client/manifest-work.ts";
import { MaestroRestClient } from "../../src/client/rest-client.ts";
import { SourceConnection, type SubscribedInfo } from "../../src/client/source-connection.ts";
import { statusResyncRequestEvent } from "../../src/client/source-events.ts";
import { SourceWorkClient } from "../../src/client/work-client.ts";
import { storeKind } from "../support/database.ts";
import { appliedStatus } from "../support/events.ts";
import { waitFor } from "../support/wait.ts";
import { RestartableServer } from "../support/restartable-server.ts";
import { FAST_BACKOFF, HoldableTimers, SimAgent, WatchLog, deploymentWork, goWorkId, specVersion } from "./e2e-support.ts";

const CLUSTER = "c-restart";
const SOURCE = "e2e-resync-source";
const GO_SOURCE = "e2e-relist-source";

/** One source's client stack with the events its connection received and the hashes it holds. */
class TrackedClient {
  readonly received: CloudEvent[] = [];
  readonly hashes = new Map<string, string>();
  readonly subscriptions: SubscribedInfo[] = [];
  readonly errors: [unknown, string][] = [];
  readonly connection: SourceConnection;
  readonly client: SourceWorkClient;

  constructor(server: RestartableServer, sourceId: string, timers: HoldableTimers, withResync: boolean) {
    this.connection = new SourceConnection({
      sourceId,
      address: server.grpc,
      backoff: FAST_BACKOFF,
      timers,
      // An sdk-go generic source sends the hashes of the statuses it holds (here: the last one received per work).
      statusResync: withResync ? () => [...this.hashes].map(([resourceID, statusHash]) => ({ resourceID, statusHash })) : undefined,
    });
    this.connection.listen({
      onEvent: (e) => {
        this.received.push(e);
        if (isWorkStatusEvent(e)) this.hashes.set(readString(e, Ext.resourceId), manifestWorkStatusHash(manifestWorkFromStatusEvent(e)));
      },
      onSubscribed: (info) => this.subscriptions.push(info),
      onError: (err, context) => this.errors.push([err, context]),
    });
    this.client = new SourceWorkClient({
      sourceId,
      connection: this.connection,
      rest: new MaestroRestClient({ baseUrl: server.rest }),
      ownsConnection: true,
      onError: (err, context) => this.errors.push([err, context]),
    });
    this.connection.start();
  }

  /** Ids of the status events received from index `from` on, in order. */
  idsSince(from: number): string[] {
    return this.received.slice(from).map((e) => readOptionalString(e, Ext.resourceId) ?? "");
  }

  waitForStatus(id: string, pred: (e: CloudEvent) => boolean, from = 0): Promise<CloudEvent> {
    return waitFor(() => this.received.slice(from).find((e) => readOptionalString(e, Ext.resourceId) === id && pred(e)), 10_000);
  }
}

const replicasIn = (e: CloudEvent) =>
  manifestWorkFromStatusEvent(e).status?.resourceStatus?.manifests?.[0]?.statusFeedback?.values?.[0]?.fieldValue?.integer;

let server: RestartableServer;
let rest: MaestroRestClient;
let agent: SimAgent;
const timers = new HoldableTimers();
let resyncing: TrackedClient;
let relisting: TrackedClient;
const resyncLog = new WatchLog();
const relistLog = new WatchLog();

const w1 = goWorkId(SOURCE, CLUSTER, "w1");
const w2 = goWorkId(SOURCE, CLUSTER, "w2");
const w3 = goWorkId(SOURCE, CLUSTER, "w3");
const wg = goWorkId(GO_SOURCE, CLUSTER, "wg");

beforeAll(async () => {
  server = await RestartableServer.start({ persistent: true });
  rest = new MaestroRestClient({ baseUrl: server.rest });
  await rest.createConsumer({ name: CLUSTER });
  agent = await SimAgent.connect(server.grpcBroker, CLUSTER);
  resyncing = new TrackedClient(server, SOURCE, timers, true);
  relisting = new TrackedClient(server, GO_SOURCE, timers, false);
  await resyncing.connection.whenSubscribed(10_000);
  await relisting.connection.whenSubscribed(10_000);
});

afterAll(async () => {
  timers.release();
  resyncing?.client.close();
  relisting?.client.close();
  agent?.close();
  await server?.close();
});

describe(`the client reconnects after a server restart on the same store (${storeKind})`, () => {
  test("before: works created, the agent's statuses received; the client's hashes equal the agent's", async () => {
    for (const name of ["w1", "w2", "w3"]) await resyncing.client.works(CLUSTER).create(deploymentWork(name));
    await relisting.client.works(CLUSTER).create(deploymentWork("wg"));
    await resyncing.client.works(CLUSTER).watch(resyncLog.handler);
    await relisting.client.works(CLUSTER).watch(relistLog.handler);
    for (const id of [w1, w2, w3, wg]) {
      const spec = await agent.waitForSpec(id, "spec.create_request");
      const status = await agent.reportStatus(id, specVersion(spec));
      const received = await (id === wg ? relisting : resyncing).waitForStatus(id, () => true);
      expect(readString(received, Ext.statusHash)).toBe(readString(status, Ext.statusHash));
      if (id !== wg) expect(resyncing.hashes.get(id)).toBe(readString(status, Ext.statusHash));
    }
    await resyncLog.waitFor("MODIFIED", w3, (e) => e.object.status !== undefined);
    await relistLog.waitFor("MODIFIED", wg, (e) => e.object.status !== undefined);
    expect(resyncing.subscriptions.length).toBe(1);
  });

  test("the server stops; both clients go to backoff and their reconnect comes due (held by the test)", async () => {
    timers.hold();
    expect(await server.stop()).toBe(0);
    agent.close();
    await waitFor(() => resyncing.connection.state === "backoff" && relisting.connection.state === "backoff");
    await waitFor(() => timers.parked >= 2);
  });

  test("restarted on the same store and ports, the server gets new statuses no client is there to receive", async () => {
    await server.startAgain();
    agent = await SimAgent.connect(server.grpcBroker, CLUSTER);
    const [r1, rg] = [resyncing.received.length, relisting.received.length];
    await agent.reportStatus(w1, 1, appliedStatus({ generation: 1, replicas: 7 }));
    await agent.reportStatus(wg, 1, appliedStatus({ generation: 1, replicas: 8 }));
    await waitFor(async () => (await rest.getResourceBundle(w1)).status?.resourceStatus?.[0]?.statusFeedback?.values?.[0]?.fieldValue?.integer === 7);
    await waitFor(async () => (await rest.getResourceBundle(wg)).status?.resourceStatus?.[0]?.statusFeedback?.values?.[0]?.fieldValue?.integer === 8);
    expect(resyncing.received.length).toBe(r1);
    expect(relisting.received.length).toBe(rg);
    // The data survived the restart.
    expect((await rest.listResourceBundles({ search: `consumer_name='${CLUSTER}'` })).total).toBe(4);
  });

  test("with status resync: the client reconnects by itself and gets exactly the status it missed", async () => {
    const from = resyncing.received.length;
    const logFrom = resyncLog.events.length;
    timers.release();
    await waitFor(() => resyncing.subscriptions.length === 2 && relisting.subscriptions.length === 2);
    expect(resyncing.subscriptions[1]?.reconnect).toBe(true);
    const missed = await resyncing.waitForStatus(w1, (e) => replicasIn(e) === 7, from);
    expect(readString(missed, Ext.resourceId)).toBe(w1);
    // Barrier: ask for w3 explicitly; its answer comes after anything the automatic resync sent.
    await resyncing.connection.publish(statusResyncRequestEvent(SOURCE, [{ resourceID: w3, statusHash: "stale" }]));
    await resyncing.waitForStatus(w3, () => true, from);
    // w2 and w3 had unchanged hashes: the automatic resync did not send them.
    expect(resyncing.idsSince(from)).toEqual([w1, w3]);
    // The watch reports the missed status too (from the resync and/or the re-list after reconnect).
    const event = await resyncLog.waitFor("MODIFIED", w1, (e) => e.object.status?.resourceStatus?.manifests?.[0]?.statusFeedback?.values?.[0]?.fieldValue?.integer === 7, logFrom);
    expect(event.object.metadata.namespace).toBe(CLUSTER);
  });

  test("without status resync: no status event comes, but the watch's REST re-list reports the missed status", async () => {
    const event = await relistLog.waitFor("MODIFIED", wg, (e) => e.object.status?.resourceStatus?.manifests?.[0]?.statusFeedback?.values?.[0]?.fieldValue?.integer === 8);
    expect(event.object.metadata).toMatchObject({ name: "wg", namespace: CLUSTER, resourceVersion: "1", generation: 1 });
    expect(relisting.received.filter((e) => isWorkStatusEvent(e)).map((e) => readString(e, Ext.resourceId))).toEqual([wg]);
  });

  test("after the restart the clients work as before: get, patch to the new agent, live statuses", async () => {
    const works = resyncing.client.works(CLUSTER);
    expect((await works.get("w1")).status?.resourceStatus?.manifests?.[0]?.statusFeedback?.values?.[0]?.fieldValue?.integer).toBe(7);
    const mark = agent.mark;
    await works.patch("w2", "merge", { metadata: { labels: { after: "restart" } } });
    const spec = await agent.waitForSpec(w2, "spec.update_request", mark);
    expect(specVersion(spec)).toBe(2);
    const from = resyncLog.events.length;
    await agent.reportStatus(w2, 2);
    const event = await resyncLog.waitFor("MODIFIED", w2, () => true, from);
    expect(event.object.metadata).toMatchObject({ resourceVersion: "2", labels: { after: "restart" } });
    expect(resyncing.errors).toEqual([]);
    expect(relisting.errors).toEqual([]);
  });
});
