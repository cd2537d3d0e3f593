// Maestro's MQTT broker config YAML (server `--message-broker-config-file`, agent
// `--workload-source-config`), read with sdk-go's key names, defaults and checks into typed settings.

import { parse as parseYaml } from "yaml";
import {
  AGENT_BROADCAST_TOPIC_PATTERN,
  AGENT_EVENTS_TOPIC_PATTERN,
  SOURCE_BROADCAST_TOPIC_PATTERN,
  SOURCE_EVENTS_TOPIC_PATTERN,
} from "../../cloudevents/mqtt-binding.ts";
import { ConfigError, parseDuration, readConfigFile } from "../../config/flags.ts";

/** MQTT QoS levels. */
export type MqttQoS = 0 | 1 | 2;

/**
 * sdk-go `types.Topics`. Templates may hold `+` wildcards and a `$share/<group>/` prefix.
 * Example: `{ sourceEvents: "sources/maestro/consumers/+/sourceevents", agentEvents: "sources/maestro/consumers/+/agentevents" }`.
 */
export interface MqttTopics {
  readonly sourceEvents: string;
  readonly agentEvents: string;
  readonly sourceBroadcast?: string;
  readonly agentBroadcast?: string;
}

/**
 * The typed broker settings (sdk-go `MQTTConfig` with its defaults applied). File paths stay
 * paths: the client reads them when it connects.
 * Example: `{ brokerHost: "127.0.0.1:1883", host: "127.0.0.1", port: 1883, keepAliveSeconds: 60, pubQoS: 1, subQoS: 1, dialTimeoutMs: 60000, topics }`.
 */
export interface MqttBrokerConfig {
  /** `host:port` exactly as configured (agents hash it for their AppliedManifestWork names). */
  readonly brokerHost: string;
  readonly host: string;
  readonly port: number;
  readonly username?: string;
  readonly password?: string;
  readonly caFile?: string;
  readonly clientCertFile?: string;
  readonly clientKeyFile?: string;
  readonly topics: MqttTopics;
  readonly keepAliveSeconds: number;
  readonly pubQoS: MqttQoS;
  readonly subQoS: MqttQoS;
  readonly dialTimeoutMs: number;
}

/** sdk-go's defaults: keepAlive 60 s, QoS 1 both ways, dialTimeout 60 s. */
export const BROKER_CONFIG_DEFAULTS = { keepAliveSeconds: 60, pubQoS: 1, subQoS: 1, dialTimeoutMs: 60_000 } as const;

/**
 * A broker config that cannot be used; `key` names the offending YAML key (dotted for topics).
 * Example: `catch (e) { if (e instanceof BrokerConfigError) console.error(e.key, e.message) }`.
 */
export class BrokerConfigError extends ConfigError {
  readonly key: string;

  constructor(key: string, problem: string) {
    super(`MQTT broker config: ${key}: ${problem}`);
    this.key = key;
  }
}

type YamlMap = Record<string, unknown>;

function isMap(v: unknown): v is YamlMap {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * A scalar's source text, or undefined when absent or null. The document is read twice: with
 * the core schema to see nulls, and with the failsafe schema so `password: 0123` stays "0123"
 * (Go's yaml.v2 keeps a scalar's text when the field is a string).
 */
function scalar(core: YamlMap, text: YamlMap, key: string, path: string): string | undefined {
  if (core[key] === undefined || core[key] === null) return undefined;
  const raw = text[key];
  if (typeof raw !== "string") throw new BrokerConfigError(path, "must be a scalar value");
  return raw;
}

function nonEmpty(core: YamlMap, text: YamlMap, key: string): string | undefined {
  const v = scalar(core, text, key, key);
  return v === undefined || v === "" ? undefined : v;
}

function integerIn(core: YamlMap, text: YamlMap, key: string, min: number, max: number): number | undefined {
  const raw = scalar(core, text, key, key);
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw)) throw new BrokerConfigError(key, `${JSON.stringify(raw)} is not a non-negative integer`);
  const n = Number(raw);
  if (n < min || n > max) throw new BrokerConfigError(key, `${n} is outside ${min}..${max}`);
  return n;
}

function qos(core: YamlMap, text: YamlMap, key: string): MqttQoS | undefined {
  return integerIn(core, text, key, 0, 2) as MqttQoS | undefined;
}

/** A Go duration (`30s`, `1m`, `500ms`); a bare integer is nanoseconds, as yaml.v2 reads time.Duration. */
function dialTimeout(core: YamlMap, text: YamlMap): number | undefined {
  const raw = scalar(core, text, "dialTimeout", "dialTimeout");
  if (raw === undefined) return undefined;
  const ms = /^\d+$/.test(raw) ? Number(raw) / 1e6 : parseDuration(raw);
  if (ms === undefined) throw new BrokerConfigError("dialTimeout", `${JSON.stringify(raw)} is not a duration such as 30s, 1m or 500ms`);
  if (!(ms > 0)) throw new BrokerConfigError("dialTimeout", "must be positive");
  return ms;
}

function hostPort(raw: string | undefined): { host: string; port: number } {
  if (raw === undefined) throw new BrokerConfigError("brokerHost", "brokerHost is required");
  const m = /^(\[[0-9A-Fa-f:.]+\]|[^\s/:[\]]+):(\d{1,5})$/.exec(raw);
  const port = m === null ? Number.NaN : Number(m[2]);
  if (m === null || port < 1 || port > 65_535) {
    throw new BrokerConfigError("brokerHost", `${JSON.stringify(raw)} is not host:port (e.g. mqtt.example.com:8883)`);
  }
  const host = m[1]!.startsWith("[") ? m[1]!.slice(1, -1) : m[1]!;
  return { host, port };
}

