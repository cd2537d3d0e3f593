// Starts the real `maestro agent` process (like server-process.ts starts the server): writes its
// workload-source YAML (gRPC, or MQTT broker YAML) to a temporary file, reads the metrics port
// from its "agent started" log line (JSON on stderr), scrapes its /metrics, and stops it.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { followJsonLog } from "./json-log.ts";

const cli = join(import.meta.dir, "..", "..", "src", "cli.ts");

/** What startAgentProcess takes. */
export interface AgentProcessOptions {
  /** `host:port` of the server's agent broker port (ServerProcess.grpcBroker); unused with `mqttConfigYaml`. */
  readonly broker?: string;
  /**
   * MQTT mode: the broker config YAML to give the agent (`--workload-source-driver=mqtt`).
   * Example: `"brokerHost: 127.0.0.1:1883\ntopics:\n  sourceEvents: sources/maestro/consumers/+/sourceevents\n  agentEvents: sources/maestro/consumers/+/agentevents\n"`.
   */
  readonly mqttConfigYaml?: string;
  /**
   * The agent's other flags, e.g. `["--simulate=1", "--consumer-prefix=c1"]` or
   * `["--consumer-name=c1", "--kubeconfig=/tmp/x/kubeconfig"]`.
   */
  readonly args: readonly string[];
  readonly env?: Record<string, string | undefined>;
  /** How long to wait for the "agent started" line (default 30 s). */
  readonly startTimeoutMs?: number;
}

/** A running agent process. */
export interface AgentProcess {
  readonly proc: Bun.Subprocess<"ignore", "pipe", "pipe">;
  /** `http://127.0.0.1:<port>` of the agent's /metrics. */
  readonly metrics: string;
  /** Every stderr line so far (JSON log records, or crash text). */
  readonly logs: string[];
  /** Log records parsed from `logs` (non-JSON lines skipped). */
  records(): Record<string, unknown>[];
  /** The Prometheus text of /metrics. */
  scrape(): Promise<string>;
  /**
   * One sample's value, or undefined when the series is absent.
   * Example: `await agent.metric('manifestworks_processed_total{action="apply"}')` -> 3.
   */
  metric(series: string): Promise<number | undefined>;
  /** Sends `signal` (SIGTERM: a clean stop), removes its temporary files, and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number>;
  /** Stops the process if still running (SIGKILL) and removes its temporary files. */
  dispose(): Promise<void>;
}

/** Reads one sample from Prometheus text. Example: `sampleValue(text, "maestro_agent_works")` -> 2. */
export function sampleValue(text: string, series: string): number | undefined {
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const space = line.lastIndexOf(" ");
    if (space > 0 && line.slice(0, space) === series) return Number(line.slice(space + 1));
  }
  return undefined;
}

/**
 * Starts `maestro agent --workload-source-config=<temp yaml> --metrics-server-bindport=0 …args`
 * and resolves once it logged "agent started". Rejects (with its logs) when it exits first.
 * Example:
 * ```ts
 * const agent = await startAgentProcess({ broker: server.grpcBroker, args: ["--simulate=1", "--consumer-prefix=c1"] });
 * await agent.metric("maestro_agent_clusters_connected"); // 1 once subscribed
 * await agent.dispose();
 * ```
 */
export async function startAgentProcess(options: AgentProcessOptions): Promise<AgentProcess> {
  if (options.mqttConfigYaml === undefined && options.broker === undefined) throw new Error("startAgentProcess needs broker (gRPC) or mqttConfigYaml (MQTT)");
  const dir = mkdtempSync(join(tmpdir(), "maestro-agent-proc-"));
  const sourceConfig = join(dir, "workload-source.yaml");
  writeFileSync(sourceConfig, options.mqttConfigYaml ?? `url: ${options.broker}\n`);
  const driver = options.mqttConfigYaml === undefined ? [] : ["--workload-source-driver=mqtt"];
  const args = ["agent", ...driver, `--workload-source-config=${sourceConfig}`, "--metrics-server-bindport=0", ...options.args];
  const proc = Bun.spawn([process.execPath, cli, ...args], { stdout: "pipe", stderr: "pipe", stdin: "ignore", env: { ...process.env, ...options.env } });
  const { logs, found: started } = followJsonLog(proc.stderr, "agent started");
  // Drain stdout so a chatty process never blocks on a full pipe.
  void new Response(proc.stdout).text();
  let timer: Timer | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), options.startTimeoutMs ?? 30_000)));
  const record = await Promise.race([started, proc.exited.then(() => undefined), timeout]);
  clearTimeout(timer);
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  if (!record || typeof record.metrics !== "number") {
    proc.kill("SIGKILL");
    await proc.exited;
    cleanup();
    throw new Error(`agent did not start (exit ${String(proc.exitCode)}):\n${logs.join("\n")}`);
  }
  const metrics = `http://127.0.0.1:${record.metrics}`;
  const scrape = async () => {
    const res = await fetch(`${metrics}/metrics`);
    if (!res.ok) throw new Error(`agent /metrics answered ${res.status}`);
    return res.text();
  };
  return {
    proc,
    metrics,
    logs,
    records: () =>
      logs.flatMap((line) => {
        try {
          return [JSON.parse(line) as Record<string, unknown>];
        } catch {
          return [];
        }
      }),
    scrape,
    metric: async (series) => sampleValue(await scrape(), series),
    stop: async (signal: NodeJS.Signals = "SIGTERM") => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      const code = await proc.exited;
      cleanup();
      return code;
    },
    dispose: async () => {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill("SIGKILL");
        await proc.exited;
      }
      cleanup();
    },
  };
}
