// Redelivery of what agents have not confirmed (DESIGN "nothing acknowledged is lost"): a
// resource whose current version has no status after a threshold is pushed again, and a
// deleting resource is re-sent until its agent confirms, both only to reachable agents (gRPC:
// connected to this instance; MQTT: every consumer, the broker routes).

import type { Logger } from "../observability/logger.ts";
import type { ResourceRepository, SpecRow } from "../store/resource-repository.ts";
import type { Delivery } from "./delivery.ts";
import type { AgentSpecAction } from "./spec-events.ts";

/**
 * Groups rows per cluster, alternating a create/update with a delete, so that neither kind
 * waits behind the other (Maestro's single FIFO starved creates behind deletes).
 */
export function interleaveByCluster(specs: readonly SpecRow[], deletes: readonly SpecRow[]): Map<string, { row: SpecRow; action: AgentSpecAction }[]> {
  const byCluster = new Map<string, { row: SpecRow; action: AgentSpecAction }[]>();
  const add = (row: SpecRow, action: AgentSpecAction) => {
    const list = byCluster.get(row.consumerName) ?? [];
    list.push({ row, action });
    byCluster.set(row.consumerName, list);
  };
  for (let i = 0; i < Math.max(specs.length, deletes.length); i++) {
    const spec = specs[i];
    if (spec) add(spec, spec.version > 1 ? "update_request" : "create_request");
    const del = deletes[i];
    if (del) add(del, "delete_request");
  }
  return byCluster;
}

/** Redelivery settings. A threshold of 0 disables it (Maestro's `--undelivered-resource-threshold=0`). */
export interface RedeliveryOptions {
  readonly thresholdMs: number;
  readonly intervalMs: number;
  /** Rows read per kind and run; deletes and creates/updates have separate budgets. */
  readonly batchRowsMax: number;
}

/** What one run re-sent. */
export interface RedeliveryRun {
  readonly specs: number;
  readonly deletes: number;
}

/**
 * Periodic redelivery. Deletes never starve creates: each kind is read with its own budget and
 * the two lists are sent interleaved.
 * Example: `const r = new Redelivery(resources, delivery, opts, log); r.start(); … r.stop();`
 */
export class Redelivery {
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running: Promise<RedeliveryRun> | undefined;
  #stopped = true;
  readonly totals = { specs: 0, deletes: 0, runs: 0 };

  constructor(
    private readonly resources: ResourceRepository,
    private readonly delivery: Delivery,
    private readonly options: RedeliveryOptions,
    private readonly log: Logger,
  ) {}

  start(): void {
    if (this.options.thresholdMs <= 0 || !this.#stopped) return;
    this.#stopped = false;
    this.#schedule();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#running?.catch(() => undefined);
  }

  #schedule(): void {
    // ±10% jitter so that replicas started together do not scan in lockstep (STYLE 23).
    const delay = this.options.intervalMs * (0.9 + Math.random() * 0.2);
    this.#timer = setTimeout(() => {
      this.#running = this.runOnce(new Date());
      this.#running
        .catch((err: unknown) => this.log.warn("redelivery run failed", { error: err as Error }))
        .finally(() => {
          this.#running = undefined;
          if (!this.#stopped) this.#schedule();
        });
    }, delay);
  }

  /** One scan: re-sends unconfirmed specs and deletes older than the threshold. */
  async runOnce(now: Date): Promise<RedeliveryRun> {
    const olderThan = new Date(now.getTime() - this.options.thresholdMs);
    const [specs, deletes] = await Promise.all([
      this.resources.undelivered(olderThan, this.options.batchRowsMax),
      this.resources.unconfirmedDeletes(olderThan, this.options.batchRowsMax),
    ]);
    const connected = (row: SpecRow) => this.delivery.reachable(row.consumerName);
    const specsToSend = specs.filter(connected);
    const deletesToSend = deletes.filter(connected);
    await Promise.all([...interleaveByCluster(specsToSend, deletesToSend)].map(([cluster, batch]) => this.delivery.specsPaced(cluster, batch)));
    this.totals.runs += 1;
    this.totals.specs += specsToSend.length;
    this.totals.deletes += deletesToSend.length;
    if (specsToSend.length + deletesToSend.length > 0) {
      this.log.info("redelivered", { specs: specsToSend.length, deletes: deletesToSend.length });
    }
    return { specs: specsToSend.length, deletes: deletesToSend.length };
  }
}
