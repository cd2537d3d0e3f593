// Runs one command of the CLI: its help, its clear errors (exit code 2 for a bad command line),
// and whether the process keeps running afterwards (long-running commands) or exits.

import { ConfigError, HelpRequested } from "./flags.ts";
import { createLogger } from "../observability/logger.ts";

/** A command: what it runs, its help text, and whether it keeps the process alive once started. */
export interface Command {
  readonly name: string;
  readonly help: string;
  readonly longRunning: boolean;
  run(argv: readonly string[]): Promise<void>;
}

/**
 * Runs the command and returns the exit code, or undefined when a long-running command started
 * and the process must stay up. Example: `const code = await runCommand(cmd, argv); if (code !== undefined) process.exit(code);`
 */
export async function runCommand(command: Command, argv: readonly string[]): Promise<number | undefined> {
  try {
    await command.run(argv);
    return command.longRunning ? undefined : 0;
  } catch (err) {
    if (err instanceof HelpRequested) {
      process.stdout.write(command.help);
      return 0;
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`${command.name}: ${err.message}\nRun '${command.name} --help' for usage.\n`);
      return 2;
    }
    createLogger("maestro").error(`${command.name} failed`, { error: err as Error });
    return 1;
  }
}

/**
 * Stops a long-running command on SIGINT/SIGTERM: runs `stop` once, then exits 0 (1 if it failed).
 * Example: `stopOnSignals("server", () => server.stop())`.
 */
export function stopOnSignals(what: string, stop: () => Promise<void>): void {
  const log = createLogger(what);
  let stopping = false;
  const onSignal = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info("shutting down", { signal });
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error("shutdown failed", { error: err as Error });
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => onSignal("SIGINT"));
  process.on("SIGTERM", () => onSignal("SIGTERM"));
}
