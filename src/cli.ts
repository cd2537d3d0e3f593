#!/usr/bin/env bun
// The `maestro` command: argument parsing and wiring only. `maestro server` runs the server,
// `maestro migrate` applies the database migrations; bad flags exit 2 with a clear message.

import { agentFlags } from "./agent/agent-config.ts";
import { runAgent } from "./agent/run-agent.ts";
import { runCommand, stopOnSignals, type Command } from "./config/command.ts";
import { formatHelp, parseFlags } from "./config/flags.ts";
import { databaseFlags, resolveDatabase, serverConfigFromArgs, serverFlags } from "./config/server-config.ts";
import { createLogger, setVerbosity } from "./observability/logger.ts";
import { startServer } from "./server/server.ts";
import { openDatabase } from "./store/database.ts";
import { migrateDatabase } from "./store/migrate.ts";

const log = createLogger("maestro");

const usage = `maestro: a Maestro-compatible Kubernetes resource delivery server on Bun

Usage:
  maestro server [flags]    Run the server (REST 8000, gRPC 8090/8091, metrics 8080, health 8083)
  maestro agent [flags]     Run the agent of a cluster (or --simulate N clusters)
  maestro migrate [flags]   Apply database migrations and exit
  maestro help              Show this help

Run 'maestro <command> --help' for the flags of a command.`;

async function runServer(argv: readonly string[]): Promise<void> {
  const config = serverConfigFromArgs(argv, process.env);
  setVerbosity(config.verbosity);
  const server = await startServer(config);
  stopOnSignals("maestro", () => server.stop());
}

async function runMigrate(argv: readonly string[]): Promise<void> {
  const { values } = parseFlags(argv, databaseFlags);
  setVerbosity(Number(values.v));
  const target = resolveDatabase(values, process.env);
  const db = await openDatabase(target.kind === "postgres" ? { url: target.url, poolMax: 2 } : { dataDir: target.dataDir });
  try {
    await migrateDatabase(db);
    log.info("migrations applied", { store: db.kind });
  } finally {
    await db.close();
  }
}

const commands: Record<string, Command> = {
  server: { name: "maestro server", help: formatHelp("Usage: maestro server [flags]", serverFlags), longRunning: true, run: runServer },
  agent: { name: "maestro agent", help: formatHelp("Usage: maestro agent [flags]", agentFlags), longRunning: true, run: runAgent },
  migrate: { name: "maestro migrate", help: formatHelp("Usage: maestro migrate [flags]", databaseFlags), longRunning: false, run: runMigrate },
};

async function main(argv: readonly string[]): Promise<number | undefined> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    process.stdout.write(`${usage}\n`);
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`maestro: unknown command "${name}"\n\n${usage}\n`);
    return 2;
  }
  return runCommand(command, rest);
}

const code = await main(process.argv.slice(2));
// Long-running commands keep the process alive on their listeners; every other outcome exits.
if (code !== undefined) process.exit(code);
