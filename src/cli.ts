#!/usr/bin/env bun
// The `maestro` command: argument parsing and wiring only. `maestro server` runs the server,
// `maestro migrate` applies the database migrations; bad flags exit 2 with a clear message.

import { formatHelp, ConfigError, HelpRequested, parseFlags } from "./config/flags.ts";
import { databaseFlags, resolveDatabase, serverConfigFromArgs, serverFlags } from "./config/server-config.ts";
import { createLogger, setVerbosity } from "./observability/logger.ts";
import { startServer } from "./server/server.ts";
import { openDatabase } from "./store/database.ts";
import { migrateDatabase } from "./store/migrate.ts";

const log = createLogger("maestro");

const usage = `maestro: a Maestro-compatible Kubernetes resource delivery server on Bun

Usage:
  maestro server [flags]    Run the server (REST 8000, metrics 8080, health 8083)
  maestro migrate [flags]   Apply database migrations and exit
  maestro help              Show this help

Run 'maestro <command> --help' for the flags of a command.`;

async function runServer(argv: readonly string[]): Promise<void> {
  const config = serverConfigFromArgs(argv, process.env);
  setVerbosity(config.verbosity);
  const server = await startServer(config);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info("shutting down", { signal });
    server.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error("shutdown failed", { error: err as Error });
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
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

const commands: Record<string, { run: (argv: readonly string[]) => Promise<void>; help: string }> = {
  server: { run: runServer, help: formatHelp("Usage: maestro server [flags]", serverFlags) },
  migrate: { run: runMigrate, help: formatHelp("Usage: maestro migrate [flags]", databaseFlags) },
};

async function main(argv: readonly string[]): Promise<number> {
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
  try {
    await command.run(rest);
    return 0;
  } catch (err) {
    if (err instanceof HelpRequested) {
      process.stdout.write(command.help);
      return 0;
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`maestro ${name}: ${err.message}\nRun 'maestro ${name} --help' for usage.\n`);
      return 2;
    }
    log.error(`${name} failed`, { error: err as Error });
    return 1;
  }
}

const code = await main(process.argv.slice(2));
// The server keeps running on its listeners; every other outcome ends the process here.
if (code !== 0 || process.argv[2] !== "server") process.exit(code);
