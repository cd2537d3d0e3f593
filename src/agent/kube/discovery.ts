// Kind -> resource resolution from the API server's discovery documents (/api/v1,
// /apis/<group>/<version>), cached per group-version, refreshed on a miss, fetches coalesced.

import { assert } from "../../assert.ts";
import { kubeDiscoveryGroupVersionsMax, kubeDiscoveryMissRefreshMsMin } from "../../limits.ts";
import { ClusterError, type ResourceMapping } from "../cluster-client.ts";
import { parseApiVersion, type GroupVersion } from "./paths.ts";

/** One resource of a discovery document, as much of APIResource as resolution needs. Example: `{ name: "deployments", kind: "Deployment", namespaced: true }`. */
export interface DiscoveredResource {
  readonly name: string;
  readonly kind: string;
  readonly namespaced: boolean;
}

/**
 * Fetches one group-version's resources; undefined when the server does not serve that group-version (404).
 * Example: `async (gv) => parseResourceList((await http.send({ method: "GET", path: groupVersionPath(gv) })).body)`.
 */
export type FetchGroupVersion = (gv: GroupVersion) => Promise<readonly DiscoveredResource[] | undefined>;

/** Settings of the discovery cache (defaults from limits.ts). Example: `{ fetchGroupVersion, now: () => clock.ms, missRefreshMsMin: 0 }`. */
export interface DiscoveryOptions {
  readonly fetchGroupVersion: FetchGroupVersion;
  readonly now?: () => number;
  readonly missRefreshMsMin?: number;
  readonly groupVersionsMax?: number;
}

interface Entry {
  readonly fetchedAtMs: number;
  /** undefined: the server answered 404 for the whole group-version. */
  readonly byKind: ReadonlyMap<string, ResourceMapping> | undefined;
}

/**
 * Resolves kinds to resources. The first resolve of a group-version fetches its document; a
 * kind missing from a cached document refetches it once the copy is older than
 * `missRefreshMsMin`; concurrent resolves of one group-version share one fetch.
 * Example: `await new Discovery({ fetchGroupVersion }).resolve("apps/v1", "Deployment")`.
 */
export class Discovery {
  readonly #fetch: FetchGroupVersion;
  readonly #now: () => number;
  readonly #missRefreshMsMin: number;
  readonly #groupVersionsMax: number;
  readonly #entries = new Map<string, Entry>();
  readonly #inflight = new Map<string, Promise<Entry>>();

  constructor(options: DiscoveryOptions) {
    this.#fetch = options.fetchGroupVersion;
    this.#now = options.now ?? Date.now;
    this.#missRefreshMsMin = options.missRefreshMsMin ?? kubeDiscoveryMissRefreshMsMin;
    this.#groupVersionsMax = options.groupVersionsMax ?? kubeDiscoveryGroupVersionsMax;
    assert(this.#missRefreshMsMin >= 0, "missRefreshMsMin must not be negative");
    assert(this.#groupVersionsMax > 0, "groupVersionsMax must be positive");
  }

  /** Cached group-versions (for tests and metrics). */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * The mapping of apiVersion + kind; ClusterError "NotFound" when the server has no such kind.
   * Example: `(await discovery.resolve("v1", "ConfigMap")).resource === "configmaps"`.
   */
  async resolve(apiVersion: string, kind: string): Promise<ResourceMapping> {
    const gv = parseApiVersion(apiVersion);
    const key = apiVersion;
    const cached = this.#entries.get(key);
    const hit = cached?.byKind?.get(kind);
    if (hit) return hit;
    const fresh = cached !== undefined && this.#now() - cached.fetchedAtMs < this.#missRefreshMsMin;
    const entry = fresh ? cached : await this.#refresh(key, gv);
    const found = entry.byKind?.get(kind);
    if (found) return found;
    throw new ClusterError("NotFound", 404, `no matches for kind "${kind}" in version "${apiVersion}"`);
  }

  /** Forgets every cached document (the next resolve of each group-version refetches it). */
  invalidate(): void {
    this.#entries.clear();
  }

  /** Fetches a group-version document, sharing one fetch among concurrent callers. */
  #refresh(key: string, gv: GroupVersion): Promise<Entry> {
    const running = this.#inflight.get(key);
    if (running) return running;
    const started = this.#load(key, gv).finally(() => this.#inflight.delete(key));
    this.#inflight.set(key, started);
    return started;
  }

  async #load(key: string, gv: GroupVersion): Promise<Entry> {
    const resources = await this.#fetch(gv);
    const entry: Entry = { fetchedAtMs: this.#now(), byKind: resources && mappingsByKind(gv, resources) };
    this.#entries.delete(key); // Re-insert so Map order is fetch order: eviction drops the oldest.
    this.#evictFor(key);
    this.#entries.set(key, entry);
    assert(this.#entries.size <= this.#groupVersionsMax, "the discovery cache stays within its bound");
    return entry;
  }

  /** Makes room for one entry: absent group-versions go first, then the oldest documents. */
  #evictFor(key: string): void {
    if (this.#entries.size < this.#groupVersionsMax) return;
    for (const [k, e] of this.#entries) if (e.byKind === undefined && k !== key) this.#entries.delete(k);
    for (const k of this.#entries.keys()) {
      if (this.#entries.size < this.#groupVersionsMax) break;
      this.#entries.delete(k);
    }
  }
}

/**
 * Indexes a document's top-level resources by kind; subresources (`pods/status`) are skipped, the first resource of a kind wins.
 * Example: `mappingsByKind({ group: "", version: "v1" }, resources).get("Pod")?.resource === "pods"`.
 */
export function mappingsByKind(gv: GroupVersion, resources: readonly DiscoveredResource[]): Map<string, ResourceMapping> {
  const byKind = new Map<string, ResourceMapping>();
  for (const r of resources) {
    if (r.name.includes("/") || byKind.has(r.kind)) continue;
    byKind.set(r.kind, { group: gv.group, version: gv.version, kind: r.kind, resource: r.name, namespaced: r.namespaced });
  }
  return byKind;
}

/**
 * Reads an APIResourceList body; ClusterError "InternalError" when it is not one, so a proxy's
 * HTML page is never cached as "no kinds".
 * Example: `parseResourceList('{"kind":"APIResourceList","resources":[]}')` is `[]`.
 */
export function parseResourceList(body: string): DiscoveredResource[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new ClusterError("InternalError", 200, "discovery document is not JSON");
  }
  const resources = parsed !== null && typeof parsed === "object" ? (parsed as { resources?: unknown }).resources : undefined;
  if (!Array.isArray(resources)) throw new ClusterError("InternalError", 200, "discovery document has no resources list");
  const out: DiscoveredResource[] = [];
  for (const item of resources as unknown[]) {
    const r = item as { name?: unknown; kind?: unknown; namespaced?: unknown } | null;
    if (r === null || typeof r !== "object" || typeof r.name !== "string" || typeof r.kind !== "string") {
      throw new ClusterError("InternalError", 200, "discovery document has a malformed resource entry");
    }
    out.push({ name: r.name, kind: r.kind, namespaced: r.namespaced === true });
  }
  return out;
}
