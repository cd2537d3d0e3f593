// Applies one manifest of a work to a cluster with its update strategy (maestro-wire.md 8):
// Update (create or replace what differs), CreateOnly, ServerSideApply (field manager, force,
// ignoreFields) and ReadOnly (read only). Returns the live object or a typed failure.

import type { ManifestConfigOption, UpdateStrategy } from "../cloudevents/manifest-bundle.ts";
import type { JsonObject, JsonValue } from "../cloudevents/types.ts";
import { ClusterError, type ClusterClient, type KubeObject, type ResourceMapping } from "./cluster-client.ts";

/** The field manager OCM's work agent uses when a strategy names none. */
export const DEFAULT_FIELD_MANAGER = "work-agent";

/** The identity of one manifest once its kind is resolved. */
export interface ManifestTarget {
  readonly mapping: ResourceMapping;
  readonly namespace: string;
  readonly name: string;
}

/** What applying one manifest produced. */
export type ManifestOutcome =
  | { readonly ok: true; readonly live: KubeObject | undefined; readonly target: ManifestTarget; readonly strategy: UpdateStrategy["type"] }
  | { readonly ok: false; readonly reason: string; readonly message: string; readonly target: ManifestTarget | undefined };

const objectOf = (v: JsonValue | undefined): JsonObject | undefined => (v !== null && typeof v === "object" && !Array.isArray(v) ? v : undefined);

/** The manifestConfig whose resourceIdentifier names this target (group, resource, name, namespace). */
export function configFor(configs: readonly ManifestConfigOption[] | undefined, target: ManifestTarget): ManifestConfigOption | undefined {
  return configs?.find((c) => {
    const id = c.resourceIdentifier;
    return (id.group ?? "") === target.mapping.group && id.resource === target.mapping.resource && id.name === target.name && (id.namespace ?? "") === target.namespace;
  });
}

/** True when every field of `desired` (recursively for maps) has the same value in `live`. */
export function isSubset(desired: JsonValue | undefined, live: JsonValue | undefined): boolean {
  const d = objectOf(desired);
  const l = objectOf(live);
  if (d && l) return Object.keys(d).every((k) => isSubset(d[k], l[k]));
  return JSON.stringify(desired) === JSON.stringify(live);
}

function withoutPaths(object: KubeObject, paths: readonly string[]): KubeObject {
  const copy = structuredClone(object);
  for (const path of paths) {
    const parts = path.replace(/^\./, "").split(".");
    let cur: JsonObject | undefined = copy;
    for (const part of parts.slice(0, -1)) cur = objectOf(cur?.[part]);
    if (cur) delete cur[parts[parts.length - 1]!];
  }
  return copy;
}

function valueAt(object: KubeObject | undefined, path: string): JsonValue | undefined {
  let cur: JsonValue | undefined = object;
  for (const part of path.replace(/^\./, "").split(".")) cur = objectOf(cur)?.[part];
  return cur;
}

/** SSA ignoreFields: drop paths the spoke owns (present, or changed from what we apply). */
function ignoredPaths(strategy: UpdateStrategy | undefined, desired: KubeObject, live: KubeObject | undefined): string[] {
  const paths: string[] = [];
  for (const rule of strategy?.serverSideApply?.ignoreFields ?? []) {
    for (const path of rule.jsonPaths) {
      const liveValue = valueAt(live, path);
      if (liveValue === undefined) continue;
      if (rule.condition === "OnSpokePresent" || JSON.stringify(liveValue) !== JSON.stringify(valueAt(desired, path))) paths.push(path);
    }
  }
  return paths;
}

/** Update strategy: create when missing; replace when a desired field differs (keeps status and server fields). */
async function update(cluster: ClusterClient, target: ManifestTarget, desired: KubeObject, live: KubeObject | undefined): Promise<KubeObject> {
  if (!live) return cluster.create(target.mapping, desired);
  const { status: _status, metadata: desiredMeta, ...desiredBody } = desired;
  const liveMeta = objectOf(live.metadata) ?? {};
  const wantMeta = objectOf(desiredMeta) ?? {};
  const metaSame = isSubset(objectOf(wantMeta.labels) ?? {}, objectOf(liveMeta.labels) ?? {}) && isSubset(objectOf(wantMeta.annotations) ?? {}, objectOf(liveMeta.annotations) ?? {});
  if (metaSame && isSubset(desiredBody, live)) return live;
  const metadata = {
    ...liveMeta,
    labels: { ...(objectOf(liveMeta.labels) ?? {}), ...(objectOf(wantMeta.labels) ?? {}) },
    annotations: { ...(objectOf(liveMeta.annotations) ?? {}), ...(objectOf(wantMeta.annotations) ?? {}) },
  };
  return cluster.update(target.mapping, { ...live, ...desiredBody, metadata });
}

/**
 * Applies `desired` with the strategy its config gives (Update by default).
 * Example: `await applyManifest(cluster, target, manifest, config)`.
 */
export async function applyManifest(cluster: ClusterClient, target: ManifestTarget, desired: KubeObject, config: ManifestConfigOption | undefined): Promise<ManifestOutcome> {
  const strategy = config?.updateStrategy;
  const type = strategy?.type ?? "Update";
  try {
    const live = await cluster.get(target.mapping, target.namespace, target.name);
    switch (type) {
      case "ReadOnly":
        return { ok: true, live, target, strategy: type };
      case "CreateOnly":
        return { ok: true, live: live ?? (await cluster.create(target.mapping, desired)), target, strategy: type };
      case "ServerSideApply": {
        const ssa = strategy?.serverSideApply;
        const applied = withoutPaths(desired, ignoredPaths(strategy, desired, live));
        const result = await cluster.apply(target.mapping, applied, { fieldManager: ssa?.fieldManager || DEFAULT_FIELD_MANAGER, force: ssa?.force ?? false });
        return { ok: true, live: result, target, strategy: type };
      }
      default:
        return { ok: true, live: await update(cluster, target, desired, live), target, strategy: "Update" };
    }
  } catch (err) {
    if (err instanceof ClusterError) {
      const reason = err.reason === "Conflict" && type === "ServerSideApply" ? "ApplyConflict" : "AppliedManifestFailed";
      return { ok: false, reason, message: `Failed to apply manifest: ${err.message}`, target };
    }
    throw err;
  }
}
