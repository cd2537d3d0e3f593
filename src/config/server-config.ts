// `maestro server` and `maestro migrate` configuration: Maestro's flag names and defaults where
// Maestro has them (maestro-wire.md 10.2), plus DATABASE_URL / PGlite settings of our own.

import { checkAgentEventsSource, unsharedTopic } from "../cloudevents/mqtt-binding.ts";
import { MaestroError } from "../errors.ts";
import { loadBrokerConfig, type MqttBrokerConfig } from "../transport/mqtt/broker-config.ts";
import { ConfigError, parseFlags, readConfigFile, type FlagSpec, type FlagValues } from "./flags.ts";

const port = (name: string, def: number, help: string): FlagSpec => ({
  name,
  kind: "int",
  default: def,
  help: `${help} (0 picks a free port)`,
  min: 0,
  max: 65535,
});

/** Flags shared by every command that opens the database. */
export const databaseFlags: readonly FlagSpec[] = [
  { name: "db-url", kind: "string", default: "", help: "PostgreSQL URL (postgres://user:pass@host:port/db); overrides DATABASE_URL. Empty with no DATABASE_URL and no --db-host-file = embedded PGlite" },
  { name: "db-data-dir", kind: "string", default: "./data", help: "Embedded PGlite data directory; memory:// keeps everything in memory" },
  { name: "db-host-file", kind: "string", default: "", help: "Maestro-style: file holding the PostgreSQL host (used when set, with the other --db-*-file flags)" },
  { name: "db-port-file", kind: "string", default: "", help: "Maestro-style: file holding the PostgreSQL port (default port 5432)" },
  { name: "db-user-file", kind: "string", default: "", help: "Maestro-style: file holding the PostgreSQL user" },
  { name: "db-password-file", kind: "string", default: "", help: "Maestro-style: file holding the PostgreSQL password" },
  { name: "db-name-file", kind: "string", default: "", help: "Maestro-style: file holding the PostgreSQL database name" },
  { name: "db-sslmode", kind: "enum", default: "disable", values: ["disable", "require", "verify-ca", "verify-full", "prefer", "allow"], help: "PostgreSQL SSL mode for the --db-*-file settings" },
  { name: "db-max-open-connections", kind: "int", default: 10, min: 1, max: 1000, help: "PostgreSQL connection pool size" },
  { name: "v", kind: "int", default: 0, min: 0, max: 10, help: "Log verbosity like klog's -v: 0 info, 4 and above debug" },
];

/** `maestro server` flags. */
export const serverFlags: readonly FlagSpec[] = [
  { name: "server-hostname", kind: "string", default: "localhost", help: "Host the servers bind to; empty binds every interface" },
  port("http-server-bindport", 8000, "REST API port"),
  port("grpc-server-bindport", 8090, "Source-facing gRPC CloudEvents port"),
  port("grpc-broker-bindport", 8091, "Agent-facing gRPC broker port (--message-broker-type=grpc)"),
  port("metrics-server-bindport", 8080, "Prometheus /metrics port"),
  port("health-check-server-bindport", 8083, "/healthcheck and /livez port"),
  { name: "enable-grpc-server", kind: "bool", default: true, help: "Serve the source-facing gRPC port" },
  { name: "message-broker-type", kind: "enum", default: "grpc", values: ["grpc", "mqtt", "pubsub"], help: "How specs reach agents: grpc (this server is the broker), mqtt, pubsub" },
  { name: "message-broker-config-file", kind: "string", default: "", help: "Broker configuration YAML (required with --message-broker-type=mqtt: brokerHost, topics, TLS files…)" },
  { name: "subscription-type", kind: "enum", default: "shared", values: ["shared", "broadcast"], help: "MQTT: shared (a $share/<group>/ agentEvents topic splits statuses between instances) or broadcast (every instance receives every status; the topic must not be $share/)" },
  { name: "source-id", kind: "string", default: "maestro", help: "CloudEvents source of the spec events sent to agents" },
  { name: "client-id", kind: "string", default: "maestro", help: "This server instance's id (server_instances row, MQTT client id)" },
  { name: "heartbeat-interval", kind: "int", default: 15, min: 1, max: 3600, help: "Seconds between this instance's liveness heartbeats in the database" },
  { name: "grpc-max-receive-message-size", kind: "int", default: 4194304, min: 1024, max: 2147483647, help: "Largest gRPC message accepted, in bytes" },
  { name: "grpc-max-send-message-size", kind: "int", default: 2147483647, min: 1024, max: 2147483647, help: "Largest gRPC message sent, in bytes" },
  { name: "grpc-max-concurrent-streams", kind: "int", default: 4294967295, min: 1, max: 4294967295, help: "Most concurrent gRPC streams per connection" },
  { name: "grpc-server-ping-interval", kind: "duration", default: 30000, help: "gRPC keepalive: ping an idle connection after this long" },
  { name: "grpc-server-ping-timeout", kind: "duration", default: 10000, help: "gRPC keepalive: close the connection when a ping is not answered in this time" },
  { name: "grpc-max-connection-age", kind: "duration", default: 0, help: "Close gRPC connections older than this (clients reconnect and resync); 0 = never" },
  { name: "subscriber-pending-bytes-max", kind: "int", default: 8 * 1024 * 1024, min: 64 * 1024, max: 1024 * 1024 * 1024, help: "Bytes queued for one Subscribe stream before it is closed as a slow consumer (it reconnects and resyncs)" },
  { name: "heartbeat-check-interval", kind: "duration", default: 10000, help: "Interval of the heartbeat events sent on every Subscribe stream" },
  { name: "heartbeat-disable", kind: "bool", default: false, help: "Send no heartbeat events on Subscribe streams" },
  { name: "undelivered-resource-threshold", kind: "int", default: 600, min: 0, max: 86400 * 30, help: "Seconds after which a resource whose current version has no agent status (or a delete not confirmed) is sent to its connected agent again; 0 disables" },
  { name: "undelivered-check-interval", kind: "duration", default: 60000, help: "How often the redelivery scan runs" },
  { name: "http-read-timeout", kind: "duration", default: 5000, help: "Longest time to read one REST request" },
  { name: "http-write-timeout", kind: "duration", default: 30000, help: "Longest time to write one REST response" },
  ...databaseFlags,
];

