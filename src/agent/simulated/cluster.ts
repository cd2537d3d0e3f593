// SimulatedCluster: an in-memory Kubernetes API for one cluster whose workloads report realistic
// statuses; built for 10,000+ instances per process (no timers, lazy state, compact objects).

import type { JsonObject } from "../../cloudevents/types.ts";
import { assert } from "../../assert.ts";
import { simulatedClusterObjectsMax, simulatedNodeCountDefault, simulatedObjectBytesMax, simulatedReadyDelayMsDefault } from "../../limits.ts";
import { ClusterError } from "../cluster-client.ts";
import type { ApplyOptions, ClusterClient, KubeObject, PropagationPolicy, ResourceMapping } from "../cluster-client.ts";
import { CustomKinds, NO_CUSTOM_KINDS } from "./custom-kinds.ts";
import { deleteObject, type DeletionHost, isReleased } from "./deletion.ts";
import { apiVersionOf, CRD_MAPPING, crdProblems, lookupBuiltInKind, lookupBuiltInResource, resourceId } from "./discovery.ts";
import { alreadyExists, invalid, notFound, objectQuotaExceeded, resourceNotServed, staleVersion, tooLarge, unknownKind } from "./errors.ts";
import { describeOwners, type FieldOwners, type ManagedFieldsEntry, ownersAfterUpdate } from "./field-owners.ts";
import { jsonEqual } from "./json-tree.ts";
import { identityOf, renderObject, requestedVersion, toBody } from "./object-codec.ts";
import { type ObjectTable, tableDelete, tableEntries, tableGet, tableSet, tableSize } from "./object-table.ts";
import { conflictMessage, planApply } from "./server-side-apply.ts";
import { fnv32a, safeEncode } from "./status-common.ts";
import { objectKey, objectUid, StoredObject } from "./stored-object.ts";

/** Options of one simulated cluster. Example: `{ name: "cluster-1", now: clock.now, nodeCount: 3, readyDelayMs: 2_000 }`. */
export interface SimulatedClusterOptions {
  /** The cluster (consumer) name; also seeds object uids. */
  readonly name: string;
  /** The clock, in ms since the epoch (default Date.now); inject a manual one in tests. */
  readonly now?: () => number;
  /** Nodes DaemonSets schedule on (default simulatedNodeCountDefault). */
  readonly nodeCount?: number;
  /** How long pods take to become ready after a spec change (default simulatedReadyDelayMsDefault). */
  readonly readyDelayMs?: number;
  /** Kinds served from the start as if their CRDs were installed; build once, share across clusters. */
  readonly preinstalled?: CustomKinds;
}

/**
 * One simulated cluster. State is allocated on first write; statuses are computed on read from
 * the injected clock, so 10,000 idle clusters cost only their small instances.
 * Example:
 * ```ts
 * const cluster = new SimulatedCluster({ name: "cluster-1", now: clock.now });
 * const m = await cluster.resolve("apps/v1", "Deployment");
 * await cluster.apply(m, deployment, { fieldManager: "work-agent", force: false });
 * clock.advance(2_000);
 * (await cluster.get(m, "default", "web"))?.status; // { readyReplicas: 1, … }
 * ```
 */
export class SimulatedCluster implements ClusterClient {
  readonly name: string;
  private readonly now: () => number;
  private readonly nodeCount: number;
  private readonly readyDelayMs: number;
  private readonly preinstalled: CustomKinds;
  /** The last resourceVersion handed out (cluster-wide, as etcd's revision). */
  private lastVersion = 0;
  /** Objects by objectKey(); undefined while the cluster is empty. */
  private objects: ObjectTable | undefined = undefined;
  /** Kinds the stored CRDs register; undefined = rebuild on next use. */
  private customKinds: CustomKinds | undefined = NO_CUSTOM_KINDS;

