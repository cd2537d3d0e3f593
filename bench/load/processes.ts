// The processes a load run drives: the server (started here on the chosen store, or an
// existing one with --target) and the simulated-cluster agent, plus reading their metrics,
// RSS and CPU time from /proc. Everything started here is stopped by `stop()`.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createScratchDatabase } from "../../test/support/database.ts";
import { parseBrokerConfig, type MqttBrokerConfig } from "../../src/transport/mqtt/broker-config.ts";
import { startMosquitto } from "../../test/support/mosquitto.ts";
import { mqttBrokerYaml } from "../../test/support/restartable-server.ts";

const root = join(import.meta.dir, "..", "..");

/** How agents reach the server: its gRPC broker port, or an MQTT broker both use. */
export type AgentLink = { readonly transport: "grpc"; readonly broker: string } | { readonly transport: "mqtt"; readonly brokerHost: string };


/** The same settings for the harness's own MQTT clients (observers). */
export function benchBrokerConfig(brokerHost: string): MqttBrokerConfig {
  return parseBrokerConfig(mqttBrokerYaml(brokerHost));
}

/**
 * Mosquitto lines for a load run: its default 1,000 queued QoS 1 messages per client would drop
 * statuses behind the server's single subscription and specs behind the observer.
 */
const mosquittoLoadConfig = ["max_queued_messages 10000000", "max_inflight_messages 1000"];

/** Where the server's ports are. */
export interface ServerEndpoints {
  readonly rest: string;
  readonly grpc: string;
  /** How simulated clusters reach the server. */
  readonly agentLink: AgentLink;
  readonly metrics: string;
  /** The server's pid when this run started it (RSS/CPU readings); undefined with --target. */
  readonly pid: number | undefined;
}

/** A started or targeted server. */
export interface ServerHandle extends ServerEndpoints {
  readonly store: "postgres" | "pglite";
  stop(): Promise<void>;
}

async function lineWith(stream: ReadableStream<Uint8Array>, msg: string, timeoutMs: number): Promise<Record<string, unknown>> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let buffered = "";
  const deadline = Date.now() + timeoutMs;
  try {
    while (Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      buffered += decoder.decode(value, { stream: true });
      const line = buffered.split("\n").find((l) => l.includes(`"msg":"${msg}"`));
      if (line) return JSON.parse(line) as Record<string, unknown>;
    }
  } finally {
    reader.releaseLock();
  }
  throw new Error(`no "${msg}" log line:\n${buffered.slice(-2000)}`);
}

/** Keeps reading a process's stderr so its pipe never fills and blocks it. */
function drain(stream: ReadableStream<Uint8Array>): void {
  void (async () => {
    for await (const _chunk of stream) {
      // Discarded on purpose: logs are not needed once the process is up.
    }
  })();
}

/**
 * Starts `maestro server` on PostgreSQL (a scratch database when DATABASE_URL is set) or
 * in-memory PGlite, with redelivery off so it never adds events of its own to a measurement.
 * Example: `const server = await startServer({ transport: "mqtt" });` (a private Mosquitto too).
 */
export async function startServer(link: { transport: "grpc" } | { transport: "mqtt"; brokerHost?: string } = { transport: "grpc" }): Promise<ServerHandle> {
  // MQTT without a broker address: a private Mosquitto for this run.
  const mosquitto = link.transport === "mqtt" && !link.brokerHost ? await startMosquitto({ extraConfig: mosquittoLoadConfig }) : undefined;
  const brokerHost = link.transport === "mqtt" ? (link.brokerHost || mosquitto!.brokerHost) : "";
  const scratch = await createScratchDatabase();
  const store = scratch ? [`--db-url=${scratch.url}`] : ["--db-data-dir=memory://"];
  const transportArgs: string[] = [];
  if (link.transport === "mqtt") {
    const config = join(root, ".tmp", `bench-server-mqtt-${process.pid}.yaml`);
    await Bun.write(config, mqttBrokerYaml(brokerHost));
    transportArgs.push("--message-broker-type=mqtt", `--message-broker-config-file=${config}`, `--client-id=bench-server-${process.pid}`);
  }
  const args = ["server", "--server-hostname=127.0.0.1", "--http-server-bindport=0", "--grpc-server-bindport=0", "--grpc-broker-bindport=0", "--metrics-server-bindport=0", "--health-check-server-bindport=0", "--undelivered-resource-threshold=0", ...store, ...transportArgs];
  // BENCH_SERVER_BUN_FLAGS (e.g. "--cpu-prof-md --cpu-prof-dir=.tmp/prof") profiles the server.
  const bunFlags = (process.env.BENCH_SERVER_BUN_FLAGS ?? "").split(" ").filter((f) => f !== "");
  const proc = Bun.spawn([process.execPath, ...bunFlags, join(root, "src", "cli.ts"), ...args], { stdout: "ignore", stderr: "pipe" });
  const serving = await lineWith(proc.stderr, "serving", 60_000);
  drain(proc.stderr);
  return {
    rest: `http://127.0.0.1:${serving.rest}`,
    grpc: `127.0.0.1:${serving.grpc}`,
    agentLink: link.transport === "mqtt" ? { transport: "mqtt", brokerHost } : { transport: "grpc", broker: `127.0.0.1:${serving.grpcBroker}` },
    metrics: `http://127.0.0.1:${serving.metrics}/metrics`,
    pid: proc.pid,
    store: scratch ? "postgres" : "pglite",
    stop: async () => {
      proc.kill("SIGTERM");
      await proc.exited;
      await scratch?.drop();
      await mosquitto?.dispose();
    },
  };
}

