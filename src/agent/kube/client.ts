// ClusterClient over a real Kubernetes API server: discovery-backed resolve, and get/create/
// update/server-side apply/delete as the exact REST calls client-go makes, over a KubeHttp.

import { assert } from "../../assert.ts";
import type { JsonValue } from "../../cloudevents/types.ts";
import {
  ClusterError,
  type ApplyOptions,
  type ClusterClient,
  type KubeObject,
  type PropagationPolicy,
  type ResourceMapping,
} from "../cluster-client.ts";
import { Discovery, parseResourceList } from "./discovery.ts";
import { errorFromResponse } from "./errors.ts";
import type { KubeHttp, KubeRequest, KubeResponse } from "./http.ts";
import { collectionPath, groupVersionPath, objectPath } from "./paths.ts";

/** Content type of a server-side apply body (JSON is valid YAML, as client-go sends it). Example: `Content-Type: application/apply-patch+yaml`. */
export const APPLY_PATCH_CONTENT_TYPE = "application/apply-patch+yaml";
/** Content type of create/update/delete bodies. Example: `Content-Type: application/json`. */
export const JSON_CONTENT_TYPE = "application/json";

/** Construction options of KubeClusterClient. Example: `{ http: createFetchKubeHttp(connection), now: clock.now }`. */
export interface KubeClusterClientOptions {
  readonly http: KubeHttp;
  /** Clock of the discovery cache (tests inject one). */
  readonly now?: () => number;
  /** Overrides limits.kubeDiscoveryMissRefreshMsMin. */
  readonly discoveryMissRefreshMsMin?: number;
}

/**
 * The agent's ClusterClient for a live cluster. Requests:
 * get = GET object; create = POST collection; update = PUT object (resourceVersion in the body);
 * apply = PATCH object `?fieldManager=<m>&force=<bool>` with `Content-Type: application/apply-patch+yaml`;
 * delete = DELETE object with body `{"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":…}`.
 * Example: `const c = new KubeClusterClient({ http }); await c.get(await c.resolve("v1", "ConfigMap"), "ns", "a")`.
 */
export class KubeClusterClient implements ClusterClient {
  readonly #http: KubeHttp;
  readonly #discovery: Discovery;

  constructor(options: KubeClusterClientOptions) {
    this.#http = options.http;
    this.#discovery = new Discovery({
      fetchGroupVersion: async (gv) => {
        const response = await this.#http.send({ method: "GET", path: groupVersionPath(gv) });
        if (response.status === 404) return undefined;
        if (!isSuccess(response)) throw errorFromResponse(response, `GET ${groupVersionPath(gv)}`);
        return parseResourceList(response.body);
      },
      now: options.now,
      missRefreshMsMin: options.discoveryMissRefreshMsMin,
    });
  }

  /** Group-versions in the discovery cache (for tests and metrics). */
  get discoveryCacheSize(): number {
    return this.#discovery.size;
  }

  resolve(apiVersion: string, kind: string): Promise<ResourceMapping> {
    return this.#discovery.resolve(apiVersion, kind);
  }

  async get(mapping: ResourceMapping, namespace: string, name: string): Promise<KubeObject | undefined> {
    const response = await this.#http.send({ method: "GET", path: objectPath(mapping, namespace, name) });
    if (response.status === 404) return undefined;
    return objectFrom(response, `GET ${mapping.resource} ${name}`);
  }

  async create(mapping: ResourceMapping, object: KubeObject): Promise<KubeObject> {
    const path = collectionPath(mapping, namespaceOf(mapping, object));
    return objectFrom(await this.#sendJson({ method: "POST", path }, object), `POST ${path}`);
  }

  async update(mapping: ResourceMapping, object: KubeObject): Promise<KubeObject> {
    const path = objectPath(mapping, namespaceOf(mapping, object), nameOf(object));
    return objectFrom(await this.#sendJson({ method: "PUT", path }, object), `PUT ${path}`);
  }

  async apply(mapping: ResourceMapping, object: KubeObject, options: ApplyOptions): Promise<KubeObject> {
    assert(options.fieldManager.length > 0, "server-side apply needs a field manager");
    const path = objectPath(mapping, namespaceOf(mapping, object), nameOf(object));
    const query = [["fieldManager", options.fieldManager], ["force", String(options.force)]] as const;
    const response = await this.#http.send({ method: "PATCH", path, query, contentType: APPLY_PATCH_CONTENT_TYPE, body: JSON.stringify(object) });
    return objectFrom(response, `PATCH ${path}`);
  }

  async delete(mapping: ResourceMapping, namespace: string, name: string, propagationPolicy: PropagationPolicy): Promise<boolean> {
    const path = objectPath(mapping, namespace, name);
    const options: KubeObject = { kind: "DeleteOptions", apiVersion: "v1", propagationPolicy };
    const response = await this.#sendJson({ method: "DELETE", path }, options);
    if (response.status === 404) return false;
    if (!isSuccess(response)) throw errorFromResponse(response, `DELETE ${path}`);
    return true;
  }

  /** Closes idle connections to the API server. */
  close(): void {
    this.#http.close();
  }

  #sendJson(request: Omit<KubeRequest, "body" | "contentType">, body: KubeObject): Promise<KubeResponse> {
    return this.#http.send({ ...request, contentType: JSON_CONTENT_TYPE, body: JSON.stringify(body) });
  }
}

function isSuccess(response: KubeResponse): boolean {
  return response.status >= 200 && response.status <= 299;
}

/** A 2xx answer's object, validated on this side of the boundary; failures become ClusterError. */
function objectFrom(response: KubeResponse, what: string): KubeObject {
  if (!isSuccess(response)) throw errorFromResponse(response, what);
  let parsed: JsonValue;
  try {
    parsed = JSON.parse(response.body) as JsonValue;
  } catch {
    throw new ClusterError("InternalError", response.status, `${what}: the answer is not JSON`);
  }
  if (!isObject(parsed) || !isObject(parsed.metadata) || parsed.kind === "Status") {
    throw new ClusterError("InternalError", response.status, `${what}: the answer is not a Kubernetes object`);
  }
  return parsed;
}

function isObject(value: JsonValue | undefined): value is KubeObject {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function metadataOf(object: KubeObject): KubeObject {
  return isObject(object.metadata) ? object.metadata : {};
}

/** The object's namespace for namespaced kinds ("" for cluster-scoped ones, whatever the manifest says). */
function namespaceOf(mapping: ResourceMapping, object: KubeObject): string {
  if (!mapping.namespaced) return "";
  const ns = metadataOf(object).namespace;
  return typeof ns === "string" ? ns : "";
}

function nameOf(object: KubeObject): string {
  const name = metadataOf(object).name;
  return typeof name === "string" ? name : "";
}
