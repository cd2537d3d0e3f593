// Simulated statuses of the two Open Cluster Management hub kinds Maestro's ARO-HCP workload
// applies, ManagedCluster and ManifestWork, as Maestro's performance-test spoke watcher writes
// them (test/performance/pkg/watcher/watcher.aro-hpc.go and hypershift.go): no status until
// `readyDelayMs` after creation (the watcher acts on the Added event), then all True.

import type { JsonObject, JsonValue } from "../../cloudevents/types.ts";
import { assert } from "../../assert.ts";
import { lookupBuiltInKind } from "./discovery.ts";
import { isJsonObject } from "./json-tree.ts";
import { condition, type StatusInput, stepsSince } from "./status-common.ts";

// Model, and where it differs from the watcher. The ManagedCluster status is the watcher's,
// field for field. A ManifestWork's status has the watcher's work-level conditions and, like a
// real work agent, one resourceStatus entry per workload manifest (resourceMeta from the
// manifest, the Applied/Available/StatusFeedbackSynced conditions); HostedCluster and NodePool
// entries carry a "status" JsonRaw feedback value holding hypershift.go's mock status (a flat
// map of "<condition>-Status/-Reason/-Message/-LastTransitionTime" strings, the names the ARO-HCP
// work's feedback rules use). The watcher instead writes one entry for the work itself whose
// JsonRaw is that same per-manifest list as a string, with the secrets' names set to the work's,
// and both its HostedCluster and NodePool entries point at one reused `jsonRaw` variable, so
// Maestro's runs carried the NodePool map twice; here the HostedCluster gets its intended map.
// Statuses are built on read; the two mock feedback values are shared string templates.

/** The resource id (group/resource) of ManagedClusters. */
export const MANAGED_CLUSTER_RESOURCE = "cluster.open-cluster-management.io/managedclusters";
/** The resource id (group/resource) of ManifestWorks. */
export const MANIFEST_WORK_RESOURCE = "work.open-cluster-management.io/manifestworks";

const HYPERSHIFT_GROUP = "hypershift.openshift.io";

/** [type, reason, message] of the ManagedCluster conditions, in the watcher's order. */
const MANAGED_CLUSTER_CONDITIONS: readonly (readonly [string, string, string])[] = [
  ["HubAcceptedManagedCluster", "HubClusterAdminAccepted", "Accepted by hub cluster admin"],
  ["ManagedClusterJoined", "ManagedClusterJoined", "Managed cluster joined"],
  ["ManagedClusterConditionAvailable", "ManagedClusterAvailable", "Managed cluster is available"],
  ["ManagedClusterConditionClockSynced", "ManagedClusterClockSynced", "The clock of the managed cluster is synced with the hub."],
];

/** [type, reason, message] of the conditions of a work and of each manifest (the last reason is picked per work). */
const WORK_CONDITIONS: readonly (readonly [string, string, string])[] = [
  ["Applied", "AppliedManifestComplete", "Apply manifest complete"],
  ["Available", "ResourceAvailable", "Resource is available"],
  ["StatusFeedbackSynced", "StatusFeedbackSynced", ""],
];

/** hypershift.go's HostedCluster conditions (type, True?) as hostedConditions() sets them (duplicates collapsed). */
const HOSTED_CLUSTER_CONDITIONS: readonly (readonly [string, boolean])[] = [
  ["Available", true], ["Progressing", false], ["Degraded", false], ["InfrastructureReady", true],
  ["KubeAPIServerAvailable", true], ["EtcdAvailable", true], ["ValidHostedControlPlaneConfiguration", true],
  ["CloudResourcesDestroyed", false], ["HostedClusterDestroyed", false], ["ExternalDNSReachable", true],
  ["ValidReleaseInfo", true], ["ClusterVersionSucceeding", true], ["ClusterVersionUpgradeable", true],
  ["ClusterVersionFailing", false], ["ClusterVersionProgressing", false], ["ClusterVersionAvailable", true],
  ["ClusterVersionReleaseAccepted", true], ["UnmanagedEtcdAvailable", true], ["IgnitionEndpointAvailable", true],
  ["IgnitionServerValidReleaseInfo", true], ["SupportedHostedCluster", true], ["ValidOIDCConfiguration", true],
  ["ValidReleaseImage", true], ["ValidAzureKMSConfig", true], ["PlatformCredentialsFound", true],
  ["ReconciliationActive", true], ["ReconciliationSucceeded", true],
];

