// The payload types of maestro-wire.md 2.4: the ManifestBundle a source publishes (spec) and the
// ManifestBundleStatus an agent reports, plus the resync payloads. Types only; no logic.

import type { JsonObject } from "./types.ts";

/** A raw Kubernetes object as it travels in `manifests` (validated by validateManifestBundle). */
export type Manifest = JsonObject;

/** `deleteOption.selectivelyOrphans.orphaningRules[]`. */
export interface OrphaningRule {
  group: string;
  resource: string;
  name: string;
  namespace?: string;
}

/** `deleteOption`: how the agent cleans up when the bundle is deleted. */
export interface DeleteOption {
  propagationPolicy: "Foreground" | "Orphan" | "SelectivelyOrphan";
  selectivelyOrphans?: { orphaningRules?: OrphaningRule[] };
  ttlSecondsAfterFinished?: number;
}

/** `manifestConfigs[]`: per-manifest update strategy, feedback rules and condition rules. */
export interface ManifestConfigOption {
  resourceIdentifier: { group?: string; resource: string; name: string; namespace?: string };
  feedbackRules?: FeedbackRule[];
  updateStrategy?: UpdateStrategy;
  conditionRules?: JsonObject[];
  feedbackScrapeType?: "Poll" | "Watch";
}

/** One status feedback rule: well-known values or named JSONPaths. */
export interface FeedbackRule {
  type: "WellKnownStatus" | "JSONPaths";
  jsonPaths?: { name: string; path: string; version?: string }[];
}

/** How the agent applies one manifest. */
export interface UpdateStrategy {
  type: "Update" | "CreateOnly" | "ServerSideApply" | "ReadOnly";
  serverSideApply?: {
    force?: boolean;
    fieldManager?: string;
    ignoreFields?: { condition: "OnSpokePresent" | "OnSpokeChange"; jsonPaths: string[] }[];
  };
}

/**
 * The spec payload. `manifests` is required (may be empty); the rest are omitted when unset.
 * Note the wire spelling `executer`. Example: `{ "manifests": [{ "apiVersion": "v1", … }] }`.
 */
export interface ManifestBundle {
  manifests: Manifest[];
  deleteOption?: DeleteOption;
  manifestConfigs?: ManifestConfigOption[];
  executer?: JsonObject;
}

/** A Kubernetes metav1.Condition as agents send it. */
export interface Condition {
  type: string;
  status: "True" | "False" | "Unknown";
  observedGeneration?: number;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

/** One typed status feedback value. */
export interface FeedbackValue {
  name: string;
  fieldValue: {
    type: "Integer" | "String" | "Boolean" | "JsonRaw";
    integer?: number;
    string?: string;
    boolean?: boolean;
    jsonRaw?: string;
  };
}

/** Per-manifest status: which object, its feedback values, its conditions. */
export interface ManifestCondition {
  resourceMeta: {
    ordinal: number;
    group: string;
    version: string;
    kind: string;
    resource: string;
    name: string;
    namespace: string;
  };
  statusFeedback: { values?: FeedbackValue[] };
  conditions: Condition[];
}

/**
 * The status payload an agent publishes. `conditions` is always present (may be null).
 * Example: `{ "conditions": [{ "type": "Applied", "status": "True", … }], "resourceStatus": [] }`.
 */
export interface ManifestBundleStatus {
  conditions: Condition[] | null;
  resourceStatus?: ManifestCondition[];
}

/** The status payload relayed to sources: the current spec first, then the agent's status. */
export interface ManifestBundleStatusWithSpec extends ManifestBundleStatus {
  manifestBundle: ManifestBundle;
}

/** `spec.resync_request` data: the versions an agent holds. */
export interface SpecResyncRequest {
  resourceVersions: { resourceID: string; resourceVersion: number }[];
}

/** `status.resync_request` data: the status hashes a source holds (empty = send everything). */
export interface StatusResyncRequest {
  statusHashes: { resourceID: string; statusHash: string }[];
}
