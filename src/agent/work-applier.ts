// Applies a whole work to a cluster and computes its ManifestBundleStatus: per-manifest
// Applied/Available/StatusFeedbackSynced with feedback values, work-level Applied/Available,
// removal of objects that left the bundle, and cleanup with the work's delete option.

import type { DeleteOption, ManifestBundleStatus, ManifestCondition } from "../cloudevents/manifest-bundle.ts";
import type { JsonObject, JsonValue } from "../cloudevents/types.ts";
import { ClusterError, type ClusterClient, type KubeObject } from "./cluster-client.ts";
import { Reason, setConditions, type ConditionState } from "./conditions.ts";
import { statusFeedback } from "./feedback/mod.ts";
import { applyManifest, configFor, type ManifestOutcome, type ManifestTarget } from "./manifest-apply.ts";
import type { AgentWork, AppliedResource } from "./work.ts";

/** Options of the applier. */
export interface WorkApplierOptions {
  /** Largest JSON value a JSONPaths feedback rule may return (`--max-json-raw-length`). */
  readonly jsonRawBytesMax: number;
  readonly now?: () => number;
}

const objectOf = (v: JsonValue | undefined): JsonObject | undefined => (v !== null && typeof v === "object" && !Array.isArray(v) ? v : undefined);
const str = (v: JsonValue | undefined): string => (typeof v === "string" ? v : "");

