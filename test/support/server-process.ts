// Starts the real `maestro server` process on loopback with free ports and reads the ports it
// bound from its "serving" log line; stops it with SIGTERM and returns its exit code.

import { join } from "node:path";
import { createScratchDatabase } from "./database.ts";
import { followJsonLog } from "./json-log.ts";

const cli = join(import.meta.dir, "..", "..", "src", "cli.ts");

export interface ServerProcess {
  readonly proc: Bun.Subprocess<"ignore", "pipe", "pipe">;
  readonly rest: string;
  /** `127.0.0.1:<port>` of the source gRPC port and of the agent broker port. */
  readonly grpc: string;
  readonly grpcBroker: string;
  readonly metrics: string;
  readonly health: string;
  /** Every stderr line so far. */
  readonly logs: string[];
  /** The server's "serving" log record (ports, `grpcBroker: null` and `mqtt: <brokerHost>` in MQTT mode). */
  readonly serving: Record<string, unknown>;
  stop(signal?: NodeJS.Signals): Promise<number>;
}

/** Runs the CLI to completion. Example: `const r = await runCli(["server", "--bogus"]);` */
export async function runCli(args: string[], env: Record<string, string | undefined> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const proc = Bun.spawn([process.execPath, cli, ...args], { stdout: "pipe", stderr: "pipe", env: { ...process.env, ...env } });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

/**
 * Starts the server with ports 0 (the OS picks free ones) plus `extraArgs`; resolves once it
 * logs the ports it serves on. Example: `const s = await startServerProcess(["--db-data-dir=memory://"]);`
 */
export async function startServerProcess(extraArgs: string[] = [], env: Record<string, string | undefined> = {}): Promise<ServerProcess> {
  const args = [
    "server",
    "--server-hostname=127.0.0.1",
    "--http-server-bindport=0",
    "--grpc-server-bindport=0",
    "--grpc-broker-bindport=0",
    "--metrics-server-bindport=0",
    "--health-check-server-bindport=0",
    ...extraArgs,
  ];
  const proc = Bun.spawn([process.execPath, cli, ...args], { stdout: "pipe", stderr: "pipe", stdin: "ignore", env: { ...process.env, ...env } });
  const { logs, found: serving } = followJsonLog(proc.stderr, "serving");
  const timeout = Bun.sleep(30_000).then(() => undefined);
  const record = await Promise.race([serving, proc.exited.then(() => undefined), timeout]);
  if (!record) {
    proc.kill("SIGKILL");
    throw new Error(`server did not start:\n${logs.join("\n")}`);
  }
  const url = (port: unknown) => `http://127.0.0.1:${String(port)}`;
  return {
    proc,
    rest: url(record.rest),
    grpc: `127.0.0.1:${String(record.grpc)}`,
    grpcBroker: `127.0.0.1:${String(record.grpcBroker)}`,
    metrics: url(record.metrics),
    health: url(record.health),
    logs,
    serving: record,
    stop: async (signal: NodeJS.Signals = "SIGTERM") => {
      proc.kill(signal);
      return proc.exited;
    },
  };
}

/** A server on a store of its own, and how to dispose of both. */
export interface IsolatedServer extends ServerProcess {
  /** Kills the server and drops its scratch database (PostgreSQL runs). */
  dispose(): Promise<void>;
}

/**
 * Starts the server on a store nobody else uses: a scratch PostgreSQL database when
 * DATABASE_URL is set, else an in-memory PGlite.
 * Example: `const server = await startIsolatedServer(); afterAll(() => server.dispose());`
 */
export async function startIsolatedServer(extraArgs: string[] = []): Promise<IsolatedServer> {
  const scratch = await createScratchDatabase();
  const store = scratch ? [`--db-url=${scratch.url}`] : ["--db-data-dir=memory://"];
  try {
    const server = await startServerProcess([...store, ...extraArgs]);
    return {
      ...server,
      dispose: async () => {
        if (server.proc.exitCode === null) await server.stop("SIGKILL");
        await scratch?.drop();
      },
    };
  } catch (err) {
    await scratch?.drop();
    throw err;
  }
}