/** hypershift.go's NodePool conditions as nodePoolConditions() sets them. */
const NODE_POOL_CONDITIONS: readonly (readonly [string, boolean])[] = [
  ["ValidPlatformImage", false], ["ValidMachineConfig", true], ["ValidTuningConfig", true],
  ["UpdateManagementEnabled", true], ["AutoscalingEnabled", true], ["Ready", true], ["ReconciliationActive", false],
  ["AutorepairEnabled", true], ["UpdatingVersion", true], ["UpdatingConfig", true], ["AsExpected", true],
  ["ValidationFailed", false],
];

/** Stands for the transition time in a template; it cannot occur in the JSON text otherwise. */
const TIME_SLOT = "\u0000time\u0000";

/**
 * The JSON text of a mock status map, split around its transition times so that rendering is
 * one `join`. Keys are sorted, as Go's json.Marshal sorts map keys.
 */
function feedbackTemplate(conditions: readonly (readonly [string, boolean])[], extra: Readonly<Record<string, string>>): readonly string[] {
  const map: Record<string, string> = { ...extra };
  for (const [type, ok] of conditions) {
    map[`${type}-Status`] = ok ? "True" : "False";
    map[`${type}-Message`] = type;
    map[`${type}-Reason`] = type;
    map[`${type}-LastTransitionTime`] = TIME_SLOT;
  }
  const sorted: Record<string, string> = {};
  for (const key of Object.keys(map).sort()) sorted[key] = map[key]!;
  const parts = JSON.stringify(sorted).split(JSON.stringify(TIME_SLOT).slice(1, -1));
  assert(parts.length === conditions.length + 1, "every condition has one transition time slot");
  return Object.freeze(parts);
}

/** Shared by every cluster: the mock HostedCluster and NodePool statuses of hypershift.go. */
const HOSTED_CLUSTER_FEEDBACK = feedbackTemplate(HOSTED_CLUSTER_CONDITIONS, {
  progress: "progress", "Version-Desired": "1.22", "Image-Current": "test-image", "Version-Current": "1.22", "Version-Status": "equals",
});
const NODE_POOL_FEEDBACK = feedbackTemplate(NODE_POOL_CONDITIONS, {});

/** When the watcher wrote the status: the ready delay after creation. */
function writtenAtMs(input: StatusInput): number {
  return input.createdAtMs + input.readyDelayMs;
}

/**
 * Go's default time layout "2006-01-02 15:04:05" in UTC, which hypershift.go formats transition times with.
 * Example: `goDateTime(0)` -> "1970-01-01 00:00:00".
 */
export function goDateTime(ms: number): string {
  assert(Number.isFinite(ms), "a time must be finite");
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19).replace("T", " ");
}

/**
 * A ManagedCluster's status: none until the ready delay passed, then the watcher's four True
 * conditions, capacity (32 CPUs, 64Mi), allocatable (16, 32Mi) and Kubernetes version 1.22.
 * Example: after the delay -> `{ conditions: [HubAcceptedManagedCluster, ManagedClusterJoined,
 * ManagedClusterConditionAvailable, ManagedClusterConditionClockSynced], capacity, allocatable, version }`.
 */
export function managedClusterStatus(input: StatusInput): JsonObject | undefined {
  if (stepsSince(input, input.createdAtMs) < 1) return undefined;
  const transitionMs = writtenAtMs(input);
  return {
    conditions: MANAGED_CLUSTER_CONDITIONS.map(([type, reason, message]) => condition(type, true, { transitionMs, reason, message })),
    capacity: { cpu: "32", memory: "64Mi" },
    allocatable: { cpu: "16", memory: "32Mi" },
    version: { kubernetes: "1.22" },
  };
}

function str(value: JsonValue | undefined): string {
  return typeof value === "string" ? value : "";
}

