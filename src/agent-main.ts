#!/usr/bin/env bun
// Entry of the standalone agent binary (`npm run build:agent` -> ./maestro-agent): the agent's
// flags only, without the server's code, so the compiled file stays small and starts fast.

import { agentFlags } from "./agent/agent-config.ts";
import { runAgent } from "./agent/run-agent.ts";
import { runCommand } from "./config/command.ts";
import { formatHelp } from "./config/flags.ts";

const code = await runCommand(
  { name: "maestro-agent", help: formatHelp("Usage: maestro-agent [flags]", agentFlags), longRunning: true, run: runAgent },
  process.argv.slice(2),
);
if (code !== undefined) process.exit(code);
