// Unit tests of the pflag-style parser: value syntaxes, durations, defaults, help.

import { describe, expect, test } from "bun:test";
import { ConfigError, HelpRequested, formatHelp, parseDuration, parseFlags, type FlagSpec } from "../../src/config/flags.ts";
import { resolveDatabase, serverConfigFromArgs, serverFlags } from "../../src/config/server-config.ts";

const specs: FlagSpec[] = [
  { name: "port", kind: "int", default: 8000, help: "a port", min: 0, max: 65535 },
  { name: "on", kind: "bool", default: false, help: "a switch" },
  { name: "wait", kind: "duration", default: 5000, help: "a duration" },
  { name: "mode", kind: "enum", default: "a", values: ["a", "b"], help: "a mode" },
  { name: "name", kind: "string", default: "", help: "a name" },
];

describe("flags", () => {
  test("--k=v, --k v, bare booleans, single dash, defaults, the given set", () => {
    const { values, given } = parseFlags(["--port=9", "--name", "x", "--on", "-mode=b"], specs);
    expect(values).toEqual({ port: 9, on: true, wait: 5000, mode: "b", name: "x" });
    expect([...given].sort()).toEqual(["mode", "name", "on", "port"]);
    expect(parseFlags(["--on=false"], specs).values.on).toBe(false);
    expect(parseFlags(["--name="], specs).values.name).toBe("");
  });

  test("Go durations", () => {
    expect(parseDuration("10s")).toBe(10_000);
    expect(parseDuration("1m30s")).toBe(90_000);
    expect(parseDuration("250ms")).toBe(250);
    expect(parseDuration("1.5h")).toBe(5_400_000);
    expect(parseDuration("0")).toBe(0);
    for (const bad of ["", "10", "s", "10x", "1m 30s", "-1s"]) expect(parseDuration(bad)).toBeUndefined();
  });

  test("errors are ConfigError; --help is HelpRequested", () => {
    expect(() => parseFlags(["--nope"], specs)).toThrow(ConfigError);
    expect(() => parseFlags(["--port=1.5"], specs)).toThrow(ConfigError);
    expect(() => parseFlags(["--port=99999999999999999999"], specs)).toThrow(/out of range/);
    expect(() => parseFlags(["-h"], specs)).toThrow(HelpRequested);
  });

  test("help shows type, default and text of each flag", () => {
    const help = formatHelp("Usage: x", specs);
    expect(help).toContain("--port int\n          a port (default \"8000\")");
    expect(help).toContain("--wait duration\n          a duration (default \"5s\")");
    expect(help).toContain("--mode a|b");
  });
});

describe("server configuration", () => {
  test("Maestro's defaults", () => {
    const c = serverConfigFromArgs([], {});
    expect([c.httpPort, c.grpcPort, c.grpcBrokerPort, c.metricsPort, c.healthPort]).toEqual([8000, 8090, 8091, 8080, 8083]);
    expect(c.host).toBe("localhost");
    expect(c.sourceId).toBe("maestro");
    expect(c.heartbeatIntervalMs).toBe(15_000);
    expect(c.database).toEqual({ kind: "pglite", dataDir: "./data" });
  });

  test("database resolution: --db-url, then DATABASE_URL, then --db-*-file, then PGlite", async () => {
    const defaults = parseFlags([], serverFlags).values;
    const flags = (over: Record<string, string | number | boolean>) => ({ ...defaults, ...over });
    expect(resolveDatabase(flags({ "db-url": "postgres://a@h/d" }), { DATABASE_URL: "postgres://b@h/d" })).toMatchObject({ kind: "postgres", url: "postgres://a@h/d" });
    expect(resolveDatabase(flags({}), { DATABASE_URL: "postgres://b@h/d" })).toMatchObject({ url: "postgres://b@h/d" });
    const dir = `${process.env.TMPDIR ?? "/tmp"}/maestro-secrets-${process.pid}`;
    await Bun.write(`${dir}/db.host`, "db.example\n");
    await Bun.write(`${dir}/db.password`, "p@ss word");
    await Bun.write(`${dir}/db.user`, "maestro");
    const fromFiles = resolveDatabase(flags({ "db-host-file": `${dir}/db.host`, "db-password-file": `${dir}/db.password`, "db-user-file": `${dir}/db.user` }), {});
    expect(fromFiles).toMatchObject({ kind: "postgres", url: "postgres://maestro:p%40ss%20word@db.example:5432/maestro?sslmode=disable" });
    expect(resolveDatabase(flags({ "db-data-dir": "memory://" }), {})).toEqual({ kind: "pglite", dataDir: undefined });
  });
});
