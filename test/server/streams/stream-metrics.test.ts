// registerStreamMetrics: our per-kind gauges and counters and Maestro's source-port metrics,
// read from the registries at scrape time.

import { describe, expect, test } from "bun:test";
import { Registry } from "prom-client";
import { StreamRegistry, registerStreamMetrics } from "../../../src/server/streams/mod.ts";
import { CapturingLogger, FakeSink, frameOf } from "./fake-sink.ts";

describe("registerStreamMetrics", () => {
  test("exposes streams, keys, frames, closes and Maestro's source metrics", async () => {
    const source = new StreamRegistry({ kind: "source", log: new CapturingLogger() });
    const agent = new StreamRegistry({ kind: "agent", log: new CapturingLogger(), limits: { pendingFramesMax: 1 } });
    const prom = new Registry();
    registerStreamMetrics(prom, { source, agent }, { publishResponsesSent: () => [["src-a", 4]] });
    source.open("src-a", new FakeSink(), { id: "1" });
    source.open("src-a", new FakeSink(), { id: "2" });
    source.open("src-b", new FakeSink(), { id: "3" });
    const slow = new FakeSink();
    slow.accepting = false;
    agent.open("cluster-1", slow, { id: "4" });
    source.deliver("src-a", frameOf(1, 10));
    for (let n = 0; n < 3; n++) agent.deliver("cluster-1", frameOf(n, 10));
    source.flush();
    agent.flush();
    const text = await prom.metrics();
    const has = (line: string) => expect(text).toContain(line);
    has('maestro_grpc_streams{kind="source"} 3');
    has('maestro_grpc_streams{kind="agent"} 0');
    has('maestro_grpc_stream_keys{kind="source"} 2');
    has('maestro_grpc_stream_frames_sent_total{kind="source"} 2');
    has('maestro_grpc_stream_bytes_sent_total{kind="source"} 20');
    has('maestro_grpc_stream_closes_total{kind="agent",reason="SlowConsumerPendingCount"} 1');
    has('maestro_grpc_stream_closes_total{kind="source",reason="ClientClosed"} 0');
    has('grpc_server_registered_source_clients{source="src-a"} 2');
    has('grpc_server_registered_source_clients{source="src-b"} 1');
    has('grpc_server_message_sent_total{type="Subscribe",source="src-a"} 2');
    has('grpc_server_message_sent_total{type="Publish",source="src-a"} 4');
    has('maestro_grpc_stream_heartbeats_total{kind="agent",outcome="sent"} 0');
  });
});
