// Incoming messages the agent drops, counted by reason for the maestro_agent_messages_dropped_total
// metric and logged with a rate limit, so junk on the wire is visible but cannot flood the log.

import { agentDropLogIntervalMs } from "../limits.ts";
import type { Logger } from "../observability/logger.ts";
import { RateLimitedWarn } from "../observability/rate-limited-log.ts";

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
  readonly #warn: RateLimitedWarn;

  constructor(
    private readonly log: Logger,
    now: () => number = Date.now,
  ) {
    this.#warn = new RateLimitedWarn(log, agentDropLogIntervalMs, now);
  }

  /** Counts one dropped message; warns at most once per reason per agentDropLogIntervalMs. */
  drop(reason: DropReason, fields: Record<string, unknown>): void {
    this.#counts.set(reason, (this.#counts.get(reason) ?? 0) + 1);
    if (this.log.debugEnabled) this.log.debug("dropped a message", { reason, ...fields });
    this.#warn.warn(reason, "dropped a message", { reason, ...fields });
  }

  /** Messages dropped for `reason` so far. */
  count(reason: DropReason): number {
    return this.#counts.get(reason) ?? 0;
  }
}