  constructor(options: SimulatedClusterOptions) {
    assert(options.name !== "", "a simulated cluster needs a name");
    this.name = options.name;
    this.now = options.now ?? Date.now;
    this.nodeCount = options.nodeCount ?? simulatedNodeCountDefault;
    this.readyDelayMs = options.readyDelayMs ?? simulatedReadyDelayMsDefault;
    this.preinstalled = options.preinstalled ?? NO_CUSTOM_KINDS;
    assert(Number.isInteger(this.nodeCount) && this.nodeCount > 0, "nodeCount is a positive integer");
    assert(this.readyDelayMs >= 0, "readyDelayMs is not negative");
  }

  /** Number of objects stored. Example: `new SimulatedCluster({ name: "c" }).objectCount` -> 0. */
  get objectCount(): number {
    return tableSize(this.objects);
  }

  /** Resolves a kind through the shared built-in table, then preinstalled kinds, then this cluster's CRDs. */
  async resolve(apiVersion: string, kind: string): Promise<ResourceMapping> {
    const found = lookupBuiltInKind(apiVersion, kind) ?? this.preinstalled.lookupKind(apiVersion, kind) ?? this.kinds().lookupKind(apiVersion, kind);
    if (found === undefined) throw unknownKind(apiVersion, kind);
    return found;
  }

  async get(mapping: ResourceMapping, namespace: string, name: string): Promise<KubeObject | undefined> {
    const served = this.served(mapping);
    if (served === undefined) return undefined;
    const entry = tableGet(this.objects, objectKey(served, served.namespaced ? namespace : "", name));
    return entry === undefined ? undefined : this.render(entry, served);
  }

  /**
   * Every object of a resource (in one namespace when given), sorted by namespace and name.
   * Not part of ClusterClient; for tests, benches and debugging.
   * Example: `await cluster.list(deployments, "default")` -> [web, worker].
   */
  async list(mapping: ResourceMapping, namespace?: string): Promise<KubeObject[]> {
    const served = this.served(mapping);
    if (served === undefined) return [];
    const prefix = served.namespaced && namespace !== undefined ? objectKey(served, namespace, "") : `${resourceId(served)}/`;
    const entries = tableEntries(this.objects).filter((e) => e.key.startsWith(prefix));
    entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return entries.map((e) => this.render(e, served));
  }

  async create(mapping: ResourceMapping, object: KubeObject): Promise<KubeObject> {
    const served = this.servedOrThrow(mapping);
    const identity = identityOf(served, object, (prefix) => this.generateName(prefix));
    if (requestedVersion(object) !== undefined) {
      throw invalid(served.kind, identity.name, ["metadata.resourceVersion: Invalid value: resourceVersion should not be set on objects to be created"]);
    }
    const key = objectKey(served, identity.namespace, identity.name);
    if (tableGet(this.objects, key) !== undefined) throw alreadyExists(served, identity.name);
    this.checkRoom();
    const body = toBody(served, object, identity);
    this.validateBody(served, body, identity.name);
    return this.render(this.commit(key, served, undefined, body, undefined), served);
  }

  async update(mapping: ResourceMapping, object: KubeObject): Promise<KubeObject> {
    const served = this.servedOrThrow(mapping);
    const identity = identityOf(served, object);
    const key = objectKey(served, identity.namespace, identity.name);
    const entry = tableGet(this.objects, key);
    if (entry === undefined) throw notFound(served, identity.name);
    const version = requestedVersion(object);
    if (version !== undefined && version !== String(entry.resourceVersion)) throw staleVersion(served, identity.name);
    const meta = object.metadata as JsonObject | undefined;
    if (typeof meta?.uid === "string" && meta.uid !== this.uidOf(entry)) throw staleVersion(served, identity.name);
    const before = entry.parse();
    const after = toBody(served, object, identity);
    keepDeletionMarks(before, after);
    this.validateBody(served, after, identity.name);
    const stored = this.commit(key, served, entry, after, ownersAfterUpdate(before, after, entry.owners), before);
    return this.renderAfterWrite(key, stored, served);
  }

