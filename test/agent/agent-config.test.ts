// `maestro agent` configuration: Maestro's flag names, sdk-go's gRPC YAML, Maestro's MQTT broker
// YAML, simulated cluster names, and clear errors (exit code 2) for what is missing or wrong.

import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { agentConfigFromArgs, agentFlags, grpcSourceConfigFromYaml, simulatedClusterNames, sourceAddress } from "../../src/agent/agent-config.ts";
import { ConfigError } from "../../src/config/flags.ts";
import { runCli } from "../support/server-process.ts";

const dir = mkdtempSync(join(tmpdir(), "maestro-agent-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = async (name: string, text: string) => {
  const path = join(dir, name);
  await Bun.write(path, text);
  return path;
};

describe("sdk-go gRPC YAML", () => {
  test("url plus keepalive and healthiness, durations in Go syntax", () => {
    const c = grpcSourceConfigFromYaml("url: maestro:8091\nkeepAliveConfig:\n  enable: true\n  time: 20s\n  timeout: 5s\nserverHealthinessTimeout: 20s\n");
    expect(c.url).toBe("maestro:8091");
    expect(c.keepAlive).toEqual({ timeMs: 20_000, timeoutMs: 5_000, permitWithoutStream: false });
    expect(c.serverHealthinessTimeoutMs).toBe(20_000);
    expect(c.caPem).toBeUndefined();
  });

  test("TLS material from files or inline data; a token with TLS", async () => {
    const ca = await file("ca.pem", "CA PEM");
    const c = grpcSourceConfigFromYaml(`url: grpc://m:8091\ncaFile: ${ca}\nclientCertData: CERT\nclientKeyData: KEY\ntoken: abc\n`);
    expect(c.url).toBe("m:8091");
    expect(c.caPem?.toString()).toBe("CA PEM");
    expect(c.clientCertPem?.toString()).toBe("CERT");
    expect(c.token).toBe("abc");
  });

  test("bad configurations are ConfigErrors naming the problem", async () => {
    const cases: [string, RegExp][] = [
      ["url: [", /not YAML/],
      ["- a\n- b", /must be a YAML map/],
      ["caFile: x", /needs url: <host>:<port>/],
      ["url: no-port", /needs url/],
      ["url: m:1\ntoken: t", /a token needs TLS/],
      ["url: m:1\ncaFile: /nonexistent/ca.pem", /cannot read caFile/],
      ["url: m:1\nserverHealthinessTimeout: soon", /not a duration/],
    ];
    for (const [yaml, message] of cases) expect(() => grpcSourceConfigFromYaml(yaml)).toThrow(message);
  });
});

describe("agent flags", () => {
  test("simulated names: <prefix>-1…N, or the prefix itself for one cluster", () => {
    expect(simulatedClusterNames("p", 3)).toEqual(["p-1", "p-2", "p-3"]);
    expect(simulatedClusterNames("cluster1", 1)).toEqual(["cluster1"]);
    expect(simulatedClusterNames("p", 2, 10)).toEqual(["p-11", "p-12"]);
    expect(simulatedClusterNames("p", 1, 10)).toEqual(["p-11"]);
  });

  test("a real cluster and a simulated fleet", async () => {
    const yaml = await file("grpc.yaml", "url: 127.0.0.1:8091\n");
    const real = agentConfigFromArgs(["--consumer-name=c1", `--workload-source-config=${yaml}`, "--status-sync-interval=30s"]);
    expect(real).toMatchObject({ clusterNames: ["c1"], simulated: false, statusSyncIntervalMs: 30_000, jsonRawBytesMax: 1048576, metricsPort: -1 });
    expect(real.agentIdOf("c1")).toBe("c1-work-agent");
    expect(agentConfigFromArgs(["--consumer-name=c1", "--cloudevents-client-id=my-agent", `--workload-source-config=${yaml}`]).agentIdOf("c1")).toBe("my-agent");
    const sim = agentConfigFromArgs(["--simulate=5", "--consumer-prefix=s", `--workload-source-config=${yaml}`]);
    expect(sim.clusterNames).toEqual(["s-1", "s-2", "s-3", "s-4", "s-5"]);
    expect(sim.agentIdOf("s-2")).toBe("s-2-work-agent");
  });

  test("missing or contradictory flags are ConfigErrors", async () => {
    const yaml = await file("grpc2.yaml", "url: 127.0.0.1:8091\n");
    const cases: [string[], RegExp][] = [
      [[`--workload-source-config=${yaml}`], /--consumer-name is required/],
      [["--consumer-name=c1"], /--workload-source-config is required/],
      [["--consumer-name=c1", "--workload-source-driver=pubsub", `--workload-source-config=${yaml}`], /not supported by this build yet; use grpc or mqtt/],
      [["--simulate=2", "--cloudevents-client-id=x", `--workload-source-config=${yaml}`], /cannot be used with --simulate/],
      [["--consumer-name=c1", "--status-sync-interval=10ms", `--workload-source-config=${yaml}`], /at least 100ms/],
    ];
    for (const [args, message] of cases) {
      expect(() => agentConfigFromArgs(args)).toThrow(ConfigError);
      expect(() => agentConfigFromArgs(args)).toThrow(message);
    }
  });

  test("maestro agent --help lists every flag; a bad flag exits 2", async () => {
    const help = await runCli(["agent", "--help"]);
    expect(help.code).toBe(0);
    for (const flag of agentFlags) expect(help.stdout).toContain(`--${flag.name}`);
    const bad = await runCli(["agent", "--consumer-name"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/flag needs an argument: --consumer-name/);
  });
});

const MQTT_YAML = `brokerHost: 127.0.0.1:1883
topics:
  sourceEvents: sources/maestro/consumers/cluster1/sourceevents
  agentEvents: sources/maestro/consumers/cluster1/agentevents
`;

describe("--workload-source-driver=mqtt", () => {
  test("a real cluster uses the YAML's topics as written; simulated clusters replace the consumer segment", async () => {
    const yaml = await file("mqtt.yaml", MQTT_YAML);
    const real = agentConfigFromArgs(["--consumer-name=cluster1", "--workload-source-driver=mqtt", `--workload-source-config=${yaml}`]);
    expect(real.source.driver).toBe("mqtt");
    if (real.source.driver !== "mqtt") throw new Error("unreachable");
    expect(real.source.topicMode).toBe("verbatim");
    expect(real.source.mqtt).toMatchObject({ host: "127.0.0.1", port: 1883, pubQoS: 1, subQoS: 1, keepAliveSeconds: 60 });
    expect(sourceAddress(real.source)).toBe("mqtt://127.0.0.1:1883");
    const sim = agentConfigFromArgs(["--simulate=3", "--consumer-prefix=sim", "--workload-source-driver=mqtt", `--workload-source-config=${yaml}`]);
    expect(sim.source.driver === "mqtt" && sim.source.topicMode).toBe("per-cluster");
  });

  test("the MQTT YAML is required, and its problems are ConfigErrors naming the key", async () => {
    const args = (yaml: string, ...more: string[]) => ["--consumer-name=cluster1", "--workload-source-driver=mqtt", `--workload-source-config=${yaml}`, ...more];
    const cases: [string, RegExp][] = [
      ["topics:\n  sourceEvents: a/b/c/d/sourceevents\n", /brokerHost: brokerHost is required/],
      ["brokerHost: 127.0.0.1:1883\n", /topics: the topics must be set/],
      ["brokerHost: 127.0.0.1:1883\ntopics:\n  sourceEvents: sources/maestro/consumers/c1/sourceevents\n  agentEvents: nope\n", /topics\.agentEvents: invalid topic/],
      ["brokerHost: 127.0.0.1:1883\ntopics:\n  sourceEvents: sources/+/consumers/+/sourceevents\n  agentEvents: sources/+/consumers/+/agentevents\n", /topics\.agentEvents: .*wildcard/],
      [`${MQTT_YAML}caFile: /nonexistent/ca.pem\n`, /caFile/],
      [`${MQTT_YAML}pubQoS: 7\n`, /pubQoS: 7 is outside 0\.\.2/],
      ["brokerHost: [", /not valid YAML/],
    ];
    for (const [i, [text, message]] of cases.entries()) {
      const yaml = await file(`bad-mqtt-${i}.yaml`, text);
      expect(() => agentConfigFromArgs(args(yaml))).toThrow(ConfigError);
      expect(() => agentConfigFromArgs(args(yaml))).toThrow(message);
    }
    expect(() => agentConfigFromArgs(["--consumer-name=c1", "--workload-source-driver=mqtt"])).toThrow(/--workload-source-config is required \(Maestro's MQTT broker YAML/);
    const good = await file("mqtt-good.yaml", MQTT_YAML);
    expect(() => agentConfigFromArgs(["--simulate=2", "--consumer-prefix=Sim", "--workload-source-driver=mqtt", `--workload-source-config=${good}`])).toThrow(/cannot be used in an MQTT topic/);
    expect(() => agentConfigFromArgs(["--simulate=3000", "--clusters-per-connection=2500", "--workload-source-driver=mqtt", `--workload-source-config=${good}`])).toThrow(/too many for MQTT/);
  });

  test("maestro agent with a bad MQTT YAML exits 2 with the key in its message", async () => {
    const yaml = await file("bad-mqtt-cli.yaml", "brokerHost: 127.0.0.1:1883\ntopics:\n  sourceEvents: sources/maestro/consumers/c1/sourceevents\n");
    const run = await runCli(["agent", "--consumer-name=c1", "--workload-source-driver=mqtt", `--workload-source-config=${yaml}`]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/topics\.agentEvents: is required/);
  });
});
