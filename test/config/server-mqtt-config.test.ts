// `maestro server --message-broker-type=mqtt`: the broker YAML is required and checked at start,
// the agentEvents topic must name --source-id, broadcast subscriptions refuse a $share/ topic.

import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "../../src/config/flags.ts";
import { serverConfigFromArgs } from "../../src/config/server-config.ts";
import { runCli } from "../support/server-process.ts";

const dir = mkdtempSync(join(tmpdir(), "maestro-mqtt-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
function yaml(agentEvents: string, extra = ""): string {
  const path = join(dir, `broker-${++files}.yaml`);
  writeFileSync(path, `brokerHost: 127.0.0.1:1883\n${extra}topics:\n  sourceEvents: sources/maestro/consumers/+/sourceevents\n  agentEvents: ${agentEvents}\n`);
  return path;
}

const mqttArgs = (file: string, ...more: string[]) => ["--message-broker-type=mqtt", `--message-broker-config-file=${file}`, ...more];
const parse = (args: string[]) => serverConfigFromArgs(args, {});

describe("server MQTT configuration", () => {
  test("a valid config: broker settings read, client id and subscription type defaulted", () => {
    const c = parse(mqttArgs(yaml("sources/maestro/consumers/+/agentevents", "username: maestro\npassword: \"0123\"\n")));
    expect(c.messageBrokerType).toBe("mqtt");
    expect(c.mqtt?.brokerHost).toBe("127.0.0.1:1883");
    expect(c.mqtt?.password).toBe("0123");
    expect(c.mqtt?.topics.agentEvents).toBe("sources/maestro/consumers/+/agentevents");
    expect(c.clientId).toBe("maestro");
    expect(c.subscriptionType).toBe("shared");
  });

  test("gRPC mode has no MQTT settings, whatever the config file flag says", () => {
    expect(parse([]).mqtt).toBeUndefined();
    expect(parse(["--message-broker-config-file=/nonexistent"]).mqtt).toBeUndefined();
  });

  test("the config file is required, and must be readable", () => {
    expect(() => parse(["--message-broker-type=mqtt"])).toThrow(ConfigError);
    expect(() => parse(["--message-broker-type=mqtt"])).toThrow(/--message-broker-config-file is required/);
    expect(() => parse(mqttArgs(join(dir, "missing.yaml")))).toThrow(/cannot read the MQTT broker config .*missing\.yaml/);
  });

  test("a bad topic is refused with the key and the pattern", () => {
    expect(() => parse(mqttArgs(yaml("sources/maestro/consumers/+/statuses")))).toThrow(/MQTT broker config: topics\.agentEvents: invalid topic/);
    expect(() => parse(mqttArgs(yaml("Sources/maestro/consumers/+/agentevents")))).toThrow(ConfigError);
  });

  test("the agentEvents topic must name --source-id (or no status would ever arrive)", () => {
    const file = yaml("sources/other/consumers/+/agentevents");
    expect(() => parse(mqttArgs(file))).toThrow(ConfigError);
    expect(() => parse(mqttArgs(file))).toThrow(/does not match with the client sourceID "maestro"/);
    expect(parse(mqttArgs(file, "--source-id=other")).sourceId).toBe("other");
    const shared = yaml("$share/statussubscribers/sources/maestro/consumers/+/agentevents");
    expect(parse(mqttArgs(shared)).mqtt?.topics.agentEvents).toStartWith("$share/statussubscribers/");
    expect(() => parse(mqttArgs(shared, "--source-id=other"))).toThrow(/does not match/);
  });

  test("broadcast subscriptions need a topic every instance receives in full", () => {
    const shared = yaml("$share/statussubscribers/sources/maestro/consumers/+/agentevents");
    expect(() => parse(mqttArgs(shared, "--subscription-type=broadcast"))).toThrow(/--subscription-type=broadcast .* \$share\/ subscription/);
    expect(parse(mqttArgs(yaml("sources/maestro/consumers/+/agentevents"), "--subscription-type=broadcast")).subscriptionType).toBe("broadcast");
  });
});

describe("maestro server in MQTT mode, from the command line", () => {
  test("a source-id mismatch exits 2 before anything starts, naming both", async () => {
    const r = await runCli(["server", ...mqttArgs(yaml("sources/other/consumers/+/agentevents"))], { DATABASE_URL: undefined });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/the topic source .*sources\/other\/consumers\/\+\/agentevents.* does not match with the client sourceID "maestro"/);
  });

  test("an unreachable broker fails the start with a clear error (exit 1)", async () => {
    const file = join(dir, "unreachable.yaml");
    writeFileSync(file, "brokerHost: 127.0.0.1:1\ndialTimeout: 2s\ntopics:\n  sourceEvents: sources/maestro/consumers/+/sourceevents\n  agentEvents: sources/maestro/consumers/+/agentevents\n");
    const ports = ["http-server", "grpc-server", "grpc-broker", "metrics-server", "health-check-server"].map((p) => `--${p}-bindport=0`);
    const r = await runCli(["server", "--server-hostname=127.0.0.1", "--db-data-dir=memory://", ...ports, ...mqttArgs(file)], { DATABASE_URL: undefined });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("cannot connect to MQTT broker 127.0.0.1:1");
  }, 30_000);
});
