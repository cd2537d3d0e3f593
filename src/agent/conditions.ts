// Kubernetes conditions as the work agent reports them: the work-level and per-manifest
// condition types and reasons of maestro-wire.md 2.4, and a setter that keeps
// lastTransitionTime when a condition's status did not change. Pure.

import type { Condition } from "../cloudevents/manifest-bundle.ts";

/** Reasons the OCM work agent uses (maestro-wire.md 2.4). */
export const Reason = {
  workApplied: "AppliedManifestWorkComplete",
  workApplyFailed: "AppliedManifestWorkFailed",
  workAvailable: "ResourcesAvailable",
  workNotAvailable: "ResourcesNotAvailable",
  workAvailabilityUnknown: "ResourcesStatusUnknown",
  manifestApplied: "AppliedManifestComplete",
  manifestApplyFailed: "AppliedManifestFailed",
  manifestAvailable: "ResourceAvailable",
  manifestNotAvailable: "ResourceNotAvailable",
  manifestAvailabilityUnknown: "ResourceStatusUnknown",
  manifestsDeleted: "ManifestsDeleted",
} as const;

/** A condition without its time, as a computation produces it. */
export interface ConditionState {
  readonly type: string;
  readonly status: "True" | "False" | "Unknown";
  readonly reason: string;
  readonly message: string;
  readonly observedGeneration?: number;
}

/** Kubernetes metav1.Time: RFC 3339 in whole seconds. */
export function conditionTime(nowMs: number): string {
  return new Date(Math.floor(nowMs / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * Builds the conditions list: each new state keeps the previous lastTransitionTime when its
 * status is unchanged (meta.SetStatusCondition semantics). Order follows `next`.
 * Example: `setConditions(prev.conditions, [{ type: "Applied", status: "True", reason, message }], now)`.
 */
export function setConditions(previous: readonly Condition[] | null | undefined, next: readonly ConditionState[], nowMs: number): Condition[] {
  const byType = new Map((previous ?? []).map((c) => [c.type, c]));
  return next.map((state) => {
    const old = byType.get(state.type);
    const lastTransitionTime = old && old.status === state.status ? old.lastTransitionTime : conditionTime(nowMs);
    const condition: Condition = { type: state.type, status: state.status, lastTransitionTime, reason: state.reason, message: state.message };
    if (state.observedGeneration) condition.observedGeneration = state.observedGeneration;
    return condition;
  });
}
