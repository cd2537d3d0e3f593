// Writes a run's result: bench/results/<scenario>-<date>.json with the fields operators read
// (scenario, date, command, machine, store, transport, params, metrics) and the SVG chart.

import { mkdirSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";

/** A result file's content. */
export interface RunResult {
  readonly scenario: string;
  readonly date: string;
  readonly command: string;
  readonly machine: { readonly cores: number; readonly memGiB: number; readonly cpu: string; readonly runtime: string };
  readonly store: "postgres" | "pglite";
  readonly transport: "grpc" | "mqtt";
  readonly params: Record<string, unknown>;
  readonly metrics: Record<string, unknown>;
  readonly smoke: boolean;
}

/** This machine, as result files describe it. */
export function machine(): RunResult["machine"] {
  return { cores: cpus().length, memGiB: Math.round(totalmem() / 2 ** 30), cpu: cpus()[0]?.model ?? "unknown", runtime: `bun ${Bun.version}` };
}

/**
 * Writes the JSON (and the chart when given) and returns their paths.
 * Example: `await writeResult(result, svg)` → `["bench/results/throughput-2026-11-26T16-00-00.json", …]`.
 */
export async function writeResult(result: RunResult, svg: string | undefined, dir = join(import.meta.dir, "..", "results")): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const stamp = result.date.replace(/:/g, "-").replace(/\.\d+Z$/, "");
  const base = join(dir, `${result.scenario}${result.smoke ? "-smoke" : ""}-${stamp}`);
  await Bun.write(`${base}.json`, `${JSON.stringify(result, null, 2)}\n`);
  if (svg === undefined) return [`${base}.json`];
  await Bun.write(`${base}.svg`, svg);
  return [`${base}.json`, `${base}.svg`];
}
