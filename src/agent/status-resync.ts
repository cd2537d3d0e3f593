// Which statuses an agent re-sends when the server asks for a status resync (MQTT mode,
// maestro-wire.md 3.3): every one of the requesting source, or only those whose hash is stale. Pure.

import type { ManifestBundleStatus, StatusResyncRequest } from "../cloudevents/manifest-bundle.ts";
import { workStatusHash } from "../cloudevents/status-hash.ts";

/** The parts of a work the decision reads (AgentWork has them). */
export interface StatusResyncCandidate {
  readonly id: string;
  readonly originalSource: string;
  readonly status: ManifestBundleStatus | undefined;
  readonly deleting: boolean;
}

/**
 * The works whose status answers a status resync request from `requestSource`:
 * - only works whose originalsource is the request's source;
 * - an empty hash list selects all of them;
 * - otherwise a work is selected when its id is listed with a hash that differs from its
 *   current status hash (workStatusHash, the hash the agent sends); unlisted works are ignored;
 * - works without a status yet are skipped (there is nothing to send), and so are works being
 *   deleted (their next status is the Deleted one, sent when cleanup finishes).
 * Example: `statusResyncSelection(agent.works.values(), "maestro", { statusHashes: [] })` -> every status of source maestro.
 */
export function statusResyncSelection<W extends StatusResyncCandidate>(works: Iterable<W>, requestSource: string, request: StatusResyncRequest): W[] {
  const all = request.statusHashes.length === 0;
  const known = new Map<string, string>();
  for (const entry of request.statusHashes) known.set(entry.resourceID, entry.statusHash);
  const selected: W[] = [];
  for (const work of works) {
    if (work.originalSource !== requestSource || work.status === undefined || work.deleting) continue;
    if (all) {
      selected.push(work);
      continue;
    }
    const hash = known.get(work.id);
    if (hash !== undefined && hash !== workStatusHash(work.status)) selected.push(work);
  }
  return selected;
}
