// Discovery tables beyond the built-ins: kinds a cluster's stored CRDs register (built lazily),
// and preinstalled kinds shared by many clusters; clusters without either share one empty table.

import type { JsonObject } from "../../cloudevents/types.ts";
import { assert } from "../../assert.ts";
import type { ResourceMapping } from "../cluster-client.ts";
import { apiVersionOf, crdMappings, kindKey } from "./discovery.ts";

/**
 * Discovery entries from CRDs. The first CRD to claim a kind or resource keeps it (Kubernetes
 * would mark the second one's names as not accepted).
 * Example: `CustomKinds.fromCrds([widgetCrd]).lookupKind("example.com/v1", "Widget")?.resource` -> "widgets".
 */
export class CustomKinds {
  private readonly byKind = new Map<string, ResourceMapping>();
  /** Keyed by `group/version/resource`. */
  private readonly byResource = new Map<string, ResourceMapping>();

  /** Number of kinds served. Example: `NO_CUSTOM_KINDS.size` -> 0. */
  get size(): number {
    return this.byKind.size;
  }

  /** A kind by apiVersion and kind. Example: `table.lookupKind("example.com/v1", "Widget")`. */
  lookupKind(apiVersion: string, kind: string): ResourceMapping | undefined {
    return this.byKind.get(kindKey(apiVersion, kind));
  }

  /** A served resource version. Example: `table.lookupResource("example.com", "v1", "widgets")`. */
  lookupResource(group: string, version: string, resource: string): ResourceMapping | undefined {
    return this.byResource.get(resourceVersionKey(group, version, resource));
  }

  /**
   * Builds the table from CRD bodies. Example: `CustomKinds.fromCrds([])` is empty.
   */
  static fromCrds(crds: Iterable<JsonObject>): CustomKinds {
    const table = new CustomKinds();
    for (const crd of crds) for (const m of crdMappings(crd)) table.add(m);
    assert(table.byKind.size === table.byResource.size, "each custom kind has exactly one resource");
    return table;
  }

  /** Adds a mapping unless its kind or resource is taken. */
  private add(m: ResourceMapping): void {
    const kk = kindKey(apiVersionOf(m), m.kind);
    const rk = resourceVersionKey(m.group, m.version, m.resource);
    if (this.byKind.has(kk) || this.byResource.has(rk)) return;
    this.byKind.set(kk, m);
    this.byResource.set(rk, m);
  }

  /**
   * A table of kinds served as if their CRDs were installed, built once and shared by many
   * clusters (for example the agent's AppliedManifestWork), so 10,000 clusters do not each
   * store a CRD object. Built-in kinds cannot be overridden: they are looked up first.
   * Example: `CustomKinds.preinstalled([{ group: "work.open-cluster-management.io", version: "v1",
   * kind: "AppliedManifestWork", resource: "appliedmanifestworks", namespaced: false }])`.
   */
  static preinstalled(mappings: readonly ResourceMapping[]): CustomKinds {
    const table = new CustomKinds();
    for (const m of mappings) table.add(Object.freeze({ ...m }));
    Object.freeze(table);
    return table;
  }
}

/**
 * The key of a served resource version. Example: `resourceVersionKey("example.com", "v1", "widgets")` -> "example.com/v1/widgets".
 */
export function resourceVersionKey(group: string, version: string, resource: string): string {
  return `${group}/${version}/${resource}`;
}

/** The table of a cluster without CRDs; shared, never modified. Example: `NO_CUSTOM_KINDS.lookupKind("v1", "Foo")` -> undefined. */
export const NO_CUSTOM_KINDS: CustomKinds = CustomKinds.preinstalled([]);
