// Tests of the MQTT broker config reader: Maestro's YAML key names and defaults, sdk-go's checks,
// and a BrokerConfigError naming the key for every bad value.

import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "../../../src/config/flags.ts";
import { BROKER_CONFIG_DEFAULTS, BrokerConfigError, loadBrokerConfig, parseBrokerConfig, usesTls } from "../../../src/transport/mqtt/broker-config.ts";

const TOPICS = `topics:
  sourceEvents: sources/maestro/consumers/+/sourceevents
  agentEvents: sources/maestro/consumers/+/agentevents
`;

function expectBadKey(yaml: string, key: string, text?: string): BrokerConfigError {
  let caught: unknown;
  try {
    parseBrokerConfig(yaml);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(BrokerConfigError);
  const err = caught as BrokerConfigError;
  expect(err).toBeInstanceOf(ConfigError);
  expect(err.key).toBe(key);
  expect(err.message).toContain(key);
  if (text !== undefined) expect(err.message).toContain(text);
  return err;
}

describe("parseBrokerConfig", () => {
  test("Maestro's server config (shared subscription) with sdk-go's defaults", () => {
    const config = parseBrokerConfig(`brokerHost: maestro-mqtt:1883
topics:
  sourceEvents: sources/maestro/consumers/+/sourceevents
  agentEvents: $share/statussubscribers/sources/maestro/consumers/+/agentevents
`);
    expect(config).toEqual({
      brokerHost: "maestro-mqtt:1883",
      host: "maestro-mqtt",
      port: 1883,
      topics: { sourceEvents: "sources/maestro/consumers/+/sourceevents", agentEvents: "$share/statussubscribers/sources/maestro/consumers/+/agentevents" },
      keepAliveSeconds: 60,
      pubQoS: 1,
      subQoS: 1,
      dialTimeoutMs: 60_000,
    });
    expect(BROKER_CONFIG_DEFAULTS).toEqual({ keepAliveSeconds: 60, pubQoS: 1, subQoS: 1, dialTimeoutMs: 60_000 });
    expect(usesTls(config)).toBe(false);
  });

  test("an agent config with every key set", () => {
    const config = parseBrokerConfig(`brokerHost: abc-ats.iot.us-east-1.amazonaws.com:8883
username: agent
password: 0123
caFile: /certs/ca.pem
clientCertFile: /certs/client.pem
clientKeyFile: /certs/client.key
keepAlive: 30
pubQoS: 0
subQoS: 2
dialTimeout: 1m30s
unknownKey: ignored like yaml.v2 does
topics:
  sourceEvents: sources/maestro/consumers/cluster1/sourceevents
  agentEvents: sources/maestro/consumers/cluster1/agentevents
  sourceBroadcast: sources/+/sourcebroadcast
  agentBroadcast: clusters/cluster1/agentbroadcast
`);
    expect(config).toEqual({
      brokerHost: "abc-ats.iot.us-east-1.amazonaws.com:8883",
      host: "abc-ats.iot.us-east-1.amazonaws.com",
      port: 8883,
      username: "agent",
      password: "0123",
      caFile: "/certs/ca.pem",
      clientCertFile: "/certs/client.pem",
      clientKeyFile: "/certs/client.key",
      topics: {
        sourceEvents: "sources/maestro/consumers/cluster1/sourceevents",
        agentEvents: "sources/maestro/consumers/cluster1/agentevents",
        sourceBroadcast: "sources/+/sourcebroadcast",
        agentBroadcast: "clusters/cluster1/agentbroadcast",
      },
      keepAliveSeconds: 30,
      pubQoS: 0,
      subQoS: 2,
      dialTimeoutMs: 90_000,
    });
    expect(usesTls(config)).toBe(true);
  });

  test("IPv6 hosts, null values as absent, empty strings as unset, integer durations as nanoseconds", () => {
    const config = parseBrokerConfig(`brokerHost: "[::1]:1883"\nusername: ""\npassword: ~\nkeepAlive:\ndialTimeout: 5000000000\n${TOPICS}`);
    expect(config.host).toBe("::1");
    expect(config.port).toBe(1883);
    expect(config.username).toBeUndefined();
    expect(config.password).toBeUndefined();
    expect(config.keepAliveSeconds).toBe(60);
    expect(config.dialTimeoutMs).toBe(5_000);
  });

  test("a CA alone means TLS (server-authenticated, e.g. username/password over TLS)", () => {
    expect(usesTls(parseBrokerConfig(`brokerHost: h:8883\ncaFile: /ca.pem\n${TOPICS}`))).toBe(true);
  });

  test("each bad value names its key", () => {
    expectBadKey(TOPICS, "brokerHost", "brokerHost is required");
    expectBadKey(`brokerHost: ""\n${TOPICS}`, "brokerHost", "required");
    expectBadKey(`brokerHost: localhost\n${TOPICS}`, "brokerHost", "host:port");
    expectBadKey(`brokerHost: tcp://localhost:1883\n${TOPICS}`, "brokerHost", "host:port");
    expectBadKey(`brokerHost: localhost:70000\n${TOPICS}`, "brokerHost");
    expectBadKey(`brokerHost: [a, b]\n${TOPICS}`, "brokerHost", "scalar");
    expectBadKey(`brokerHost: h:1\nclientCertFile: /c.pem\n${TOPICS}`, "clientKeyFile", "either both or none");
    expectBadKey(`brokerHost: h:1\nclientKeyFile: /k.pem\n${TOPICS}`, "clientCertFile", "either both or none");
    expectBadKey(`brokerHost: h:1\nkeepAlive: sixty\n${TOPICS}`, "keepAlive", "integer");
    expectBadKey(`brokerHost: h:1\nkeepAlive: 70000\n${TOPICS}`, "keepAlive", "0..65535");
    expectBadKey(`brokerHost: h:1\npubQoS: 3\n${TOPICS}`, "pubQoS", "0..2");
    expectBadKey(`brokerHost: h:1\nsubQoS: -1\n${TOPICS}`, "subQoS");
    expectBadKey(`brokerHost: h:1\ndialTimeout: soon\n${TOPICS}`, "dialTimeout", "duration");
    expectBadKey(`brokerHost: h:1\ndialTimeout: 0s\n${TOPICS}`, "dialTimeout", "positive");
  });

  test("topics are required and checked against Maestro's patterns", () => {
    expectBadKey("brokerHost: h:1\n", "topics", "the topics must be set");
    expectBadKey("brokerHost: h:1\ntopics: sources\n", "topics", "must be a map");
    expectBadKey("brokerHost: h:1\ntopics:\n  agentEvents: sources/maestro/consumers/+/agentevents\n", "topics.sourceEvents", "is required");
    expectBadKey("brokerHost: h:1\ntopics:\n  sourceEvents: sources/maestro/consumers/+/sourceevents\n", "topics.agentEvents", "is required");
    expectBadKey("brokerHost: h:1\ntopics:\n  sourceEvents: sources/maestro/consumers/+/agentevents\n  agentEvents: sources/maestro/consumers/+/agentevents\n", "topics.sourceEvents", "invalid topic");
    expectBadKey("brokerHost: h:1\ntopics:\n  sourceEvents: sources/maestro/consumers/+/sourceevents\n  agentEvents: sources/maestro/consumers/#\n", "topics.agentEvents", "invalid topic");
    expectBadKey(`brokerHost: h:1\n${TOPICS}  sourceBroadcast: sources/+/agentbroadcast\n`, "topics.sourceBroadcast", "invalid topic");
    expectBadKey(`brokerHost: h:1\n${TOPICS}  agentBroadcast: Clusters/+/agentbroadcast\n`, "topics.agentBroadcast", "invalid topic");
  });

  test("a document that is not a YAML map", () => {
    expectBadKey("- a\n- b\n", "(document)", "must be a YAML map");
    expectBadKey("brokerHost: [unclosed\n", "(document)", "not valid YAML");
  });
});

describe("loadBrokerConfig", () => {
  const dir = mkdtempSync(join(tmpdir(), "maestro-broker-config-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("reads the file", () => {
    const path = join(dir, "broker.yaml");
    writeFileSync(path, `brokerHost: 127.0.0.1:1883\n${TOPICS}`);
    expect(loadBrokerConfig(path).port).toBe(1883);
  });

  test("an unreadable file is a ConfigError naming it", () => {
    expect(() => loadBrokerConfig(join(dir, "missing.yaml"))).toThrow(ConfigError);
    expect(() => loadBrokerConfig(join(dir, "missing.yaml"))).toThrow("missing.yaml");
  });
});
