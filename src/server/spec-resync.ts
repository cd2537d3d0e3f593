// Spec resync for agents (maestro-wire.md 3.1): an agent sends the versions it holds; the
// server sends every resource of that consumer that is deleting or newer, and a delete for
// every id the agent holds that the server does not have.

import { readString } from "../cloudevents/attributes.ts";
import { parseSpecResyncRequest } from "../cloudevents/resync-codec.ts";
import { Ext, type CloudEvent } from "../cloudevents/types.ts";
import { Errors, GrpcStatus, MaestroError } from "../errors.ts";
import type { SpecRow } from "../store/resource-repository.ts";
import type { CoalescedReads } from "./coalesced-reads.ts";
import type { Delivery } from "./delivery.ts";
import { PublishContext, inContext } from "./grpc-errors.ts";

/** What a spec resync needs. */
export interface SpecResyncDeps {
  /** A consumer's resources (ResourceRepository.specsForConsumers, coalesced across agents). */
  readonly consumerSpecs: CoalescedReads<string, readonly SpecRow[]>;
  readonly delivery: Delivery;
}

/** What to send for one resync: the rows to re-send and the ids to delete. Pure. */
export interface SpecResyncPlan {
  readonly send: SpecRow[];
  /** Ids the agent holds that the server has no row for, with the version the agent reported. */
  readonly deleteUnknown: { id: string; version: number }[];
}

/**
 * Decides the resync answer: deleting rows always, others when newer than what the agent holds
 * (a missing entry counts as version 0), and deletes for reported ids without a row.
 * Example: `planSpecResync(rows, new Map([["id-1", 2]]))`.
 */
export function planSpecResync(rows: readonly SpecRow[], held: ReadonlyMap<string, number>): SpecResyncPlan {
  const send = rows.filter((row) => row.deletedAt !== null || row.version === 0 || row.version > (held.get(row.id) ?? 0));
  const known = new Set(rows.map((row) => row.id));
  const deleteUnknown = [...held].filter(([id]) => !known.has(id)).map(([id, version]) => ({ id, version }));
  return { send, deleteUnknown };
}

/** Failures of a resync are FailedPrecondition on the broker port (sdk-go's broker). */
function failedPrecondition(err: unknown): MaestroError {
  const base = err instanceof MaestroError ? err : Errors.general(err instanceof Error ? err.message : String(err), err);
  return new MaestroError(base.code, base.reason, { cause: err, grpc: GrpcStatus.FailedPrecondition });
}

/**
 * Answers a spec.resync_request from an agent. Example: `await resyncSpecs(deps, event)`.
 */
export async function resyncSpecs(deps: SpecResyncDeps, event: CloudEvent): Promise<void> {
  let clusterName: string;
  let held: Map<string, number>;
  try {
    clusterName = readString(event, Ext.clusterName);
    if (clusterName === "") throw Errors.badRequest("the spec resync request has an empty clustername");
    if (event.data === undefined) throw Errors.validation("the spec resync request has no data");
    held = new Map(parseSpecResyncRequest(event.data).resourceVersions.map((v) => [v.resourceID, v.resourceVersion]));
  } catch (err) {
    throw inContext(err, PublishContext.specResync);
  }
  let rows: readonly SpecRow[];
  try {
    rows = await deps.consumerSpecs.load(clusterName);
  } catch (err) {
    throw inContext(failedPrecondition(err), PublishContext.specResync);
  }
  const plan = planSpecResync(rows, held);
  const specs = plan.send.map((row) => ({ row, action: "resync_response" as const }));
  await deps.delivery.specsPaced(clusterName, specs, plan.deleteUnknown);
}
