// The agent's view of one Kubernetes cluster: resolve kinds to resources and read, create,
// update, server-side apply and delete objects. Two implementations: the real API server
// (@kubernetes/client-node) and an in-memory simulated cluster. Types only.

import type { JsonObject } from "../cloudevents/types.ts";

/** A Kubernetes object as JSON (apiVersion, kind, metadata, spec, status…). */
export type KubeObject = JsonObject;

/** group/version/resource of a kind, as discovery resolves it. `group` is "" for the core group. */
export interface ResourceMapping {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  /** Plural resource name, e.g. `deployments`. */
  readonly resource: string;
  readonly namespaced: boolean;
}

/** How a delete propagates to dependents (Kubernetes DeleteOptions.propagationPolicy). */
export type PropagationPolicy = "Foreground" | "Background" | "Orphan";

/** A server-side apply request. */
export interface ApplyOptions {
  readonly fieldManager: string;
  readonly force: boolean;
}

/**
 * The typed failure of a cluster call, with the Kubernetes Status reason when the server sent
 * one (`NotFound`, `AlreadyExists`, `Conflict`, `Invalid`, `Forbidden`…) and the HTTP code.
 * Example: `if (err instanceof ClusterError && err.reason === "Conflict") …`.
 */
export class ClusterError extends Error {
  override readonly name = "ClusterError";
  constructor(
    readonly reason: string,
    readonly httpStatus: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * One cluster's API. Every method rejects with a ClusterError for API failures; `get` returns
 * undefined for NotFound instead. Namespaced calls take the namespace; cluster-scoped ones "".
 */
export interface ClusterClient {
  /** Resolves apiVersion + kind through discovery; ClusterError reason "NotFound" when the kind is unknown. */
  resolve(apiVersion: string, kind: string): Promise<ResourceMapping>;
  get(mapping: ResourceMapping, namespace: string, name: string): Promise<KubeObject | undefined>;
  create(mapping: ResourceMapping, object: KubeObject): Promise<KubeObject>;
  /** Full replace (PUT); `object.metadata.resourceVersion` makes it optimistic. */
  update(mapping: ResourceMapping, object: KubeObject): Promise<KubeObject>;
  /** Server-side apply (PATCH application/apply-patch+yaml); conflicts reject with reason "Conflict". */
  apply(mapping: ResourceMapping, object: KubeObject, options: ApplyOptions): Promise<KubeObject>;
  /** Deletes; resolves true when deleted (or already gone: false). */
  delete(mapping: ResourceMapping, namespace: string, name: string, propagationPolicy: PropagationPolicy): Promise<boolean>;
}
