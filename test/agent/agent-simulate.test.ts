// Many simulated clusters in one agent process, their streams sharing a few gRPC connections:
// every cluster connects, and bundles for clusters on different connections are applied and
// reported. (Large numbers of clusters are a benchmark: `npm run bench:load -- clusters`.)

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readOptionalString } from "../../src/cloudevents/attributes.ts";
import { Ext } from "../../src/cloudevents/types.ts";
import { CloudEventClient } from "../../src/transport/grpc/client.ts";
import { startAgentProcess, type AgentProcess } from "../support/agent-process.ts";
import { storeKind } from "../support/database.ts";
import { sourceSpecEvent } from "../support/events.ts";
import { Recorder } from "../support/recorder.ts";
import { startIsolatedServer, type IsolatedServer } from "../support/server-process.ts";
import { waitFor } from "../support/wait.ts";

const clusters = 300;
const perConnection = 100;
let server: IsolatedServer;
let agent: AgentProcess;
let source: CloudEventClient;

beforeAll(async () => {
  server = await startIsolatedServer();
  source = new CloudEventClient(server.grpc);
  // Consumers of the clusters that will get a bundle (the broker itself does not need them).
  for (const n of [1, 150, 300]) {
    expect((await fetch(`${server.rest}/api/maestro/v1/consumers`, { method: "POST", body: JSON.stringify({ name: `multi-${n}` }) })).status).toBe(201);
  }
  agent = await startAgentProcess({ broker: server.grpcBroker, args: [`--simulate=${clusters}`, "--consumer-prefix=multi", `--clusters-per-connection=${perConnection}`, "--status-sync-interval=1s"] });
});
afterAll(async () => {
  source?.close();
  await agent?.dispose();
  await server?.dispose();
});

const serverMetric = async (series: string) => {
  const text = await (await fetch(`${server.metrics}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line ? Number(line.split(" ").pop()) : undefined;
};

describe(`--simulate ${clusters} with ${perConnection} clusters per connection (${storeKind})`, () => {
  test("every simulated cluster subscribes", async () => {
    await waitFor(async () => (await serverMetric('maestro_grpc_streams{kind="agent"}')) === clusters, 30_000);
    expect(await agent.metric("maestro_agent_clusters_connected")).toBe(clusters);
  });

  test("clusters on different connections each apply their bundle and report", async () => {
    const statuses = await Recorder.source(source, "multi-src");
    const ids = new Map([1, 150, 300].map((n) => [crypto.randomUUID(), `multi-${n}`]));
    for (const [id, cluster] of ids) await source.publish(sourceSpecEvent({ action: "create_request", source: "multi-src", cluster, id, version: 0 }));
    await waitFor(() => [...ids.keys()].every((id) => statuses.events.some((e) => readOptionalString(e, Ext.resourceId) === id)), 20_000);
    expect(await agent.metric('manifestworks_processed_total{action="apply"}')).toBe(3);
    statuses.cancel();
  });
});
