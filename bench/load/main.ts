// `npm run bench:load -- <scenario> [flags]`: starts a server (PGlite, or PostgreSQL with
// DATABASE_URL) or targets one (--target), runs the scenario with simulated clusters, and
// writes bench/results/<scenario>-<date>.json plus its SVG chart. --smoke runs a short, small
// version that checks correctness (no loss, no duplicates) and exits non-zero when it fails.

import { ConfigError, HelpRequested, formatHelp, parseFlags, type FlagSpec } from "../../src/config/flags.ts";
import { startServer, targetServer, type ServerHandle } from "./processes.ts";
import { Progress } from "./progress.ts";
import { machine, writeResult, type RunResult } from "./results.ts";
import { runAroHcp } from "./scenarios/aro-hcp.ts";
import { runClusters } from "./scenarios/clusters.ts";
import { runThroughput } from "./scenarios/throughput.ts";

const flags: readonly FlagSpec[] = [
  { name: "smoke", kind: "bool", default: false, help: "Seconds and small N: checks correctness, not speed (CI runs this)" },
  { name: "target", kind: "string", default: "", help: "REST URL of a running server (its gRPC ports must be Maestro's defaults 8090/8091, metrics 8080); default: start one" },
  { name: "store", kind: "enum", default: "pglite", values: ["pglite", "postgres"], help: "Store of the --target server, for the result file (a started server uses DATABASE_URL if set)" },
  { name: "transport", kind: "enum", default: "grpc", values: ["grpc", "mqtt"], help: "How simulated clusters reach the server: grpc (its broker port) or mqtt (throughput, aro-hcp)" },
  { name: "mqtt-broker", kind: "string", default: "", help: "With --transport=mqtt: host:port of the MQTT broker (default: a private Mosquitto started for the run)" },
  { name: "clusters", kind: "int", default: 0, min: 0, max: 1_000_000, help: "Simulated clusters (default: throughput 100, clusters 200000; smoke: 10 / 500)" },
  { name: "duration", kind: "duration", default: 60_000, help: "throughput: how long to publish" },
  { name: "concurrency", kind: "int", default: 256, min: 1, max: 100_000, help: "throughput: publishes in flight" },
  { name: "connections", kind: "int", default: 4, min: 1, max: 1_000, help: "throughput: source gRPC connections" },
  { name: "rate", kind: "int", default: 0, min: 0, max: 1_000_000, help: "throughput: publishes per second (0 = as fast as acknowledged)" },
  { name: "update-ratio", kind: "string", default: "0.5", help: "throughput: share of publishes that update an existing bundle" },
  { name: "payload-bytes", kind: "int", default: 1024, min: 0, max: 4_000_000, help: "throughput: filler bytes in each bundle" },
  { name: "observe", kind: "bool", default: true, help: "throughput: time publish→agent with observer streams on the broker (doubles spec fanout)" },
  { name: "consumers", kind: "int", default: 10, min: 1, max: 10_000, help: "aro-hcp: consumers (each gets --bundles-per-consumer bundles)" },
  { name: "bundles-per-consumer", kind: "int", default: 600, min: 2, max: 100_000, help: "aro-hcp: bundles per consumer (half ManagedCluster, half HyperShift)" },
];

const usage = `Usage: npm run bench:load -- <throughput|clusters|aro-hcp> [flags]`;

async function run(scenario: string, argv: readonly string[]): Promise<{ result: RunResult; svg: string | undefined }> {
  const { values, given } = parseFlags(argv, flags);
  const smoke = Boolean(values.smoke);
  const progress = new Progress();
  const target = String(values.target);
  const transport = values.transport as "grpc" | "mqtt";
  const mqttBroker = String(values["mqtt-broker"]);
  if (transport === "mqtt" && target && !mqttBroker) throw new ConfigError("--target with --transport=mqtt needs --mqtt-broker (the broker the server uses)");
  const server: ServerHandle = target
    ? targetServer(target, values.store as "postgres" | "pglite", transport === "mqtt" ? mqttBroker : undefined)
    : await startServer(transport === "mqtt" ? { transport, brokerHost: mqttBroker } : { transport });
  try {
    let out: { metrics: Record<string, unknown>; svg?: string; params: Record<string, unknown> };
    if (scenario === "throughput") {
      const params = {
        clusters: Number(values.clusters) || (smoke ? 10 : 100),
        durationSec: given.has("duration") || !smoke ? Number(values.duration) / 1000 : 5,
        concurrency: given.has("concurrency") || !smoke ? Number(values.concurrency) : 32,
        connections: Number(values.connections),
        rate: Number(values.rate),
        updateRatio: Number(values["update-ratio"]),
        payloadBytes: Number(values["payload-bytes"]),
        observe: Boolean(values.observe),
        drainTimeoutSec: 60,
      };
      if (!(params.updateRatio >= 0 && params.updateRatio <= 1)) throw new ConfigError("--update-ratio must be between 0 and 1");
      out = { ...(await runThroughput(server, params, progress)), params };
    } else if (scenario === "clusters") {
      const params = { clusters: Number(values.clusters) || (smoke ? 500 : 200_000), statusTimeoutSec: 600 };
      out = { ...(await runClusters(server, params, progress)), params };
    } else if (scenario === "aro-hcp") {
      const params = { consumers: smoke && !given.has("consumers") ? 2 : Number(values.consumers), bundlesPerConsumer: smoke && !given.has("bundles-per-consumer") ? 20 : Number(values["bundles-per-consumer"]) };
      out = { ...(await runAroHcp(server, params, progress)), params };
    } else {
      throw new ConfigError(`unknown scenario "${scenario}"`);
    }
    progress.done(`${scenario}: done`);
    const result: RunResult = {
      scenario, date: new Date().toISOString(), command: `npm run bench:load -- ${scenario} ${argv.join(" ")}`.trim(), machine: machine(),
      store: server.store, transport: server.agentLink.transport, params: out.params, metrics: out.metrics, smoke,
    };
    return { result, svg: out.svg };
  } finally {
    await server.stop();
  }
}

/** A smoke run fails when anything was lost or duplicated. */
function smokeFailures(result: RunResult): string[] {
  const m = result.metrics as { lost?: number; duplicated?: number; publishFailures?: number };
  const failures: string[] = [];
  if ((m.lost ?? 0) > 0) failures.push(`${m.lost} lost`);
  if ((m.duplicated ?? 0) > 0) failures.push(`${m.duplicated} duplicated`);
  if ((m.publishFailures ?? 0) > 0) failures.push(`${m.publishFailures} publishes failed`);
  return failures;
}

const [scenario, ...rest] = process.argv.slice(2);
if (!scenario || scenario === "--help" || scenario === "-h") {
  process.stdout.write(formatHelp(usage, flags));
  process.exit(scenario ? 0 : 2);
}
try {
  const { result, svg } = await run(scenario, rest);
  const files = await writeResult(result, svg);
  process.stdout.write(`${JSON.stringify(result.metrics, null, 2)}\n${files.join("\n")}\n`);
  const failures = result.smoke ? smokeFailures(result) : [];
  if (failures.length > 0) {
    process.stderr.write(`smoke run failed: ${failures.join(", ")}\n`);
    process.exit(1);
  }
  process.exit(0);
} catch (err) {
  if (err instanceof HelpRequested) {
    process.stdout.write(formatHelp(usage, flags));
    process.exit(0);
  }
  process.stderr.write(`bench:load ${scenario}: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(err instanceof ConfigError ? 2 : 1);
}
