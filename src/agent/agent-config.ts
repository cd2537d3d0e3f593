// `maestro agent` configuration: Maestro's flag names (maestro-wire.md 10.3) plus the simulate
// mode, sdk-go's gRPC client YAML (url, TLS files or data, token, keepalive, healthiness), and
// Maestro's MQTT broker YAML (maestro-wire.md 4.1) with the topics of each (simulated) cluster.

import { parse as parseYaml } from "yaml";
import { MQTT_CONSUMER_NAME_PATTERN } from "../cloudevents/mqtt-binding.ts";
import { ConfigError, parseDuration, parseFlags, readConfigFile, type FlagSpec } from "../config/flags.ts";
import { mqttAgentClustersPerConnectionMax } from "../limits.ts";
import { loadBrokerConfig, type MqttBrokerConfig } from "../transport/mqtt/broker-config.ts";
import { clusterTopics, type TopicMode } from "./mqtt-topics.ts";

/** `maestro agent` flags. */
export const agentFlags: readonly FlagSpec[] = [
  { name: "consumer-name", kind: "string", default: "", help: "This cluster's consumer name (required unless --simulate)" },
  { name: "workload-source-driver", kind: "enum", default: "grpc", values: ["grpc", "mqtt", "pubsub", "kube"], help: "How the agent reaches the server: grpc (the server's broker port) or mqtt (an MQTT v5 broker the server also uses)" },
  {
    name: "workload-source-config",
    kind: "string",
    default: "",
    help:
      "Path of the broker config YAML. grpc: url, caFile, clientCertFile, clientKeyFile, token, tokenFile, keepAliveConfig, serverHealthinessTimeout. " +
      "mqtt: brokerHost, username, password, caFile, clientCertFile, clientKeyFile, keepAlive, pubQoS, subQoS, dialTimeout and topics " +
      "(sourceEvents: sources/maestro/consumers/<consumer>/sourceevents, agentEvents: sources/maestro/consumers/<consumer>/agentevents, optional sourceBroadcast, agentBroadcast). " +
      "With --simulate the <consumer> segment (a name or +) is replaced by each simulated cluster's name",
  },
  { name: "cloudevents-client-id", kind: "string", default: "", help: "CloudEvents source of this agent's events (default <consumer-name>-work-agent); the MQTT client id is <this>-client" },
  { name: "cloudevents-client-codecs", kind: "string", default: "manifestbundle", help: "Accepted for compatibility; only manifestbundle exists" },
  { name: "status-sync-interval", kind: "duration", default: 10000, help: "How often status feedback is re-read and changed statuses published" },
  { name: "max-json-raw-length", kind: "int", default: 1048576, min: 1, max: 64 * 1024 * 1024, help: "Largest JSON value a JSONPaths feedback rule may report" },
  { name: "kubeconfig", kind: "string", default: "", help: "Kubeconfig of the managed cluster (default: in-cluster, then $KUBECONFIG, then ~/.kube/config)" },
  { name: "simulate", kind: "int", default: 0, min: 0, max: 1_000_000, help: "Run N simulated clusters in this process instead of applying to a real cluster (load tests)" },
  { name: "consumer-prefix", kind: "string", default: "sim", help: "Simulated clusters are named <prefix>-<n>; with --simulate 1 the cluster is named <prefix> exactly" },
  { name: "simulate-offset", kind: "int", default: 0, min: 0, max: 100_000_000, help: "Number simulated clusters from <offset>+1 (so several agent processes can share one prefix)" },
  {
    name: "clusters-per-connection",
    kind: "int",
    default: 1000,
    min: 1,
    max: 100_000,
    help: `Simulated clusters sharing one connection: their streams on one gRPC connection, or their topics on one MQTT connection (at most ${mqttAgentClustersPerConnectionMax}; client id <first>-to-<last>-work-agent-client)`,
  },
  { name: "metrics-server-bindport", kind: "int", default: -1, min: -1, max: 65535, help: "Serve /metrics on this port of 127.0.0.1 (0 picks a free port; -1 disables)" },
  { name: "v", kind: "int", default: 0, min: 0, max: 10, help: "Log verbosity like klog's -v: 0 info, 4 and above debug" },
];

/** sdk-go's gRPC client settings (GRPCConfig YAML). */
export interface GrpcSourceConfig {
  readonly url: string;
  readonly caPem?: Buffer;
  readonly clientCertPem?: Buffer;
  readonly clientKeyPem?: Buffer;
  readonly token?: string;
  readonly keepAlive?: { readonly timeMs: number; readonly timeoutMs: number; readonly permitWithoutStream: boolean };
  readonly serverHealthinessTimeoutMs?: number;
}

