// Micro-benchmarks of agent status feedback: compiling a JSONPath template (cold) against the
// cached lookup, evaluating compiled paths on a realistic Deployment, and statusFeedback itself.
// Run: npx bun bench/micro/jsonpath.bench.ts

import { bench, do_not_optimize, group, run, summary } from "mitata";
import {
  clearJsonPathCache,
  compileJsonPath,
  compileJsonPathCached,
  statusFeedback,
} from "../../src/agent/feedback/mod.ts";
import type { FeedbackRule } from "../../src/cloudevents/manifest-bundle.ts";
import { deployment } from "../../test/agent/feedback/fixtures.ts";

const object = deployment();
const FILTER = '{.status.conditions[?(@.type=="Available")].reason}';
const FIELD = "{.status.readyReplicas}";
const STATUS = "{.status}";
const filterPath = compileJsonPath(FILTER);
const fieldPath = compileJsonPath(FIELD);
const statusPath = compileJsonPath(STATUS);
const wellKnown: FeedbackRule[] = [{ type: "WellKnownStatus" }];
const customPaths: FeedbackRule[] = [
  { type: "JSONPaths", jsonPaths: [{ name: "status", path: ".status" }, { name: "reason", path: '.status.conditions[?(@.type=="Available")].reason' }] },
];
const kind = { group: "apps", kind: "Deployment" };
const options = { jsonRawBytesMax: 1024 * 1024 };

// Cache hits with the key built per call, as statusFeedback builds `{<path>}` for every path.
const cachedPaths = [
  '.status.conditions[?(@.type=="Available")].reason', ".status.readyReplicas", ".status.replicas", ".status.availableReplicas",
  ".status.succeeded", '.status.conditions[?(@.type=="Ready")].status', ".status.phase", ".status.numberReady",
];
clearJsonPathCache();
for (const p of cachedPaths) compileJsonPathCached(`{${p}}`);
let next = 0;

summary(() => {
  group("compile", () => {
    bench("compileJsonPath (cold parse), filter path", () => do_not_optimize(compileJsonPath(FILTER)));
    bench("compileJsonPath (cold parse), .status.readyReplicas", () => do_not_optimize(compileJsonPath(FIELD)));
    bench("compileJsonPathCached (hit, key built per call)", () => do_not_optimize(compileJsonPathCached(`{${cachedPaths[next++ & 7]!}}`)));
  });
});

summary(() => {
  group("evaluate (compiled)", () => {
    bench("findResults .status.readyReplicas", () => do_not_optimize(fieldPath.findResults(object, { allowMissingKeys: true })));
    bench("findResults filter on conditions", () => do_not_optimize(filterPath.findResults(object, { allowMissingKeys: true })));
    bench("findResults .status", () => do_not_optimize(statusPath.findResults(object, { allowMissingKeys: true })));
    bench("compile + evaluate, filter path (no cache)", () => do_not_optimize(compileJsonPath(FILTER).findResults(object, { allowMissingKeys: true })));
  });
});

summary(() => {
  group("statusFeedback", () => {
    bench("WellKnownStatus, Deployment (3 paths)", () => do_not_optimize(statusFeedback(object, wellKnown, kind, options)));
    bench("JSONPaths .status (JsonRaw) + filter", () => do_not_optimize(statusFeedback(object, customPaths, kind, options)));
  });
});

await run();