/** The plural resource of a kind: the built-in one, else Kubernetes' default pluralization. */
function resourceOf(apiVersion: string, kind: string): string {
  const builtIn = lookupBuiltInKind(apiVersion, kind);
  if (builtIn !== undefined) return builtIn.resource;
  const lower = kind.toLowerCase();
  if (lower === "") return "";
  if (/(s|x|z|ch|sh)$/.test(lower)) return `${lower}es`;
  if (/[^aeiou]y$/.test(lower)) return `${lower.slice(0, -1)}ies`;
  return `${lower}s`;
}

/** The workload manifests of a ManifestWork (`spec.workload.manifests`), [] when absent. */
function workloadManifests(object: JsonObject): readonly JsonValue[] {
  const spec = isJsonObject(object.spec) ? object.spec : {};
  const workload = isJsonObject(spec.workload) ? spec.workload : {};
  return Array.isArray(workload.manifests) ? workload.manifests : [];
}

/** The mock status template a manifest's feedback carries, or undefined for none. */
function feedbackFor(group: string, kind: string): readonly string[] | undefined {
  if (group !== HYPERSHIFT_GROUP) return undefined;
  if (kind === "HostedCluster") return HOSTED_CLUSTER_FEEDBACK;
  if (kind === "NodePool") return NODE_POOL_FEEDBACK;
  return undefined;
}

function workConditions(transitionMs: number, feedbackReason: string): JsonObject[] {
  return WORK_CONDITIONS.map(([type, reason, message], i) =>
    condition(type, true, { transitionMs, reason: i === WORK_CONDITIONS.length - 1 ? feedbackReason : reason, message }));
}

/**
 * A ManifestWork's status: none until the ready delay passed, then the work's Applied, Available
 * and StatusFeedbackSynced conditions and one resourceStatus entry per workload manifest. Entries
 * of HostedClusters and NodePools carry a "status" JsonRaw feedback value (hypershift.go's mock
 * status); manifests' StatusFeedbackSynced reason is "StatusFeedbackSynced" when the work has
 * such a value, else "NoStatusFeedbackSynced" (as the watcher's namespace work).
 * Example: ARO-HCP's hypershift work after the delay -> `{ conditions: [Applied, Available,
 * StatusFeedbackSynced], resourceStatus: { manifests: [5 Secrets, HostedCluster (feedback), NodePool (feedback)] } }`.
 */
export function manifestWorkStatus(input: StatusInput): JsonObject | undefined {
  if (stepsSince(input, input.createdAtMs) < 1) return undefined;
  const transitionMs = writtenAtMs(input);
  const time = goDateTime(transitionMs);
  const manifests: JsonObject[] = [];
  let withFeedback = false;
  for (const [ordinal, manifest] of workloadManifests(input.object).entries()) {
    const m = isJsonObject(manifest) ? manifest : {};
    const meta = isJsonObject(m.metadata) ? m.metadata : {};
    const apiVersion = str(m.apiVersion);
    const slash = apiVersion.indexOf("/");
    const group = slash === -1 ? "" : apiVersion.slice(0, slash);
    const kind = str(m.kind);
    const template = feedbackFor(group, kind);
    const statusFeedback: JsonObject = {};
    if (template !== undefined) {
      withFeedback = true;
      statusFeedback.values = [{ name: "status", fieldValue: { type: "JsonRaw", jsonRaw: template.join(time) } }];
    }
    manifests.push({
      resourceMeta: {
        ordinal, group, version: apiVersion.slice(slash + 1), kind, resource: resourceOf(apiVersion, kind),
        name: str(meta.name), namespace: str(meta.namespace),
      },
      statusFeedback,
    });
  }
  const perManifest = workConditions(transitionMs, withFeedback ? "StatusFeedbackSynced" : "NoStatusFeedbackSynced");
  for (const entry of manifests) entry.conditions = perManifest.map((c) => ({ ...c }));
  // Go's json.Marshal keeps an empty resourceStatus struct ("omitempty" never drops structs).
  return { conditions: workConditions(transitionMs, "StatusFeedbackSynced"), resourceStatus: manifests.length > 0 ? { manifests } : {} };
}