/** Where the store lives. */
export type DatabaseTarget = { kind: "postgres"; url: string; poolMax: number } | { kind: "pglite"; dataDir: string | undefined };

/** Maestro's gRPC server options (maestro-wire.md 1.6), shared by both gRPC ports. */
export interface GrpcServerOptions {
  readonly receiveBytesMax: number;
  readonly sendBytesMax: number;
  readonly concurrentStreamsMax: number;
  readonly pingIntervalMs: number;
  readonly pingTimeoutMs: number;
  /** 0 = unlimited. */
  readonly connectionAgeMaxMs: number;
}

/** The typed configuration of `maestro server`. */
export interface ServerConfig {
  readonly host: string;
  readonly httpPort: number;
  readonly grpcPort: number;
  readonly grpcBrokerPort: number;
  readonly metricsPort: number;
  readonly healthPort: number;
  readonly enableGrpcServer: boolean;
  readonly messageBrokerType: "grpc" | "mqtt" | "pubsub";
  readonly messageBrokerConfigFile: string;
  /** The broker settings in MQTT mode (read and checked at start-up), else undefined. */
  readonly mqtt: MqttBrokerConfig | undefined;
  readonly subscriptionType: "shared" | "broadcast";
  readonly sourceId: string;
  readonly clientId: string;
  readonly heartbeatIntervalMs: number;
  readonly grpc: GrpcServerOptions;
  /** Bytes queued for one Subscribe stream before it is closed as a slow consumer. */
  readonly subscriberPendingBytesMax: number;
  /** Interval of Subscribe heartbeat events; 0 = disabled. */
  readonly streamHeartbeatIntervalMs: number;
  readonly undeliveredThresholdMs: number;
  readonly undeliveredCheckIntervalMs: number;
  readonly httpReadTimeoutMs: number;
  readonly httpWriteTimeoutMs: number;
  readonly database: DatabaseTarget;
  readonly verbosity: number;
}

function readSecret(path: string, what: string): string {
  return readConfigFile(path, what).toString("utf8").trim();
}

/**
 * Resolves the database: --db-url, then DATABASE_URL, then Maestro's --db-*-file flags, else
 * PGlite in --db-data-dir. Example: `resolveDatabase(values, process.env)`.
 */
