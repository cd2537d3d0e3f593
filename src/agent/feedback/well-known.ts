// The `WellKnownStatus` feedback rule: the named JSONPaths OCM reads for each known kind
// (ocm pkg/work/spoke/statusfeedback/rules/rule.go), matched by group, version and kind.

/** One named path of a feedback rule. */
export interface NamedJsonPath {
  readonly name: string;
  readonly path: string;
}

/** A group/version/kind, as schema.GroupVersionKind. `group` is "" for the core group. */
export interface GroupVersionKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

const deploymentPaths: readonly NamedJsonPath[] = [
  { name: "ReadyReplicas", path: ".status.readyReplicas" },
  { name: "Replicas", path: ".status.replicas" },
  { name: "AvailableReplicas", path: ".status.availableReplicas" },
];

const daemonSetPaths: readonly NamedJsonPath[] = [
  { name: "NumberReady", path: ".status.numberReady" },
  { name: "DesiredNumberScheduled", path: ".status.desiredNumberScheduled" },
  { name: "NumberAvailable", path: ".status.numberAvailable" },
];

const jobPaths: readonly NamedJsonPath[] = [
  { name: "JobComplete", path: `.status.conditions[?(@.type=="Complete")].status` },
  { name: "JobSucceeded", path: ".status.succeeded" },
];

const podPaths: readonly NamedJsonPath[] = [
  { name: "PodReady", path: `.status.conditions[?(@.type=="Ready")].status` },
  { name: "PodPhase", path: ".status.phase" },
];

/** OCM's table: the version is part of the key, as in its map[schema.GroupVersionKind]. */
const WELL_KNOWN = new Map<string, readonly NamedJsonPath[]>([
  ["apps/v1/Deployment", deploymentPaths],
  ["apps/v1/DaemonSet", daemonSetPaths],
  ["batch/v1/Job", jobPaths],
  ["/v1/Pod", podPaths],
]);

/**
 * The well-known paths of a kind, in OCM's order, or an empty list when OCM knows none. An
 * empty `version` (the caller could not tell) matches the kind's v1 entry.
 * Example: `wellKnownPaths({ group: "batch", version: "v1", kind: "Job" })[0].name` -> "JobComplete".
 */
export function wellKnownPaths(gvk: GroupVersionKind): readonly NamedJsonPath[] {
  return WELL_KNOWN.get(`${gvk.group}/${gvk.version === "" ? "v1" : gvk.version}/${gvk.kind}`) ?? [];
}

/**
 * schema.GroupVersionKind.String(), as OCM prints it in its error message.
 * Example: `gvkText({ group: "", version: "v1", kind: "Service" })` -> "/v1, Kind=Service".
 */
export function gvkText(gvk: GroupVersionKind): string {
  return `${gvk.group}/${gvk.version}, Kind=${gvk.kind}`;
}
