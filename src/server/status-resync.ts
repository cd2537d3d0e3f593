// Status resync for sources (maestro-wire.md 3.2): a source sends the status hashes it holds;
// every status of that source whose hash differs (all of them for an empty list) is sent
// again to all of the source's streams.

import { parseStatusResyncRequest } from "../cloudevents/resync-codec.ts";
import { parseManifestBundleStatus } from "../cloudevents/status-codec.ts";
import { workStatusHash } from "../cloudevents/status-hash.ts";
import type { CloudEvent, JsonObject } from "../cloudevents/types.ts";
import { Ext } from "../cloudevents/types.ts";
import { Errors } from "../errors.ts";
import type { ResourceRepository } from "../store/resource-repository.ts";
import type { Delivery } from "./delivery.ts";
import { PublishContext, inContext } from "./grpc-errors.ts";

/** What a status resync needs. */
export interface StatusResyncDeps {
  readonly resources: ResourceRepository;
  readonly delivery: Delivery;
}

/**
 * The hash the server holds for a stored status: the agent's `statushash` when it sent one
 * (echoed verbatim, as Maestro does), else sdk-go's hash of the status data.
 * Example: `currentStatusHash(row.status)` → `"6170884280ac…"`.
 */
export function currentStatusHash(storedStatus: JsonObject): string {
  const given = storedStatus[Ext.statusHash];
  if (typeof given === "string" && given !== "") return given;
  try {
    return workStatusHash(parseManifestBundleStatus(storedStatus.data ?? null));
  } catch {
    // A stored status that no longer parses has no comparable hash: an empty one always differs.
    return "";
  }
}

/**
 * Answers a status.resync_request: re-sends the changed statuses of the event's source.
 * Example: `await resyncStatuses(deps, event)`.
 */
export async function resyncStatuses(deps: StatusResyncDeps, event: CloudEvent): Promise<void> {
  let held: Map<string, string>;
  try {
    if (event.data === undefined) throw Errors.validation("the status resync request has no data");
    held = new Map(parseStatusResyncRequest(event.data).statusHashes.map((h) => [h.resourceID, h.statusHash]));
  } catch (err) {
    throw inContext(err, PublishContext.statusResync);
  }
  const rows = await deps.resources.statusesForSource(event.source);
  const changed = rows.filter((row) => held.size === 0 || (held.has(row.id) && held.get(row.id) !== currentStatusHash(row.status)));
  await deps.delivery.statusesPaced(event.source, changed);
}
