// The MQTT topics of agent clusters (maestro-wire.md 4.1): sdk-go's rules for a real agent, one
// consumer segment per simulated cluster, broadcast topics, client ids and topic matching. Pure.

import { describe, expect, test } from "bun:test";
import { mqttClientId } from "../../src/agent/mqtt-transport.ts";
import { clusterTopics, consumerSegment, topicMatches } from "../../src/agent/mqtt-topics.ts";
import { ConfigError } from "../../src/config/flags.ts";

const plus = { sourceEvents: "sources/maestro/consumers/+/sourceevents", agentEvents: "sources/maestro/consumers/+/agentevents" };
const named = { sourceEvents: "sources/maestro/consumers/cluster1/sourceevents", agentEvents: "sources/maestro/consumers/cluster1/agentevents" };

describe("clusterTopics", () => {
  test("a real agent uses the topics as Maestro deploys them; a + becomes its name", () => {
    expect(clusterTopics(named, "cluster1", "verbatim")).toEqual({
      sourceEvents: "sources/maestro/consumers/cluster1/sourceevents",
      agentEvents: "sources/maestro/consumers/cluster1/agentevents",
      specResync: "sources/maestro/consumers/cluster1/agentevents",
    });
    expect(clusterTopics(plus, "c2", "verbatim").sourceEvents).toBe("sources/maestro/consumers/c2/sourceevents");
    // A topic naming a consumer id stays as written, whatever --consumer-name is (sdk-go).
    expect(clusterTopics(named, "other-name", "verbatim").agentEvents).toBe("sources/maestro/consumers/cluster1/agentevents");
  });

  test("simulated clusters each get their consumer segment, from a + or from one cluster's name", () => {
    for (const topics of [plus, named]) {
      expect(clusterTopics(topics, "sim-7", "per-cluster")).toEqual({
        sourceEvents: "sources/maestro/consumers/sim-7/sourceevents",
        agentEvents: "sources/maestro/consumers/sim-7/agentevents",
        specResync: "sources/maestro/consumers/sim-7/agentevents",
      });
    }
  });

  test("the spec resync request goes to agentBroadcast when set", () => {
    const topics = { ...plus, agentBroadcast: "clusters/+/agentbroadcast" };
    expect(clusterTopics(topics, "c1", "verbatim").specResync).toBe("clusters/c1/agentbroadcast");
    expect(clusterTopics({ ...plus, agentBroadcast: "clusters/c1/agentbroadcast" }, "sim-3", "per-cluster").specResync).toBe("clusters/sim-3/agentbroadcast");
  });

  test("a source wildcard where the agent publishes is a ConfigError naming the key", () => {
    const wild = { sourceEvents: "sources/+/consumers/+/sourceevents", agentEvents: "sources/+/consumers/+/agentevents" };
    expect(() => clusterTopics(wild, "c1", "verbatim")).toThrow(ConfigError);
    expect(() => clusterTopics(wild, "c1", "per-cluster")).toThrow(/topics\.agentEvents: .*wildcard/);
    expect(() => clusterTopics({ ...plus, agentBroadcast: "clusters/+/agentbroadcast" }, "c".repeat(300), "verbatim")).toThrow(/longer than 250 bytes/);
  });
});

describe("routing helpers", () => {
  test("consumerSegment is the 4th segment of an events topic", () => {
    expect(consumerSegment("sources/maestro/consumers/c1/sourceevents")).toBe("c1");
    expect(consumerSegment("$share/g/sources/maestro/consumers/c1/sourceevents")).toBe("c1");
    expect(consumerSegment("sources/maestro/sourcebroadcast")).toBeUndefined();
  });

  test("topicMatches follows MQTT's + and # rules", () => {
    expect(topicMatches("sources/+/sourcebroadcast", "sources/maestro/sourcebroadcast")).toBe(true);
    expect(topicMatches("sources/+/sourcebroadcast", "sources/maestro/x/sourcebroadcast")).toBe(false);
    expect(topicMatches("sources/#", "sources")).toBe(true);
    expect(topicMatches("sources/#", "sources/a/b")).toBe(true);
    expect(topicMatches("a/b", "a/b/c")).toBe(false);
    expect(topicMatches("+/x", "$SYS/x")).toBe(false);
    expect(topicMatches("$share/g/sources/maestro/consumers/c1/sourceevents", "sources/maestro/consumers/c1/sourceevents")).toBe(true);
  });

  test("client ids: Maestro's <client-id>-client for one cluster, a unique range for shared connections", () => {
    const agentIdOf = (n: string) => `${n}-work-agent`;
    expect(mqttClientId(["cluster1"], agentIdOf)).toBe("cluster1-work-agent-client");
    expect(mqttClientId(["cluster1"], () => "custom")).toBe("custom-client");
    expect(mqttClientId(["sim-1", "sim-2", "sim-3"], agentIdOf)).toBe("sim-1-to-sim-3-work-agent-client");
  });
});