/**
 * Where the agent's events go. MQTT topics are used as sdk-go's agent uses them (`verbatim`) for a
 * real cluster, and with the consumer segment replaced per cluster (`per-cluster`) in simulate
 * mode (see TopicMode in mqtt-topics.ts).
 */
export type AgentSource =
  | { readonly driver: "grpc"; readonly grpc: GrpcSourceConfig }
  | { readonly driver: "mqtt"; readonly mqtt: MqttBrokerConfig; readonly topicMode: TopicMode };

/** The typed configuration of `maestro agent`. */
export interface AgentConfig {
  readonly clusterNames: readonly string[];
  readonly simulated: boolean;
  readonly agentIdOf: (clusterName: string) => string;
  readonly source: AgentSource;
  readonly statusSyncIntervalMs: number;
  readonly jsonRawBytesMax: number;
  readonly kubeconfig: string;
  readonly clustersPerConnection: number;
  /** -1 = no metrics endpoint. */
  readonly metricsPort: number;
  readonly verbosity: number;
}


function durationMs(value: unknown, key: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const ms = typeof value === "number" ? value / 1e6 : parseDuration(String(value));
  if (ms === undefined) throw new ConfigError(`${key} is not a duration: ${String(value)}`);
  return ms;
}

function pem(config: Record<string, unknown>, fileKey: string, dataKey: string): Buffer | undefined {
  if (typeof config[dataKey] === "string" && config[dataKey] !== "") return Buffer.from(String(config[dataKey]));
  if (typeof config[fileKey] === "string" && config[fileKey] !== "") return readConfigFile(String(config[fileKey]), fileKey);
  return undefined;
}

/**
 * Reads sdk-go's gRPC YAML (`url: host:port`, `caFile`, `clientCertFile`, `clientKeyFile`,
 * `token`/`tokenFile`, `keepAliveConfig`, `serverHealthinessTimeout`).
 * Example: `grpcSourceConfigFromYaml("url: 127.0.0.1:8091\n")`.
 */
export function grpcSourceConfigFromYaml(text: string): GrpcSourceConfig {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ConfigError(`the workload source config is not YAML: ${(err as Error).message}`);
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) throw new ConfigError("the workload source config must be a YAML map");
  const c = doc as Record<string, unknown>;
  const url = typeof c.url === "string" ? c.url.replace(/^grpcs?:\/\//, "") : "";
  if (!/^[^\s/]+:\d+$/.test(url)) throw new ConfigError(`the workload source config needs url: <host>:<port> (got ${JSON.stringify(c.url ?? "")})`);
  const token = typeof c.token === "string" && c.token ? c.token : typeof c.tokenFile === "string" && c.tokenFile ? readConfigFile(c.tokenFile, "tokenFile").toString("utf8").trim() : undefined;
  const ka = (c.keepAliveConfig ?? undefined) as Record<string, unknown> | undefined;
  const caPem = pem(c, "caFile", "caData");
  if (token && !caPem) throw new ConfigError("a token needs TLS: set caFile or caData in the workload source config");
  return {
    url,
    caPem,
    clientCertPem: pem(c, "clientCertFile", "clientCertData"),
    clientKeyPem: pem(c, "clientKeyFile", "clientKeyData"),
    token,
    keepAlive: ka?.enable ? { timeMs: durationMs(ka.time, "keepAliveConfig.time") ?? 30_000, timeoutMs: durationMs(ka.timeout, "keepAliveConfig.timeout") ?? 10_000, permitWithoutStream: ka.permitWithoutStream === true } : undefined,
    serverHealthinessTimeoutMs: durationMs(c.serverHealthinessTimeout, "serverHealthinessTimeout"),
  };
}

/**
 * The simulated cluster names: `<prefix>-<offset+1> … <prefix>-<offset+N>`, or `<prefix>` for
 * a single cluster without offset.
 */
export function simulatedClusterNames(prefix: string, count: number, offset = 0): string[] {
  return count === 1 && offset === 0 ? [prefix] : Array.from({ length: count }, (_, i) => `${prefix}-${offset + i + 1}`);
}

