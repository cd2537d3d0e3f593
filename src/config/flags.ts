// A small pflag-compatible command-line parser: `--name=value`, `--name value`, bare booleans,
// typed values, defaults and help text, with a clear ConfigError for unknown flags or bad values.

import { readFileSync } from "node:fs";

/** The value types a flag can hold. Durations accept Go syntax (`10s`, `1m30s`, `250ms`). */
export type FlagKind = "string" | "int" | "bool" | "duration" | "enum";

/** One flag: its name without dashes, kind, default, help, and allowed values for enums. */
export interface FlagSpec {
  readonly name: string;
  readonly kind: FlagKind;
  readonly default: string | number | boolean;
  readonly help: string;
  readonly values?: readonly string[];
  /** Smallest accepted int (ports: 0). */
  readonly min?: number;
  /** Largest accepted int (ports: 65535). */
  readonly max?: number;
}

/** Parsed flag values by name; durations are milliseconds. */
export type FlagValues = Record<string, string | number | boolean>;

/** A bad command line. The CLI prints `message` and exits with status 2. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/**
 * Reads a file a flag or config names; failure is a ConfigError saying which and why.
 * Example: `readConfigFile("/etc/maestro/db.host", "the database host")`.
 */
export function readConfigFile(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ConfigError(`cannot read ${what} ${path}: ${(err as Error).message}`);
  }
}

/** Thrown when `--help`/`-h` is given; the CLI prints the help and exits 0. */
export class HelpRequested extends Error {
  override readonly name = "HelpRequested";
}

const durationUnitsMs: Record<string, number> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parses a Go duration (`1h2m3.5s`, `500ms`, `0`) to milliseconds; undefined when malformed.
 * Example: `parseDuration("1m30s") === 90000`.
 */
export function parseDuration(text: string): number | undefined {
  if (text === "0") return 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * (durationUnitsMs[m[2]!] ?? Number.NaN);
    consumed = re.lastIndex;
  }
  return consumed === text.length && consumed > 0 && Number.isFinite(total) ? total : undefined;
}

function convert(spec: FlagSpec, raw: string): string | number | boolean {
  const bad = (why: string) =>
    new ConfigError(`invalid argument "${raw}" for "--${spec.name}" flag: ${why}`);
  switch (spec.kind) {
    case "string":
      return raw;
    case "bool":
      if (["true", "1", "t", "T", "TRUE", "True"].includes(raw)) return true;
      if (["false", "0", "f", "F", "FALSE", "False"].includes(raw)) return false;
      throw bad("expected true or false");
    case "int": {
      if (!/^-?\d+$/.test(raw)) throw bad("expected an integer");
      const n = Number(raw);
      if (!Number.isSafeInteger(n)) throw bad("integer out of range");
      if (spec.min !== undefined && n < spec.min) throw bad(`must be >= ${spec.min}`);
      if (spec.max !== undefined && n > spec.max) throw bad(`must be <= ${spec.max}`);
      return n;
    }
    case "duration": {
      const ms = parseDuration(raw);
      if (ms === undefined) throw bad("expected a duration such as 10s, 1m30s or 500ms");
      return ms;
    }
    case "enum":
      if (!spec.values?.includes(raw)) throw bad(`must be one of ${spec.values?.join(", ")}`);
      return raw;
  }
}

/**
 * Parses argv against the specs. Returns every flag's value (defaults filled in) plus the set
 * of flags given explicitly. Positional arguments are refused: commands take flags only.
 * Example: `parseFlags(["--http-server-bindport=9000"], specs).values["http-server-bindport"] === 9000`.
 */
export function parseFlags(argv: readonly string[], specs: readonly FlagSpec[]): { values: FlagValues; given: Set<string> } {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const values: FlagValues = Object.fromEntries(specs.map((s) => [s.name, s.default]));
  const given = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--help" || arg === "-h") throw new HelpRequested();
    if (!arg.startsWith("-") || arg === "-" || arg === "--") throw new ConfigError(`unexpected argument "${arg}"`);
    const body = arg.replace(/^--?/, "");
    const eq = body.indexOf("=");
    const name = eq === -1 ? body : body.slice(0, eq);
    const spec = byName.get(name);
    if (!spec) throw new ConfigError(`unknown flag: --${name}`);
    let raw: string;
    if (eq !== -1) raw = body.slice(eq + 1);
    else if (spec.kind === "bool") raw = "true";
    else {
      const next = argv[i + 1];
      if (next === undefined) throw new ConfigError(`flag needs an argument: --${name}`);
      raw = next;
      i++;
    }
    values[name] = convert(spec, raw);
    given.add(name);
  }
  return { values, given };
}

/** Renders the help text: usage line, then each flag with its type, default and description. */
export function formatHelp(usage: string, specs: readonly FlagSpec[]): string {
  const rows = specs.map((s) => {
    const type = s.kind === "bool" ? "" : s.kind === "enum" ? ` ${s.values?.join("|")}` : ` ${s.kind}`;
    const def = s.kind === "duration" ? formatDurationMs(Number(s.default)) : String(s.default);
    const shown = def === "" ? "" : ` (default ${JSON.stringify(def)})`;
    return `      --${s.name}${type}\n          ${s.help}${shown}`;
  });
  return `${usage}\n\nFlags:\n${rows.join("\n")}\n      -h, --help\n          Show this help.\n`;
}

function formatDurationMs(ms: number): string {
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
