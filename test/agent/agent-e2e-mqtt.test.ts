// The agent end-to-end scenarios (agent-e2e-suite.ts), unchanged, in MQTT mode: the server and the
// agent reach each other only through a private Mosquitto (skipped, saying why, without one).

import { describe, test } from "bun:test";
import { mosquittoSkipReason, reportSkip } from "../support/mosquitto.ts";
import { agentE2eSuite } from "./agent-e2e-suite.ts";

if (reportSkip("agent end-to-end scenarios in MQTT mode", mosquittoSkipReason)) {
  describe("agent end-to-end scenarios in MQTT mode", () => {
    test.skip(`skipped: ${mosquittoSkipReason}`, () => {});
  });
} else {
  agentE2eSuite("mqtt");
}