export function resolveDatabase(values: FlagValues, env: Record<string, string | undefined>): DatabaseTarget {
  const poolMax = Number(values["db-max-open-connections"]);
  const url = String(values["db-url"]) || env.DATABASE_URL || "";
  if (url) {
    if (!/^postgres(ql)?:\/\//.test(url)) throw new ConfigError(`database URL must start with postgres:// (got "${url.replace(/:[^:@/]*@/, ":***@")}")`);
    return { kind: "postgres", url, poolMax };
  }
  const hostFile = String(values["db-host-file"]);
  if (hostFile) {
    const host = readSecret(hostFile, "the database host");
    const portFile = String(values["db-port-file"]);
    const dbPort = portFile ? readSecret(portFile, "the database port") : "5432";
    if (!/^\d+$/.test(dbPort)) throw new ConfigError(`database port "${dbPort}" is not a number`);
    const user = values["db-user-file"] ? readSecret(String(values["db-user-file"]), "the database user") : "postgres";
    const password = values["db-password-file"] ? readSecret(String(values["db-password-file"]), "the database password") : "";
    const name = values["db-name-file"] ? readSecret(String(values["db-name-file"]), "the database name") : "maestro";
    const auth = encodeURIComponent(user) + (password ? `:${encodeURIComponent(password)}` : "");
    const built = `postgres://${auth}@${host}:${dbPort}/${encodeURIComponent(name)}?sslmode=${String(values["db-sslmode"])}`;
    return { kind: "postgres", url: built, poolMax };
  }
  const dataDir = String(values["db-data-dir"]);
  return { kind: "pglite", dataDir: dataDir === "memory://" || dataDir === "" ? undefined : dataDir };
}

/**
 * Reads and checks the MQTT broker config of `--message-broker-type=mqtt`: the file is required,
 * the agentEvents topic must name `--source-id` as its source (or no status would ever arrive),
 * and broadcast subscriptions cannot use a `$share/` topic. Every problem is a ConfigError.
 * Example: `mqttSettings(values, "shared").topics.agentEvents`.
 */
function mqttSettings(values: FlagValues, subscriptionType: ServerConfig["subscriptionType"]): MqttBrokerConfig {
  const file = String(values["message-broker-config-file"]);
  if (file === "") throw new ConfigError("--message-broker-config-file is required with --message-broker-type=mqtt (Maestro's MQTT broker YAML)");
  const config = loadBrokerConfig(file);
  try {
    checkAgentEventsSource(config.topics.agentEvents, String(values["source-id"]));
  } catch (err) {
    if (!(err instanceof MaestroError)) throw err;
    throw new ConfigError(`MQTT broker config ${file}: ${err.reason} (set --source-id or topics.agentEvents so that they agree)`);
  }
  const shared = unsharedTopic(config.topics.agentEvents) !== config.topics.agentEvents;
  if (subscriptionType === "broadcast" && shared) {
    throw new ConfigError(`--subscription-type=broadcast needs every instance to receive every status, but topics.agentEvents ${JSON.stringify(config.topics.agentEvents)} is a $share/ subscription`);
  }
  return config;
}

/**
 * Parses `maestro server` arguments into a ServerConfig; throws ConfigError on anything wrong.
 * Example: `serverConfigFromArgs(["--http-server-bindport", "0"], process.env)`.
 */
export function serverConfigFromArgs(argv: readonly string[], env: Record<string, string | undefined>): ServerConfig {
  const { values } = parseFlags(argv, serverFlags);
  const brokerType = values["message-broker-type"] as ServerConfig["messageBrokerType"];
  if (brokerType === "pubsub") {
    throw new ConfigError(`--message-broker-type=${brokerType} is not supported by this build yet; use grpc (the server is the broker) or mqtt`);
  }
  const subscriptionType = values["subscription-type"] as ServerConfig["subscriptionType"];
  const mqtt = brokerType === "mqtt" ? mqttSettings(values, subscriptionType) : undefined;
  if (!values["heartbeat-disable"] && Number(values["heartbeat-check-interval"]) < 100) {
    throw new ConfigError("--heartbeat-check-interval must be at least 100ms (use --heartbeat-disable to turn heartbeats off)");
  }
  if (Number(values["undelivered-check-interval"]) < 1000) throw new ConfigError("--undelivered-check-interval must be at least 1s");
  return {
    host: String(values["server-hostname"]),
    httpPort: Number(values["http-server-bindport"]),
    grpcPort: Number(values["grpc-server-bindport"]),
    grpcBrokerPort: Number(values["grpc-broker-bindport"]),
    metricsPort: Number(values["metrics-server-bindport"]),
    healthPort: Number(values["health-check-server-bindport"]),
    enableGrpcServer: Boolean(values["enable-grpc-server"]),
    messageBrokerType: brokerType,
    messageBrokerConfigFile: String(values["message-broker-config-file"]),
    mqtt,
    subscriptionType,
    sourceId: String(values["source-id"]),
    clientId: String(values["client-id"]),
    heartbeatIntervalMs: Number(values["heartbeat-interval"]) * 1000,
    grpc: {
      receiveBytesMax: Number(values["grpc-max-receive-message-size"]),
      sendBytesMax: Number(values["grpc-max-send-message-size"]),
      concurrentStreamsMax: Number(values["grpc-max-concurrent-streams"]),
      pingIntervalMs: Number(values["grpc-server-ping-interval"]),
      pingTimeoutMs: Number(values["grpc-server-ping-timeout"]),
      connectionAgeMaxMs: Number(values["grpc-max-connection-age"]),
    },
    subscriberPendingBytesMax: Number(values["subscriber-pending-bytes-max"]),
    streamHeartbeatIntervalMs: values["heartbeat-disable"] ? 0 : Number(values["heartbeat-check-interval"]),
    undeliveredThresholdMs: Number(values["undelivered-resource-threshold"]) * 1000,
    undeliveredCheckIntervalMs: Number(values["undelivered-check-interval"]),
    httpReadTimeoutMs: Number(values["http-read-timeout"]),
    httpWriteTimeoutMs: Number(values["http-write-timeout"]),
    database: resolveDatabase(values, env),
    verbosity: Number(values.v),
  };
}