  async apply(mapping: ResourceMapping, object: KubeObject, options: ApplyOptions): Promise<KubeObject> {
    const served = this.servedOrThrow(mapping);
    const identity = identityOf(served, object);
    if (options.fieldManager === "") throw invalid(served.kind, identity.name, ["fieldManager: Required value: is required for apply patch"]);
    const key = objectKey(served, identity.namespace, identity.name);
    const entry = tableGet(this.objects, key);
    const version = requestedVersion(object);
    if (version !== undefined && version !== String(entry?.resourceVersion)) throw staleVersion(served, identity.name);
    if (entry === undefined) this.checkRoom();
    const before = entry?.parse();
    const applied = toBody(served, object, identity);
    const outcome = planApply({ current: before, owners: entry?.owners, applied, manager: options.fieldManager, force: options.force });
    if (!outcome.ok) throw new ClusterError("Conflict", 409, conflictMessage(outcome.conflicts, apiVersionOf(served)));
    this.validateBody(served, outcome.body, identity.name);
    const stored = this.commit(key, served, entry, outcome.body, outcome.owners, before);
    return this.renderAfterWrite(key, stored, served);
  }

  async delete(mapping: ResourceMapping, namespace: string, name: string, propagationPolicy: PropagationPolicy): Promise<boolean> {
    const served = this.servedOrThrow(mapping);
    return deleteObject(this.deletionHost(), objectKey(served, served.namespaced ? namespace : "", name), propagationPolicy);
  }

  /**
   * Who owns which fields of an object (server-side apply bookkeeping), or undefined when the
   * object does not exist. Not part of ClusterClient.
   * Example: `await cluster.managedFields(m, "default", "web")` -> [{ manager: "work-agent", operation: "Apply", fields: [".spec.replicas", …] }].
   */
  async managedFields(mapping: ResourceMapping, namespace: string, name: string): Promise<ManagedFieldsEntry[] | undefined> {
    const served = this.served(mapping);
    const entry = served === undefined ? undefined : tableGet(this.objects, objectKey(served, served.namespaced ? namespace : "", name));
    return entry === undefined ? undefined : describeOwners(entry.parse(), entry.owners);
  }

  /** The served mapping for a request's mapping (group, version and resource must be served). */
  private served(mapping: ResourceMapping): ResourceMapping | undefined {
    const builtIn = lookupBuiltInResource(mapping.group, mapping.resource);
    if (builtIn !== undefined) return builtIn.version === mapping.version ? builtIn : undefined;
    const { group, version, resource } = mapping;
    return this.preinstalled.lookupResource(group, version, resource) ?? this.kinds().lookupResource(group, version, resource);
  }

  private servedOrThrow(mapping: ResourceMapping): ResourceMapping {
    const served = this.served(mapping);
    if (served === undefined) throw resourceNotServed();
    return served;
  }

  private kinds(): CustomKinds {
    if (this.customKinds !== undefined) return this.customKinds;
    const crds: JsonObject[] = [];
    const prefix = `${resourceId(CRD_MAPPING)}/`;
    for (const entry of tableEntries(this.objects)) if (entry.key.startsWith(prefix)) crds.push(entry.parse());
    this.customKinds = crds.length === 0 ? NO_CUSTOM_KINDS : CustomKinds.fromCrds(crds);
    return this.customKinds;
  }

  /** A `generateName` completion: five name-safe characters, deterministic per cluster and version. */
  private generateName(prefix: string): string {
    return `${prefix}${safeEncode(fnv32a(`${this.name}/${this.lastVersion + 1}`)).slice(0, 5)}`;
  }

  private checkRoom(): void {
    if (this.objectCount >= simulatedClusterObjectsMax) throw objectQuotaExceeded(simulatedClusterObjectsMax);
  }

  private validateBody(mapping: ResourceMapping, body: JsonObject, name: string): void {
    if (mapping !== CRD_MAPPING) return;
    const problems = crdProblems(body);
    if (problems.length > 0) throw invalid(mapping.kind, name, problems);
  }