function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf("/");
  return slash === -1 ? { group: "", version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** The resourceMeta of one manifest: from the resolved target when there is one, else from the manifest. */
function resourceMeta(ordinal: number, manifest: KubeObject, target: ManifestTarget | undefined): ManifestCondition["resourceMeta"] {
  const meta = objectOf(manifest.metadata) ?? {};
  const { group, version } = splitApiVersion(str(manifest.apiVersion));
  return {
    ordinal,
    group: target?.mapping.group ?? group,
    version: target?.mapping.version ?? version,
    kind: target?.mapping.kind ?? str(manifest.kind),
    resource: target?.mapping.resource ?? "",
    name: target?.name ?? str(meta.name),
    namespace: target?.namespace ?? str(meta.namespace),
  };
}

const sameResource = (a: AppliedResource, b: AppliedResource) =>
  a.mapping.group === b.mapping.group && a.mapping.resource === b.mapping.resource && a.namespace === b.namespace && a.name === b.name;

/**
 * Applies works to one cluster. Example:
 * `const status = await new WorkApplier(cluster, { jsonRawBytesMax: 1 << 20 }).apply(work);`
 */
export class WorkApplier {
  readonly #now: () => number;

  constructor(
    private readonly cluster: ClusterClient,
    private readonly options: WorkApplierOptions,
  ) {
    this.#now = options.now ?? Date.now;
  }

  async #target(manifest: KubeObject): Promise<ManifestTarget> {
    const meta = objectOf(manifest.metadata) ?? {};
    if (!str(manifest.kind)) throw new ClusterError("Invalid", 422, "the manifest has no kind");
    if (!str(meta.name)) throw new ClusterError("Invalid", 422, "the manifest has no metadata.name");
    const mapping = await this.cluster.resolve(str(manifest.apiVersion), str(manifest.kind));
    const namespace = mapping.namespaced ? str(meta.namespace) || "default" : "";
    return { mapping, namespace, name: str(meta.name) };
  }

  async #applyOne(work: AgentWork, manifest: KubeObject): Promise<ManifestOutcome> {
    let target: ManifestTarget;
    try {
      target = await this.#target(manifest);
    } catch (err) {
      if (!(err instanceof ClusterError)) throw err;
      return { ok: false, reason: "AppliedManifestFailed", message: `Failed to apply manifest: ${err.message}`, target: undefined };
    }
    const desired = target.namespace && !objectOf(manifest.metadata)?.namespace ? { ...manifest, metadata: { ...objectOf(manifest.metadata), namespace: target.namespace } } : manifest;
    return applyManifest(this.cluster, target, desired, configFor(work.bundle.manifestConfigs, target));
  }

  /**
   * Applies every manifest, deletes objects that left the bundle, and returns the new status.
   * `work.applied` is updated to what the work now owns.
   */
  async apply(work: AgentWork): Promise<ManifestBundleStatus> {
    const outcomes: ManifestOutcome[] = [];
    for (const manifest of work.bundle.manifests) outcomes.push(await this.#applyOne(work, manifest));
    const owned: AppliedResource[] = [];
    for (const o of outcomes) {
      if (o.ok && o.strategy !== "ReadOnly") owned.push({ mapping: o.target.mapping, namespace: o.target.namespace, name: o.target.name });
      else if (!o.ok && o.target) owned.push({ mapping: o.target.mapping, namespace: o.target.namespace, name: o.target.name });
    }
    const gone = work.applied.filter((old) => !owned.some((now) => sameResource(old, now)));
    await this.#deleteResources(this.#notOrphaned(gone, work.bundle.deleteOption));
    work.applied = owned;
    return this.#status(work, outcomes);
  }

  /** Re-reads the applied objects (status-sync poll) and returns the refreshed status. */
  async observe(work: AgentWork): Promise<ManifestBundleStatus> {
    const outcomes: ManifestOutcome[] = [];
    const previous = work.status?.resourceStatus ?? [];
    for (const [ordinal, manifest] of work.bundle.manifests.entries()) {
      const applied = previous.find((r) => r.resourceMeta.ordinal === ordinal)?.conditions.find((c) => c.type === "Applied");
      let target: ManifestTarget;
      try {
        target = await this.#target(manifest);
      } catch (err) {
        if (!(err instanceof ClusterError)) throw err;
        outcomes.push({ ok: false, reason: "AppliedManifestFailed", message: `Failed to apply manifest: ${err.message}`, target: undefined });
        continue;
      }
      if (applied && applied.status !== "True") {
        outcomes.push({ ok: false, reason: applied.reason, message: applied.message, target });
        continue;
      }
      const live = await this.cluster.get(target.mapping, target.namespace, target.name).catch(() => undefined);
      outcomes.push({ ok: true, live, target, strategy: configFor(work.bundle.manifestConfigs, target)?.updateStrategy?.type ?? "Update" });
    }
    return this.#status(work, outcomes);
  }

  /**
   * Deletes what the work applied, honouring its delete option (Foreground by default, Orphan
   * keeps everything, SelectivelyOrphan keeps the listed objects). Resolves true once every
   * deleted object is gone from the cluster.
   */
  async cleanup(work: AgentWork): Promise<boolean> {
    const toDelete = this.#notOrphaned(work.applied, work.bundle.deleteOption);
    await this.#deleteResources(toDelete);
    for (const r of toDelete) {
      if ((await this.cluster.get(r.mapping, r.namespace, r.name)) !== undefined) return false;
    }
    return true;
  }

  #notOrphaned(resources: readonly AppliedResource[], option: DeleteOption | undefined): AppliedResource[] {
    const policy = option?.propagationPolicy ?? "Foreground";
    if (policy === "Orphan") return [];
    if (policy !== "SelectivelyOrphan") return [...resources];
    const rules = option?.selectivelyOrphans?.orphaningRules ?? [];
    return resources.filter(
      (r) => !rules.some((rule) => rule.group === r.mapping.group && rule.resource === r.mapping.resource && rule.name === r.name && (rule.namespace ?? "") === r.namespace),
    );
  }

  async #deleteResources(resources: readonly AppliedResource[]): Promise<void> {
    for (const r of resources) {
      await this.cluster.delete(r.mapping, r.namespace, r.name, "Foreground");
    }
  }

  #status(work: AgentWork, outcomes: readonly ManifestOutcome[]): ManifestBundleStatus {
    const now = this.#now();
    const previous = work.status?.resourceStatus ?? [];
    const resourceStatus = outcomes.map((o, ordinal) => this.#manifestStatus(work, ordinal, o, previous, now));
    const failed = outcomes.filter((o) => !o.ok).length;
    const applied: ConditionState = failed === 0
      ? { type: "Applied", status: "True", reason: Reason.workApplied, message: "Apply manifest work complete", observedGeneration: work.generation }
      : { type: "Applied", status: "False", reason: Reason.workApplyFailed, message: "Failed to apply manifest work", observedGeneration: work.generation };
    return { conditions: setConditions(work.status?.conditions, [applied, workAvailable(resourceStatus, work.generation)], now), resourceStatus };
  }

  #manifestStatus(work: AgentWork, ordinal: number, outcome: ManifestOutcome, previous: readonly ManifestCondition[], now: number): ManifestCondition {
    const manifest = work.bundle.manifests[ordinal]!;
    const meta = resourceMeta(ordinal, manifest, outcome.target);
    const states: ConditionState[] = [];
    let values: ManifestCondition["statusFeedback"] = {};
    if (!outcome.ok) {
      states.push({ type: "Applied", status: "False", reason: outcome.reason, message: outcome.message });
      states.push({ type: "Available", status: "Unknown", reason: Reason.manifestAvailabilityUnknown, message: "Resource is not applied" });
    } else {
      states.push({ type: "Applied", status: "True", reason: Reason.manifestApplied, message: "Apply manifest complete" });
      states.push(outcome.live
        ? { type: "Available", status: "True", reason: Reason.manifestAvailable, message: "Resource is available" }
        : { type: "Available", status: "False", reason: Reason.manifestNotAvailable, message: "Resource is not available" });
      if (outcome.live) {
        const rules = configFor(work.bundle.manifestConfigs, outcome.target)?.feedbackRules;
        const feedback = statusFeedback(outcome.live, rules, { group: outcome.target.mapping.group, kind: outcome.target.mapping.kind }, { jsonRawBytesMax: this.options.jsonRawBytesMax });
        if (feedback.values.length > 0) values = { values: feedback.values };
        states.push(feedback.synced);
      }
    }
    const prior = previous.find((r) => r.resourceMeta.ordinal === ordinal);
    // As OCM does: new feedback values move StatusFeedbackSynced's lastTransitionTime.
    const valuesChanged = JSON.stringify(prior?.statusFeedback ?? {}) !== JSON.stringify(values);
    const before = valuesChanged ? prior?.conditions.filter((c) => c.type !== "StatusFeedbackSynced") : prior?.conditions;
    return { resourceMeta: meta, statusFeedback: values, conditions: setConditions(before, states, now) };
  }
}

/** The work's Available condition, OCM's aggregation of the manifests' Available conditions. */
export function workAvailable(manifests: readonly ManifestCondition[], generation: number): ConditionState {
  let available = 0;
  let unavailable = 0;
  let unknown = 0;
  for (const m of manifests) {
    const c = m.conditions.find((x) => x.type === "Available");
    if (c?.status === "True") available++;
    else if (c?.status === "False") unavailable++;
    else if (c) unknown++;
  }
  const base = { type: "Available", observedGeneration: generation } as const;
  if (unavailable > 0) return { ...base, status: "False", reason: Reason.workNotAvailable, message: `${unavailable} of ${manifests.length} resources are not available` };
  if (unknown > 0) return { ...base, status: "Unknown", reason: Reason.workAvailabilityUnknown, message: `${unknown} of ${manifests.length} resources have unknown status` };
  if (available === 0) return { ...base, status: "Unknown", reason: Reason.workAvailabilityUnknown, message: "cannot get any available resource" };
  return { ...base, status: "True", reason: Reason.workAvailable, message: "All resources are available" };
}
