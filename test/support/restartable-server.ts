// The real server process on this run's store, restartable on the same store and ports: a scratch
// PostgreSQL database (DATABASE_URL) or PGlite (in a temporary directory when the data must
// outlive a restart), in gRPC mode or, with a broker host, in MQTT mode.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createScratchDatabase } from "./database.ts";
import { startServerProcess, type ServerProcess } from "./server-process.ts";

/** Maestro's deployed topic templates (maestro-wire.md 4.1); agents set their own consumer segment. */
export const mqttSourceEventsTemplate = "sources/maestro/consumers/+/sourceevents";
export const mqttAgentEventsTemplate = "sources/maestro/consumers/+/agentevents";

/** Maestro's deployed MQTT broker YAML, for the server and its agents alike. */
export function mqttBrokerYaml(brokerHost: string): string {
  return `brokerHost: ${brokerHost}\ntopics:\n  sourceEvents: ${mqttSourceEventsTemplate}\n  agentEvents: ${mqttAgentEventsTemplate}\n`;
}

/** How to start a RestartableServer. */
export interface RestartableServerOptions {
  /** Keep PGlite's data on disk so a restart finds it (PostgreSQL runs always keep it). */
  readonly persistent?: boolean;
  /** MQTT mode (`--message-broker-type=mqtt`, Maestro's topic layout) through this broker. */
  readonly mqttBrokerHost?: string;
}

/**
 * The server, restartable. Example: `const s = await RestartableServer.start({ persistent: true }); await s.restart();`
 */
export class RestartableServer {
  #server: ServerProcess;
  /** Store and transport arguments, the same for every (re)start. */
  readonly #args: string[];
  readonly #cleanup: () => Promise<void>;
  /** The broker YAML of this server's agents in MQTT mode; undefined in gRPC mode. */
  readonly mqttConfigYaml: string | undefined;

  private constructor(server: ServerProcess, args: string[], cleanup: () => Promise<void>, mqttConfigYaml: string | undefined) {
    this.#server = server;
    this.#args = args;
    this.#cleanup = cleanup;
    this.mqttConfigYaml = mqttConfigYaml;
  }

  static async start(options: RestartableServerOptions = {}): Promise<RestartableServer> {
    const scratch = await createScratchDatabase();
    const dir = mkdtempSync(join(tmpdir(), "maestro-server-"));
    const args = scratch ? [`--db-url=${scratch.url}`] : [`--db-data-dir=${options.persistent ? join(dir, "data") : "memory://"}`];
    const cleanup = async () => {
      await scratch?.drop();
      rmSync(dir, { recursive: true, force: true });
    };
    const mqttConfigYaml = options.mqttBrokerHost === undefined ? undefined : mqttBrokerYaml(options.mqttBrokerHost);
    if (mqttConfigYaml !== undefined) {
      writeFileSync(join(dir, "broker.yaml"), mqttConfigYaml);
      args.push("--message-broker-type=mqtt", `--message-broker-config-file=${join(dir, "broker.yaml")}`, `--client-id=test-${Date.now().toString(36)}`);
    }
    try {
      return new RestartableServer(await startServerProcess(args), args, cleanup, mqttConfigYaml);
    } catch (err) {
      await cleanup();
      throw err;
    }
  }

  get process(): ServerProcess {
    return this.#server;
  }
  get rest(): string {
    return this.#server.rest;
  }
  get grpc(): string {
    return this.#server.grpc;
  }
  get grpcBroker(): string {
    return this.#server.grpcBroker;
  }

  /** Stops the process (SIGTERM: a clean stop, so PGlite's files are complete); resolves with its exit code. */
  stop(): Promise<number> {
    return this.#server.stop("SIGTERM");
  }

  /** Starts a new process on the same store and the same ports, after stop(). */
  async startAgain(): Promise<void> {
    const port = (hostPort: string) => new URL(hostPort.includes("://") ? hostPort : `http://${hostPort}`).port;
    const old = this.#server;
    this.#server = await startServerProcess([
      ...this.#args,
      `--http-server-bindport=${port(old.rest)}`,
      `--grpc-server-bindport=${port(old.grpc)}`,
      // MQTT mode opens no broker port.
      ...(this.mqttConfigYaml === undefined ? [`--grpc-broker-bindport=${port(old.grpcBroker)}`] : []),
      `--metrics-server-bindport=${port(old.metrics)}`,
      `--health-check-server-bindport=${port(old.health)}`,
    ]);
  }

  /** stop() then startAgain(); throws when the old process did not exit cleanly. */
  async restart(): Promise<void> {
    const code = await this.stop();
    if (code !== 0) throw new Error(`the server exited with ${code} on SIGTERM:\n${this.#server.logs.join("\n")}`);
    await this.startAgain();
  }

  /** Kills the process if it still runs and removes the store. */
  async close(): Promise<void> {
    if (this.#server.proc.exitCode === null) await this.#server.stop("SIGKILL");
    await this.#cleanup();
  }
}