  /**
   * Stores a new body for `key` unless nothing changed: resourceVersion +1 on any change,
   * generation +1 (and a new rollout) when anything but metadata and status changed.
   */
  private commit(
    key: string, mapping: ResourceMapping, previous: StoredObject | undefined, body: JsonObject, owners: FieldOwners, before?: JsonObject,
  ): StoredObject {
    const json = JSON.stringify(body);
    if (json.length > simulatedObjectBytesMax / 3 && Buffer.byteLength(json) > simulatedObjectBytesMax) throw tooLarge(simulatedObjectBytesMax);
    const old = previous === undefined ? undefined : (before ?? previous.parse());
    if (previous !== undefined && sameOwners(previous.owners, owners) && (json === previous.body || jsonEqual(old, body))) return previous;
    const nowMs = this.now();
    const version = ++this.lastVersion;
    const specChanged = old === undefined || !sameSpec(old, body);
    const generation = previous === undefined ? 1 : previous.generation + (specChanged ? 1 : 0);
    const stored = new StoredObject(
      key, mapping, json, previous?.createdVersion ?? version, version, generation,
      previous?.createdAtMs ?? nowMs, specChanged ? nowMs : previous!.changedAtMs, owners,
    );
    this.objects = tableSet(this.objects, stored);
    if (mapping === CRD_MAPPING) this.customKinds = undefined;
    return stored;
  }

  /** After an update or apply: a deleting object whose last finalizer went is removed now. */
  private renderAfterWrite(key: string, stored: StoredObject, mapping: ResourceMapping): KubeObject {
    const rendered = this.render(stored, mapping);
    if (stored.body.includes(DELETION_TIMESTAMP_JSON) && isReleased(stored.parse())) deleteObject(this.deletionHost(), key, "Background");
    return rendered;
  }

  private render(entry: StoredObject, mapping: ResourceMapping): KubeObject {
    return renderObject(entry, mapping, { clusterName: this.name, nowMs: this.now(), readyDelayMs: this.readyDelayMs, nodeCount: this.nodeCount });
  }

  private uidOf(entry: StoredObject): string {
    return objectUid(this.name, entry.createdVersion);
  }

  private deletionHost(): DeletionHost {
    return {
      get: (key) => tableGet(this.objects, key),
      keys: () => tableEntries(this.objects).map((e) => e.key),
      remove: (key) => this.removeKey(key),
      rewrite: (key, entry, body) => {
        const before = entry.parse();
        this.commit(key, entry.mapping, entry, body, ownersAfterUpdate(before, body, entry.owners), before);
      },
      uidOf: (entry) => this.uidOf(entry),
      nowMs: () => this.now(),
    };
  }

  private removeKey(key: string): void {
    const entry = tableGet(this.objects, key);
    assert(entry !== undefined, "only stored objects are removed");
    this.objects = tableDelete(this.objects, key);
    this.lastVersion++;
    if (entry.mapping === CRD_MAPPING) this.customKinds = undefined;
  }
}

/** Only bodies containing this key can be marked for deletion; the others skip a parse. */
const DELETION_TIMESTAMP_JSON = '"deletionTimestamp"';

/** An update cannot set or clear deletionTimestamp; the stored marks carry over. */
function keepDeletionMarks(before: JsonObject, after: JsonObject): void {
  const from = before.metadata as JsonObject;
  const to = after.metadata as JsonObject;
  for (const key of ["deletionTimestamp", "deletionGracePeriodSeconds"]) if (from[key] !== undefined) to[key] = from[key]!;
}

function sameOwners(a: FieldOwners, b: FieldOwners): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object") return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Equal "spec" in the generation sense: everything except metadata and status. */
function sameSpec(a: JsonObject, b: JsonObject): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) {
    if (key === "metadata" || key === "status") continue;
    if (!jsonEqual(a[key], b[key])) return false;
  }
  return true;
}