function topic(core: YamlMap, text: YamlMap, key: string, pattern: RegExp, required: boolean): string | undefined {
  const path = `topics.${key}`;
  const v = scalar(core, text, key, path);
  if (v === undefined || v === "") {
    if (required) throw new BrokerConfigError(path, `is required and must match ${pattern.source}`);
    return undefined;
  }
  if (!pattern.test(v)) throw new BrokerConfigError(path, `invalid topic ${JSON.stringify(v)}, it should match ${pattern.source}`);
  return v;
}

function topics(core: YamlMap, text: YamlMap): MqttTopics {
  const coreTopics = core.topics;
  const textTopics = text.topics;
  if (coreTopics === undefined || coreTopics === null) throw new BrokerConfigError("topics", "the topics must be set");
  if (!isMap(coreTopics) || !isMap(textTopics)) throw new BrokerConfigError("topics", "must be a map of sourceEvents, agentEvents, sourceBroadcast, agentBroadcast");
  const sourceBroadcast = topic(coreTopics, textTopics, "sourceBroadcast", SOURCE_BROADCAST_TOPIC_PATTERN, false);
  const agentBroadcast = topic(coreTopics, textTopics, "agentBroadcast", AGENT_BROADCAST_TOPIC_PATTERN, false);
  return {
    sourceEvents: topic(coreTopics, textTopics, "sourceEvents", SOURCE_EVENTS_TOPIC_PATTERN, true)!,
    agentEvents: topic(coreTopics, textTopics, "agentEvents", AGENT_EVENTS_TOPIC_PATTERN, true)!,
    ...(sourceBroadcast === undefined ? {} : { sourceBroadcast }),
    ...(agentBroadcast === undefined ? {} : { agentBroadcast }),
  };
}

function readDocuments(yamlText: string): { core: YamlMap; text: YamlMap } {
  let core: unknown;
  let text: unknown;
  try {
    core = parseYaml(yamlText);
    text = parseYaml(yamlText, { schema: "failsafe" });
  } catch (err) {
    throw new BrokerConfigError("(document)", `not valid YAML: ${(err as Error).message}`);
  }
  if (!isMap(core) || !isMap(text)) throw new BrokerConfigError("(document)", "must be a YAML map");
  return { core, text };
}

/**
 * Parses the broker config YAML. Keys as sdk-go spells them: brokerHost (host:port, required),
 * username, password, caFile, clientCertFile, clientKeyFile (both or neither), keepAlive
 * (seconds, default 60), pubQoS/subQoS (0-2, default 1), dialTimeout (Go duration, default 60s)
 * and topics {sourceEvents, agentEvents (required), sourceBroadcast, agentBroadcast} matching
 * Maestro's patterns. Unknown keys are ignored, as yaml.v2 ignores them. Throws BrokerConfigError.
 * Example: `parseBrokerConfig("brokerHost: 127.0.0.1:1883\ntopics:\n  sourceEvents: sources/maestro/consumers/+/sourceevents\n  agentEvents: sources/maestro/consumers/+/agentevents\n").pubQoS` -> 1.
 */
export function parseBrokerConfig(yamlText: string): MqttBrokerConfig {
  const { core, text } = readDocuments(yamlText);
  const brokerHost = nonEmpty(core, text, "brokerHost");
  const { host, port } = hostPort(brokerHost);
  const clientCertFile = nonEmpty(core, text, "clientCertFile");
  const clientKeyFile = nonEmpty(core, text, "clientKeyFile");
  if ((clientCertFile === undefined) !== (clientKeyFile === undefined)) {
    throw new BrokerConfigError(clientCertFile === undefined ? "clientCertFile" : "clientKeyFile", "either both or none of clientCertFile and clientKeyFile must be set");
  }
  const optional = { username: nonEmpty(core, text, "username"), password: nonEmpty(core, text, "password"), caFile: nonEmpty(core, text, "caFile"), clientCertFile, clientKeyFile };
  const defined = Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)) as Partial<typeof optional>;
  return {
    brokerHost: brokerHost!,
    host,
    port,
    ...defined,
    topics: topics(core, text),
    keepAliveSeconds: integerIn(core, text, "keepAlive", 0, 65_535) ?? BROKER_CONFIG_DEFAULTS.keepAliveSeconds,
    pubQoS: qos(core, text, "pubQoS") ?? BROKER_CONFIG_DEFAULTS.pubQoS,
    subQoS: qos(core, text, "subQoS") ?? BROKER_CONFIG_DEFAULTS.subQoS,
    dialTimeoutMs: dialTimeout(core, text) ?? BROKER_CONFIG_DEFAULTS.dialTimeoutMs,
  };
}

/**
 * Reads and parses a broker config file; an unreadable file is a ConfigError naming it.
 * Example: `loadBrokerConfig("/etc/maestro/broker.yaml").topics.agentEvents`.
 */
export function loadBrokerConfig(path: string): MqttBrokerConfig {
  return parseBrokerConfig(readConfigFile(path, "the MQTT broker config").toString("utf8"));
}

/**
 * True when the connection uses TLS: a CA or a client certificate is configured. (sdk-go's
 * newest dialer uses TLS only with a client certificate; we also honour a CA alone, which
 * brokers with username/password over TLS need.)
 * Example: `usesTls({ ...config, caFile: "/ca.pem" })` -> true.
 */
export function usesTls(config: MqttBrokerConfig): boolean {
  return config.caFile !== undefined || config.clientCertFile !== undefined;
}
