// The `maestro` command line: help texts, Maestro's flag names, and clear errors (exit 2) for
// unknown commands, unknown flags and bad values; `maestro migrate` against the test store.

import { describe, expect, test } from "bun:test";
import { serverFlags } from "../../src/config/server-config.ts";
import { createScratchDatabase } from "../support/database.ts";
import { runCli } from "../support/server-process.ts";

describe("maestro CLI", () => {
  test("server --help explains every flag, with Maestro's defaults", async () => {
    const r = await runCli(["server", "--help"]);
    expect(r.code).toBe(0);
    for (const flag of serverFlags) expect(r.stdout).toContain(`--${flag.name}`);
    for (const text of ['(default "8000")', '(default "8090")', '(default "8091")', '(default "8080")', '(default "8083")', "grpc|mqtt|pubsub"]) {
      expect(r.stdout).toContain(text);
    }
  });

  test("no command prints usage and exits 2; help exits 0", async () => {
    const none = await runCli([]);
    expect(none.code).toBe(2);
    expect(none.stdout).toContain("maestro server");
    expect((await runCli(["help"])).code).toBe(0);
  });

  const bad: [string[], RegExp][] = [
    [["frobnicate"], /unknown command "frobnicate"/],
    [["server", "--no-such-flag"], /unknown flag: --no-such-flag/],
    [["server", "--http-server-bindport=eighty"], /invalid argument "eighty" for "--http-server-bindport" flag: expected an integer/],
    [["server", "--http-server-bindport=70000"], /must be <= 65535/],
    [["server", "--grpc-server-bindport", "-1"], /must be >= 0/],
    [["server", "--message-broker-type=kafka"], /must be one of grpc, mqtt, pubsub/],
    [["server", "--message-broker-type=mqtt"], /--message-broker-config-file is required with --message-broker-type=mqtt/],
    [["server", "--message-broker-type=mqtt", "--message-broker-config-file=/nonexistent/mqtt.yaml"], /cannot read the MQTT broker config \/nonexistent\/mqtt.yaml/],
    [["server", "--message-broker-type=pubsub"], /not supported by this build yet/],
    [["server", "--subscription-type=exclusive"], /must be one of shared, broadcast/],
    [["server", "--enable-grpc-server=maybe"], /expected true or false/],
    [["server", "--http-read-timeout=5 seconds"], /expected a duration/],
    [["server", "--http-server-bindport"], /flag needs an argument/],
    [["server", "stray"], /unexpected argument "stray"/],
    [["server", "--db-url=mysql://x"], /must start with postgres:\/\//],
    [["server", "--db-host-file=/nonexistent/db.host"], /cannot read the database host/],
    [["migrate", "--http-server-bindport=1"], /unknown flag/],
  ];
  for (const [args, message] of bad) {
    test(`${args.join(" ")} exits 2 with a clear message`, async () => {
      const r = await runCli(args, { DATABASE_URL: undefined });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
    });
  }

  test("migrate applies the migrations to an in-memory PGlite and is idempotent", async () => {
    const r = await runCli(["migrate", "--db-data-dir=memory://"], { DATABASE_URL: undefined });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("migrations applied");
  });

  test.skipIf(!process.env.DATABASE_URL)("migrate against PostgreSQL (runs only when DATABASE_URL names one)", async () => {
    const scratch = (await createScratchDatabase())!;
    const first = await runCli(["migrate", `--db-url=${scratch.url}`]);
    expect(first.code).toBe(0);
    const again = await runCli(["migrate", `--db-url=${scratch.url}`]);
    await scratch.drop();
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('"store":"postgres"');
  });
});
