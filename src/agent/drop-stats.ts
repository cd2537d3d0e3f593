// Incoming messages the agent drops, counted by reason for the maestro_agent_messages_dropped_total
// metric and logged with a rate limit, so junk on the wire is visible but cannot flood the log.

import { agentDropLogIntervalMs } from "../limits.ts";
import type { Logger } from "../observability/logger.ts";

/**
 * Why a message was dropped:
 * - `malformed`: not a CloudEvent (no ce-specversion, bad JSON, bad attribute), from the transport;
 * - `unknown_cluster`: on a topic of no cluster of this process;
 * - `cluster_mismatch`: its clustername is not the cluster whose topic or stream carried it;
 * - `invalid`: a CloudEvent for this cluster whose content cannot be used (a spec without a
 *   resourceid or ManifestBundle, a status resync request whose data is not a hash list).
 */
export const DROP_REASONS = ["malformed", "unknown_cluster", "cluster_mismatch", "invalid"] as const;
/** One of DROP_REASONS. */
export type DropReason = (typeof DROP_REASONS)[number];

/**
 * Drop counters of one agent process, shared by its transport and its cluster agents.
 * Example: `drops.drop("malformed", { topic, error })`; `drops.count("malformed")` -> 1.
 */
export class DropStats {
  readonly #counts = new Map<DropReason, number>();
  /** Per reason: when the last warning went out, and drops since then. */
  readonly #logged = new Map<DropReason, { atMs: number; suppressed: number }>();

  constructor(
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one dropped message; warns at most once per reason per agentDropLogIntervalMs. */
  drop(reason: DropReason, fields: Record<string, unknown>): void {
    this.#counts.set(reason, (this.#counts.get(reason) ?? 0) + 1);
    const nowMs = this.now();
    const logged = this.#logged.get(reason);
    if (logged !== undefined && nowMs - logged.atMs < agentDropLogIntervalMs) {
      logged.suppressed++;
      if (this.log.debugEnabled) this.log.debug("dropped a message", { reason, ...fields });
      return;
    }
    const suppressed = logged?.suppressed ?? 0;
    this.#logged.set(reason, { atMs: nowMs, suppressed: 0 });
    this.log.warn("dropped a message", { reason, ...fields, ...(suppressed > 0 ? { droppedSinceLastWarning: suppressed } : {}) });
  }

  /** Messages dropped for `reason` so far. */
  count(reason: DropReason): number {
    return this.#counts.get(reason) ?? 0;
  }
}