/**
 * The MQTT source: the broker YAML, checked for what the agent will do with it: its TLS files
 * readable, every cluster name usable in a topic, every cluster's topics free of wildcards where
 * it publishes, and the SUBSCRIBE of one shared connection within one packet.
 * Example: `mqttSourceConfig("/etc/maestro/mqtt.yaml", ["c1"], false, 1000).topicMode` -> "verbatim".
 */
export function mqttSourceConfig(path: string, clusterNames: readonly string[], simulated: boolean, clustersPerConnection: number): AgentSource {
  const mqtt = loadBrokerConfig(path);
  for (const [key, file] of [["caFile", mqtt.caFile], ["clientCertFile", mqtt.clientCertFile], ["clientKeyFile", mqtt.clientKeyFile]] as const) {
    if (file !== undefined) readConfigFile(file, `the MQTT broker config's ${key}`);
  }
  const topicMode: TopicMode = simulated ? "per-cluster" : "verbatim";
  for (const name of new Set([clusterNames[0]!, clusterNames.at(-1)!])) {
    const named = simulated || [mqtt.topics.sourceEvents, mqtt.topics.agentEvents, mqtt.topics.agentBroadcast].some((t) => t?.includes("+"));
    if (named && !MQTT_CONSUMER_NAME_PATTERN.test(name)) {
      throw new ConfigError(`cluster name ${JSON.stringify(name)} cannot be used in an MQTT topic: it must match ${MQTT_CONSUMER_NAME_PATTERN.source}`);
    }
    clusterTopics(mqtt.topics, name, topicMode);
  }
  if (Math.min(clusterNames.length, clustersPerConnection) > mqttAgentClustersPerConnectionMax) {
    throw new ConfigError(`--clusters-per-connection=${clustersPerConnection} is too many for MQTT: one connection subscribes at most ${mqttAgentClustersPerConnectionMax} clusters' topics`);
  }
  return { driver: "mqtt", mqtt, topicMode };
}

/** Where the agent connects, for its start-up log line. Example: `sourceAddress(config.source)` -> "mqtt://127.0.0.1:1883". */
export function sourceAddress(source: AgentSource): string {
  return source.driver === "grpc" ? source.grpc.url : `mqtt://${source.mqtt.brokerHost}`;
}

/**
 * Parses `maestro agent` arguments. Example: `agentConfigFromArgs(["--consumer-name=c1", "--workload-source-config=grpc.yaml"])`.
 */
export function agentConfigFromArgs(argv: readonly string[]): AgentConfig {
  const { values } = parseFlags(argv, agentFlags);
  const driver = String(values["workload-source-driver"]);
  if (driver !== "grpc" && driver !== "mqtt") throw new ConfigError(`--workload-source-driver=${driver} is not supported by this build yet; use grpc or mqtt`);
  const configPath = String(values["workload-source-config"]);
  if (!configPath) {
    throw new ConfigError(
      driver === "grpc"
        ? "--workload-source-config is required (a YAML file with url: <server>:<broker port>)"
        : "--workload-source-config is required (Maestro's MQTT broker YAML: brokerHost and topics)",
    );
  }
  const simulate = Number(values.simulate);
  const consumer = String(values["consumer-name"]);
  if (simulate === 0 && !consumer) throw new ConfigError("--consumer-name is required (or --simulate N)");
  const clusterNames = simulate > 0 ? simulatedClusterNames(String(values["consumer-prefix"]), simulate, Number(values["simulate-offset"])) : [consumer];
  const clientId = String(values["cloudevents-client-id"]);
  if (clientId && clusterNames.length > 1) throw new ConfigError("--cloudevents-client-id names one agent; it cannot be used with --simulate N > 1");
  const interval = Number(values["status-sync-interval"]);
  if (interval < 100) throw new ConfigError("--status-sync-interval must be at least 100ms");
  const clustersPerConnection = Number(values["clusters-per-connection"]);
  return {
    clusterNames,
    simulated: simulate > 0,
    agentIdOf: (name) => clientId || `${name}-work-agent`,
    source:
      driver === "mqtt"
        ? mqttSourceConfig(configPath, clusterNames, simulate > 0, clustersPerConnection)
        : { driver: "grpc", grpc: grpcSourceConfigFromYaml(readConfigFile(configPath, "--workload-source-config").toString("utf8")) },
    statusSyncIntervalMs: interval,
    jsonRawBytesMax: Number(values["max-json-raw-length"]),
    kubeconfig: String(values.kubeconfig),
    clustersPerConnection,
    metricsPort: Number(values["metrics-server-bindport"]),
    verbosity: Number(values.v),
  };
}
