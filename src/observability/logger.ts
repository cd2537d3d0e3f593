// A small structured logger: one JSON line per record on stderr, levels error/warn/info/debug,
// debug off unless verbosity >= 4 (klog's -v), and free when off.

/** Log levels; see STYLE.md 24 for what each means. */
export type LogLevel = "error" | "warn" | "info" | "debug";

const rank: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

/** A logger bound to a component name. */
export interface Logger {
  error(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  debug(msg: string, fields?: Record<string, unknown>): void;
  /** True when debug records are written; guard costly field building with it. */
  readonly debugEnabled: boolean;
  child(component: string): Logger;
}

let threshold: number = rank.info;
let sink: (line: string) => void = (line) => process.stderr.write(`${line}\n`);

/** Sets the global level from klog-style verbosity (0-3 info, >= 4 debug). */
export function setVerbosity(v: number): void {
  threshold = v >= 4 ? rank.debug : rank.info;
}

/** Replaces where lines go (tests capture them); returns the previous sink. */
export function setLogSink(next: (line: string) => void): (line: string) => void {
  const prev = sink;
  sink = next;
  return prev;
}

function serialize(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) out[k] = v instanceof Error ? { message: v.message, name: v.name } : v;
  return out;
}

/**
 * Creates a logger for one component.
 * Example: `const log = createLogger("api"); log.info("listening", { port: 8000 });`
 */
export function createLogger(component: string): Logger {
  const write = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (rank[level] > threshold) return;
    const record = { time: new Date().toISOString(), level, component, msg, ...(fields ? serialize(fields) : {}) };
    sink(JSON.stringify(record));
  };
  return {
    error: (m, f) => write("error", m, f),
    warn: (m, f) => write("warn", m, f),
    info: (m, f) => write("info", m, f),
    debug: (m, f) => write("debug", m, f),
    get debugEnabled() {
      return threshold >= rank.debug;
    },
    child: (sub) => createLogger(`${component}.${sub}`),
  };
}
