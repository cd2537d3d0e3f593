// Reconnects with the real server: an agent that missed changes resyncs its specs and gets
// exactly the newer, the deleting and the unknown ones (3.1); a source that missed statuses
// resyncs with its hashes and gets exactly the changed ones (3.2).

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readInteger, readOptionalString, readString } from "../../src/cloudevents/attributes.ts";
import { Ext } from "../../src/cloudevents/types.ts";
import { CloudEventClient } from "../../src/transport/grpc/client.ts";
import { storeKind } from "../support/database.ts";
import { agentStatusEvent, appliedStatus, deploymentBundle, sourceSpecEvent, specResyncRequest, statusResyncRequest } from "../support/events.ts";
import { Recorder, action } from "../support/recorder.ts";
import { startIsolatedServer, type IsolatedServer } from "../support/server-process.ts";
import { waitFor } from "../support/wait.ts";

let server: IsolatedServer;
let sourceClient: CloudEventClient;
let agentClient: CloudEventClient;
const cluster = "resync-cluster";
const source = "resync-source";

beforeAll(async () => {
  server = await startIsolatedServer();
  sourceClient = new CloudEventClient(server.grpc);
  agentClient = new CloudEventClient(server.grpcBroker);
  expect((await fetch(`${server.rest}/api/maestro/v1/consumers`, { method: "POST", body: JSON.stringify({ name: cluster }) })).status).toBe(201);
});
afterAll(async () => {
  sourceClient?.close();
  agentClient?.close();
  await server?.dispose();
});

const idOf = (e: Parameters<typeof readOptionalString>[0]) => readOptionalString(e, Ext.resourceId);
const create = (id: string, src = source) => sourceClient.publish(sourceSpecEvent({ action: "create_request", source: src, cluster, id, version: 0 }));

describe(`agent spec resync after a reconnect (${storeKind})`, () => {
  const [kept, updated, deleted, added, unknown] = ["kept", "updated", "deleted", "added", "unknown"].map(() => crypto.randomUUID()) as [string, string, string, string, string];

  test("an agent that missed an update, a delete and a create gets exactly those, plus a delete for an id the server lacks", async () => {
    const first = await Recorder.agent(agentClient, cluster);
    for (const id of [kept, updated, deleted]) await create(id);
    await waitFor(() => [kept, updated, deleted].every((id) => first.about(id).length === 1));
    first.cancel();
    await waitFor(async () => {
      const text = await (await fetch(`${server.metrics}/metrics`)).text();
      return text.includes('maestro_grpc_streams{kind="agent"} 0');
    });

    await sourceClient.publish(sourceSpecEvent({ action: "update_request", source, cluster, id: updated, version: 1, bundle: deploymentBundle("nginx", 5) }));
    await sourceClient.publish(sourceSpecEvent({ action: "delete_request", source, cluster, id: deleted, version: 1 }));
    await create(added);

    const again = await Recorder.agent(agentClient, cluster);
    const held = [kept, updated, deleted, unknown].map((resourceID) => ({ resourceID, resourceVersion: 1 }));
    await agentClient.publish(specResyncRequest(cluster, held));
    await waitFor(() => again.events.length >= 4);
    const byId = new Map(again.events.map((e) => [idOf(e), e]));
    expect([...byId.keys()].sort()).toEqual([updated, deleted, added, unknown].sort());
    expect(again.events).toHaveLength(4);
    for (const e of again.events) expect(action(e)).toBe("spec.resync_response");
    expect(readInteger(byId.get(updated)!, Ext.resourceVersion)).toBe(2);
    expect(byId.get(deleted)!.extensions[Ext.deletionTimestamp]?.kind).toBe("timestamp");
    expect(readInteger(byId.get(added)!, Ext.resourceVersion)).toBe(1);
    const gone = byId.get(unknown)!;
    expect(gone.source).toBe("source");
    expect(gone.extensions[Ext.deletionTimestamp]?.kind).toBe("timestamp");
    expect(readString(gone, Ext.clusterName)).toBe(cluster);
    expect(gone.data).toBeUndefined();
    again.cancel();
  });

  test("an empty resync list gets every resource of the consumer, deleting ones included", async () => {
    const fresh = await Recorder.agent(agentClient, cluster);
    await agentClient.publish(specResyncRequest(cluster, []));
    await waitFor(() => fresh.events.length >= 4);
    expect(fresh.events.map(idOf).sort()).toEqual([kept, updated, deleted, added].sort());
    fresh.cancel();
  });
});

describe(`source status resync after a reconnect (${storeKind})`, () => {
  const [changed, same, removed, other] = ["changed", "same", "removed", "other"].map(() => crypto.randomUUID()) as [string, string, string, string];

  test("a source that missed statuses resyncs with its hashes and gets exactly the changed ones", async () => {
    const first = await Recorder.source(sourceClient, source);
    for (const id of [changed, same, removed]) await create(id);
    await create(other, "another-source");
    for (const id of [changed, same, removed, other]) {
      await agentClient.publish(agentStatusEvent({ cluster, id, version: 1, status: appliedStatus({ generation: 1 }) }));
    }
    await waitFor(() => [changed, same, removed].every((id) => first.about(id).length === 1));
    expect(first.about(other)).toHaveLength(0);
    const hashes = new Map([changed, same, removed].map((id) => [id, readString(first.about(id)[0]!, Ext.statusHash)]));
    first.cancel();

    // Meanwhile: a new status for one resource, and another one finished deleting (row gone).
    await agentClient.publish(agentStatusEvent({ cluster, id: changed, version: 1, status: appliedStatus({ generation: 1, replicas: 3 }) }));
    await sourceClient.publish(sourceSpecEvent({ action: "delete_request", source, cluster, id: removed, version: 1 }));
    await agentClient.publish(agentStatusEvent({ cluster, id: removed, version: 1, status: appliedStatus({ generation: 1, deleted: true }) }));
    await waitFor(async () => (await fetch(`${server.rest}/api/maestro/v1/resource-bundles/${removed}`)).status === 404);

    const again = await Recorder.source(sourceClient, source);
    await sourceClient.publish(statusResyncRequest(source, [...hashes].map(([resourceID, statusHash]) => ({ resourceID, statusHash }))));
    const got = await again.waitFor((e) => idOf(e) === changed);
    expect(readString(got, Ext.statusHash)).not.toBe(hashes.get(changed));
    // Absence check: give the server time to send anything it would wrongly send, then look.
    await Bun.sleep(300);
    expect(again.events.map(idOf)).toEqual([changed]);
    again.cancel();
  });

  test("an empty hash list gets every status of that source and none of another source's", async () => {
    const fresh = await Recorder.source(sourceClient, source);
    await sourceClient.publish(statusResyncRequest(source, []));
    await waitFor(() => fresh.events.length >= 2);
    await Bun.sleep(300); // absence check: nothing else may follow
    // Resources of this source that have a status: not the deleted one, not another source's,
    // not the agent-resync resources above (they never got a status).
    expect(fresh.events.map(idOf).sort()).toEqual([changed, same].sort());
    for (const e of fresh.events) expect(action(e)).toBe("status.update_request");
    fresh.cancel();
  });
});