/**
 * A server started elsewhere (`--target http://host:8000`), assumed on Maestro's default ports;
 * in MQTT mode its agents use `brokerHost`.
 */
export function targetServer(restUrl: string, store: "postgres" | "pglite", brokerHost?: string): ServerHandle {
  const url = new URL(restUrl);
  return {
    rest: url.origin,
    grpc: `${url.hostname}:8090`,
    agentLink: brokerHost ? { transport: "mqtt", brokerHost } : { transport: "grpc", broker: `${url.hostname}:8091` },
    metrics: `http://${url.hostname}:8080/metrics`,
    pid: undefined,
    store,
    stop: async () => {},
  };
}

/** A running simulated-cluster agent process. */
export interface AgentHandle {
  readonly pid: number;
  stop(): Promise<void>;
}

/**
 * Starts `maestro-agent --simulate N` (the compiled binary when built, else `bun src/cli.ts agent`).
 * Example: `await startAgent(server.agentLink, 100, "bench", ["--status-sync-interval=60s"])`.
 */
export async function startAgent(link: AgentLink, clusters: number, prefix: string, extraArgs: readonly string[] = []): Promise<AgentHandle> {
  const config = join(root, ".tmp", `bench-agent-${process.pid}-${prefix}.yaml`);
  await Bun.write(config, link.transport === "grpc" ? `url: ${link.broker}\n` : mqttBrokerYaml(link.brokerHost));
  // The compiled agent (`npm run build:agent`) when present; BENCH_AGENT_BUN_FLAGS (e.g.
  // "--cpu-prof-md --cpu-prof-dir=.tmp/prof") runs the source instead, with those flags.
  const binary = join(root, "maestro-agent");
  const bunFlags = (process.env.BENCH_AGENT_BUN_FLAGS ?? "").split(" ").filter((f) => f !== "");
  const compiled = bunFlags.length === 0 && (await Bun.file(binary).exists());
  const command = compiled ? [binary] : [process.execPath, ...bunFlags, join(root, "src", "cli.ts"), "agent"];
  const args = [`--simulate=${clusters}`, `--consumer-prefix=${prefix}`, `--workload-source-driver=${link.transport}`, `--workload-source-config=${config}`, ...extraArgs];
  const proc = Bun.spawn([...command, ...args], { stdout: "ignore", stderr: "pipe" });
  await lineWith(proc.stderr, "agent started", 120_000);
  drain(proc.stderr);
  return {
    pid: proc.pid,
    stop: async () => {
      proc.kill("SIGTERM");
      await proc.exited;
    },
  };
}

/** Resident memory of a process, in bytes (Linux /proc). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
}

/** User + system CPU time a process has used, in seconds (Linux /proc). */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** One sample of a Prometheus text exposition, or 0 when absent. */
export async function scrapeMetric(metricsUrl: string, series: string): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

/** Creates consumers over REST, `width` at a time. */
export async function createConsumers(rest: string, names: readonly string[], width = 32): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < names.length) {
        const name = names[next++]!;
        const res = await fetch(`${rest}/api/maestro/v1/consumers`, { method: "POST", body: JSON.stringify({ name }) });
        if (res.status !== 201 && res.status !== 409) throw new Error(`creating consumer ${name}: HTTP ${res.status} ${await res.text()}`);
      }
    }),
  );
}
