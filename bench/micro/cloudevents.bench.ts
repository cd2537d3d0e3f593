// Micro-benchmarks of the CloudEvents core's hot paths: protobuf decode/encode of a realistic
// ~2.5 KB spec event (vs protobufjs), the JSON codec, bundle validation and the status hash.
// Run: npx bun bench/micro/cloudevents.bench.ts

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { bench, do_not_optimize, group, run, summary } from "mitata";
import protobuf from "protobufjs";
import {
  cloudEventFromJson,
  cloudEventFromStoredPayload,
  cloudEventToJson,
  cloudEventToStoredPayload,
  decodeCloudEvent,
  decodeCloudEventJson,
  decodePublishedCloudEvent,
  encodeCloudEvent,
  encodeCloudEventJson,
  encodePublishedCloudEvent,
  parseManifestBundle,
  parseManifestBundleStatus,
  workStatusHash,
  type CloudEvent,
  type JsonObject,
} from "../../src/cloudevents/mod.ts";

const FIXTURES = join(import.meta.dir, "../../../shared/fixtures/maestro-events");
const fixture = (name: string) => JSON.parse(readFileSync(join(FIXTURES, name), "utf8")) as JsonObject;

/** The Maestro -> agent spec fixture, grown to a realistic ~2.5 KB with a second manifest. */
function realisticSpecEvent(): CloudEvent {
  const json = fixture("cloudevents.spec.maestro.json");
  const data = json.data as { manifests: JsonObject[] };
  data.manifests.push({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "maestro-e2e-config", namespace: "default", labels: { app: "nginx", tier: "web" } },
    data: { "nginx.conf": "server { listen 8080; location / { root /usr/share/nginx/html; } }\n".repeat(8) },
  });
  return cloudEventFromJson(json);
}

const spec = realisticSpecEvent();
const specBytes = encodeCloudEvent(spec);
const publishBytes = encodePublishedCloudEvent(spec);
const specJsonText = encodeCloudEventJson(spec);
const specJson = JSON.parse(specJsonText) as JsonObject;
const stored = cloudEventToStoredPayload(spec);
const agent = fixture("cloudevents.agent.json");
const agentStatus = parseManifestBundleStatus(agent.data as JsonObject);
const bundleBytes = spec.data!;
const bundleParsed = JSON.parse(new TextDecoder().decode(bundleBytes)) as JsonObject;

const root = await protobuf.load(join(import.meta.dir, "../../proto/cloudevent.proto"));
const PbCloudEvent = root.lookupType("io.cloudevents.v1.CloudEvent");
const pbMessage = PbCloudEvent.decode(specBytes);

console.log(`spec event: ${specBytes.length} protobuf bytes, ${specJsonText.length} JSON chars, data ${bundleBytes.length} bytes`);

group("protobuf", () => {
  summary(() => {
    bench("decodeCloudEvent (ours, OCM mapping incl.)", () => do_not_optimize(decodeCloudEvent(specBytes)));
    bench("decodePublishedCloudEvent (ours, PublishRequest)", () => do_not_optimize(decodePublishedCloudEvent(publishBytes)));
    bench("protobufjs decode (message only)", () => do_not_optimize(PbCloudEvent.decode(specBytes)));
  });
  summary(() => {
    bench("encodeCloudEvent (ours, OCM mapping incl.)", () => do_not_optimize(encodeCloudEvent(spec)));
    bench("protobufjs encode (message only)", () => do_not_optimize(PbCloudEvent.encode(pbMessage).finish()));
  });
});

group("json codec", () => {
  bench("decodeCloudEventJson (text)", () => do_not_optimize(decodeCloudEventJson(specJsonText)));
  bench("cloudEventFromJson (parsed)", () => do_not_optimize(cloudEventFromJson(specJson)));
  bench("encodeCloudEventJson", () => do_not_optimize(encodeCloudEventJson(spec)));
  bench("cloudEventToJson", () => do_not_optimize(cloudEventToJson(spec)));
  bench("cloudEventToStoredPayload", () => do_not_optimize(cloudEventToStoredPayload(spec)));
  bench("cloudEventFromStoredPayload", () => do_not_optimize(cloudEventFromStoredPayload(stored)));
});

group("validation and hashing", () => {
  bench("parseManifestBundle (bytes, incl. JSON.parse)", () => do_not_optimize(parseManifestBundle(bundleBytes)));
  bench("parseManifestBundle (parsed)", () => do_not_optimize(parseManifestBundle(bundleParsed)));
  bench("workStatusHash (agent status)", () => do_not_optimize(workStatusHash(agentStatus)));
});

await run({ colors: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR });
