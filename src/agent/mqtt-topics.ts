// The MQTT topics of one agent cluster, from the broker YAML's templates (maestro-wire.md 4.1):
// sdk-go's rules for a real agent, the consumer segment replaced per cluster in simulate mode. Pure.

import { unsharedTopic } from "../cloudevents/mqtt-binding.ts";
import { ConfigError } from "../config/flags.ts";
import { mqttAgentTopicBytesMax } from "../limits.ts";
import type { MqttTopics } from "../transport/mqtt/broker-config.ts";

/**
 * How the YAML's topics become a cluster's topics:
 * - `verbatim` (one real cluster, as sdk-go's agent does): the last `+` of sourceEvents and
 *   agentEvents becomes the cluster name (a topic naming its consumer stays as written, so a
 *   consumer id in the topic works with any --consumer-name), then a `+` left in agentEvents
 *   becomes the source segment; agentBroadcast gets its first `+` replaced.
 * - `per-cluster` (simulated clusters): the consumer segment (the 4th of
 *   `sources/<source>/consumers/<consumer>/{sourceevents,agentevents}`) is set to each
 *   simulated cluster's name, whether the YAML has `+` or one cluster's name there, and so is
 *   the 2nd segment of agentBroadcast (`<prefix>/<cluster>/agentbroadcast`).
 */
export type TopicMode = "verbatim" | "per-cluster";

/** One cluster's topics. Example: `{ sourceEvents: "sources/maestro/consumers/c1/sourceevents", agentEvents: "…/c1/agentevents", specResync: "…/c1/agentevents" }`. */
export interface ClusterTopics {
  /** Subscribed: the server's spec events and status resync requests for the cluster. */
  readonly sourceEvents: string;
  /** Published: the cluster's statuses. */
  readonly agentEvents: string;
  /** Published: the spec resync request (originalsource ""): agentBroadcast if set, else agentEvents. */
  readonly specResync: string;
}

/** Index of the consumer segment in an (unshared) events topic `a/<source>/c/<consumer>/kind`. */
const CONSUMER_SEGMENT = 3;
/** Index of the source segment in an events topic. */
const SOURCE_SEGMENT = 1;
/** Index of the cluster segment in a broadcast topic `a/<cluster>/agentbroadcast`. */
const BROADCAST_SEGMENT = 1;

/** sdk-go's replaceLast: the last occurrence of `old` replaced. */
function replaceLast(text: string, old: string, value: string): string {
  const at = text.lastIndexOf(old);
  return at < 0 ? text : text.slice(0, at) + value + text.slice(at + old.length);
}

/** The topic with segment `index` (counted after any `$share/<group>/` prefix) set to `value`. */
function withSegment(topic: string, index: number, value: string): string {
  const unshared = unsharedTopic(topic);
  const prefix = topic.slice(0, topic.length - unshared.length);
  const segments = unshared.split("/");
  segments[index] = value;
  return prefix + segments.join("/");
}

function segment(topic: string, index: number): string {
  return unsharedTopic(topic).split("/")[index] ?? "";
}

function publishTopic(topic: string, key: string): string {
  if (topic.includes("+") || topic.includes("#")) {
    throw new ConfigError(`MQTT broker config: topics.${key}: the agent would publish to ${JSON.stringify(topic)}, which has a wildcard; name the source (e.g. sources/maestro/consumers/+/agentevents)`);
  }
  if (topic.startsWith("$share/")) throw new ConfigError(`MQTT broker config: topics.${key}: an agent cannot publish to a shared subscription topic ${JSON.stringify(topic)}`);
  return checkedLength(topic, key);
}

function checkedLength(topic: string, key: string): string {
  if (Buffer.byteLength(topic) > mqttAgentTopicBytesMax) throw new ConfigError(`MQTT broker config: topics.${key}: ${JSON.stringify(topic)} is longer than ${mqttAgentTopicBytesMax} bytes`);
  return topic;
}

/**
 * A cluster's topics from the YAML's (already validated) templates. Throws ConfigError naming
 * the key when a publish topic keeps a wildcard or a topic is too long.
 * Example: `clusterTopics({ sourceEvents: "sources/maestro/consumers/+/sourceevents", agentEvents: "sources/maestro/consumers/+/agentevents" }, "sim-2", "per-cluster").agentEvents` -> "sources/maestro/consumers/sim-2/agentevents".
 */
export function clusterTopics(topics: MqttTopics, clusterName: string, mode: TopicMode): ClusterTopics {
  const perCluster = mode === "per-cluster";
  const sourceEvents = perCluster ? withSegment(topics.sourceEvents, CONSUMER_SEGMENT, clusterName) : replaceLast(topics.sourceEvents, "+", clusterName);
  const agentTemplate = perCluster ? withSegment(topics.agentEvents, CONSUMER_SEGMENT, clusterName) : replaceLast(topics.agentEvents, "+", clusterName);
  const agentEvents = publishTopic(replaceLast(agentTemplate, "+", segment(topics.agentEvents, SOURCE_SEGMENT)), "agentEvents");
  const broadcast = topics.agentBroadcast;
  const specResync =
    broadcast === undefined ? agentEvents : publishTopic(perCluster ? withSegment(broadcast, BROADCAST_SEGMENT, clusterName) : broadcast.replace("+", clusterName), "agentBroadcast");
  return { sourceEvents: checkedLength(sourceEvents, "sourceEvents"), agentEvents, specResync };
}

/**
 * The routing key of a received topic: its consumer segment when it has the shape of an events
 * topic, else undefined. A link registers the key of its sourceEvents filter.
 * Example: `consumerSegment("sources/maestro/consumers/c1/sourceevents")` -> "c1".
 */
export function consumerSegment(topic: string): string | undefined {
  const segments = unsharedTopic(topic).split("/");
  return segments.length === 5 ? segments[CONSUMER_SEGMENT] : undefined;
}

/**
 * MQTT topic filter matching: `+` matches one level, a trailing `#` the rest (and the parent);
 * a `$share/<group>/` prefix is ignored; wildcards do not match topics starting with `$`.
 * Example: `topicMatches("sources/+/sourcebroadcast", "sources/maestro/sourcebroadcast")` -> true.
 */
export function topicMatches(filter: string, topic: string): boolean {
  const want = unsharedTopic(filter).split("/");
  const got = topic.split("/");
  if (topic.startsWith("$") && (want[0] === "+" || want[0] === "#")) return false;
  for (let i = 0; i < want.length; i++) {
    if (want[i] === "#") return i === want.length - 1;
    if (i >= got.length) return false;
    if (want[i] !== "+" && want[i] !== got[i]) return false;
  }
  return want.length === got.length;
}
