// A typed client of Maestro's REST API over global fetch: consumers (list/get/create/patch/delete)
// and resource bundles (list/get/delete), errors as ApiError carrying Maestro's error body.

import { restRequestTimeoutMs } from "../limits.ts";
import { ApiError, type ApiErrorBody } from "./errors.ts";
import type {
  Consumer,
  ConsumerCreateRequest,
  ConsumerList,
  ConsumerPatchRequest,
  ListParams,
  ResourceBundle,
  ResourceBundleList,
} from "./rest-types.ts";

/** The path prefix of every versioned route. */
export const API_PREFIX = "/api/maestro/v1";
/** The header Maestro takes the operation id from (echoed as `operation_id` in error bodies). */
export const OPERATION_ID_HEADER = "X-Operation-ID";

/** Client settings. */
export interface RestClientOptions {
  /** Scheme, host and port of the REST server, e.g. "http://127.0.0.1:8000". */
  readonly baseUrl: string;
  /** Sent as `Authorization: Bearer <token>` (Maestro accepts and ignores it today). */
  readonly token?: string;
  /** Extra headers on every request. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Per-request timeout (default limits.restRequestTimeoutMs). */
  readonly timeoutMs?: number;
  /** fetch implementation (default global fetch). */
  readonly fetch?: (input: string, init: RequestInit) => Promise<Response>;
}

/** Per-call settings. */
export interface RequestOptions {
  /** Sent as X-Operation-ID so server logs and error bodies carry it. */
  readonly operationId?: string;
  readonly signal?: AbortSignal;
}

interface Call {
  readonly method: "GET" | "POST" | "PATCH" | "DELETE";
  readonly path: string;
  readonly query?: URLSearchParams;
  readonly body?: unknown;
  readonly options?: RequestOptions;
}

/**
 * Maestro's REST API.
 * Example: `const rest = new MaestroRestClient({ baseUrl: "http://127.0.0.1:8000" });
 *  const c = await rest.createConsumer({ name: "cluster1" }); const rb = await rest.getResourceBundle(id);`
 */
export class MaestroRestClient {
  readonly baseUrl: string;
  readonly #options: RestClientOptions;

  constructor(options: RestClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.#options = options;
  }

  /** GET /consumers. Example: `(await rest.listConsumers({ search: "name='c1'" })).items`. */
  listConsumers(params: ListParams = {}, options?: RequestOptions): Promise<ConsumerList> {
    return this.#json<ConsumerList>({ method: "GET", path: "/consumers", query: listQuery(params), options });
  }

  /** GET /consumers/{id}. Example: `await rest.getConsumer(id)`; 404 -> ApiError. */
  getConsumer(id: string, options?: RequestOptions): Promise<Consumer> {
    return this.#json<Consumer>({ method: "GET", path: `/consumers/${encodeURIComponent(id)}`, options });
  }

  /** POST /consumers. Example: `await rest.createConsumer({ name: "c1", labels: { env: "dev" } })`. */
  createConsumer(request: ConsumerCreateRequest, options?: RequestOptions): Promise<Consumer> {
    return this.#json<Consumer>({ method: "POST", path: "/consumers", body: request, options });
  }

  /** PATCH /consumers/{id} (labels only). Example: `await rest.patchConsumer(id, { labels: {} })`. */
  patchConsumer(id: string, request: ConsumerPatchRequest, options?: RequestOptions): Promise<Consumer> {
    return this.#json<Consumer>({ method: "PATCH", path: `/consumers/${encodeURIComponent(id)}`, body: request, options });
  }

  /** DELETE /consumers/{id}; 403 while resource bundles still reference it. Example: `await rest.deleteConsumer(id)`. */
  async deleteConsumer(id: string, options?: RequestOptions): Promise<void> {
    await this.#send({ method: "DELETE", path: `/consumers/${encodeURIComponent(id)}`, options });
  }

  /**
   * GET /resource-bundles. With `fields`, items hold only those keys (plus id).
   * Example: `await rest.listResourceBundles({ search: "source='s1'", page: 1, size: 400 })`.
   */
  listResourceBundles(params: ListParams = {}, options?: RequestOptions): Promise<ResourceBundleList> {
    return this.#json<ResourceBundleList>({ method: "GET", path: "/resource-bundles", query: listQuery(params), options });
  }

  /** GET /resource-bundles/{id}. Example: `await rest.getResourceBundle(workResourceId(s, ns, name))`. */
  getResourceBundle(id: string, options?: RequestOptions): Promise<ResourceBundle> {
    return this.#json<ResourceBundle>({ method: "GET", path: `/resource-bundles/${encodeURIComponent(id)}`, options });
  }

  /** DELETE /resource-bundles/{id} (204 also when absent). Example: `await rest.deleteResourceBundle(id)`. */
  async deleteResourceBundle(id: string, options?: RequestOptions): Promise<void> {
    await this.#send({ method: "DELETE", path: `/resource-bundles/${encodeURIComponent(id)}`, options });
  }

  async #json<T>(call: Call): Promise<T> {
    const { response, text } = await this.#send(call);
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      throw new ApiError({ status: response.status, text: `invalid JSON in the response: ${text.slice(0, 200)}`, method: call.method, path: call.path, cause: err });
    }
  }

  async #send(call: Call): Promise<{ response: Response; text: string }> {
    const path = API_PREFIX + call.path;
    const query = call.query && call.query.size > 0 ? `?${call.query.toString()}` : "";
    const fetchFn = this.#options.fetch ?? fetch;
    let response: Response;
    let text: string;
    try {
      response = await fetchFn(this.baseUrl + path + query, this.#init(call));
      text = await response.text();
    } catch (err) {
      throw new ApiError({ status: 0, text: err instanceof Error ? err.message : String(err), method: call.method, path, cause: err });
    }
    if (!response.ok) throw new ApiError({ status: response.status, body: errorBodyOf(text), text: text.slice(0, 200), method: call.method, path });
    return { response, text };
  }

  #init(call: Call): RequestInit {
    const headers: Record<string, string> = { Accept: "application/json", ...this.#options.headers };
    if (this.#options.token !== undefined) headers.Authorization = `Bearer ${this.#options.token}`;
    if (call.options?.operationId !== undefined) headers[OPERATION_ID_HEADER] = call.options.operationId;
    if (call.body !== undefined) headers["Content-Type"] = "application/json";
    const timeout = AbortSignal.timeout(this.#options.timeoutMs ?? restRequestTimeoutMs);
    const signal = call.options?.signal ? AbortSignal.any([timeout, call.options.signal]) : timeout;
    const init: RequestInit = { method: call.method, headers, signal };
    if (call.body !== undefined) init.body = JSON.stringify(call.body);
    return init;
  }
}

/**
 * The query string of a list call; absent parameters are not sent.
 * Example: `listQuery({ search: "source='s'", page: 2, size: 400 }).toString()` -> "search=source%3D%27s%27&page=2&size=400".
 */
export function listQuery(params: ListParams): URLSearchParams {
  const q = new URLSearchParams();
  if (params.search !== undefined && params.search !== "") q.set("search", params.search);
  if (params.page !== undefined) q.set("page", String(params.page));
  if (params.size !== undefined) q.set("size", String(params.size));
  if (params.orderBy !== undefined && params.orderBy !== "") q.set("orderBy", params.orderBy);
  if (params.fields !== undefined && params.fields.length > 0) q.set("fields", params.fields.join(","));
  return q;
}

/**
 * Maestro's error body from a response text, or undefined when it is not one. The unknown-path
 * 404 body (with `type` instead of `kind`, no operation id) is accepted too.
 * Example: `errorBodyOf('{"code":"maestro-7","reason":"…","kind":"Error",…}')?.code` -> "maestro-7".
 */
export function errorBodyOf(text: string): ApiErrorBody | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.code !== "string" || typeof v.reason !== "string") return undefined;
  const str = (x: unknown): string => (typeof x === "string" ? x : "");
  return { code: v.code, href: str(v.href), id: str(v.id), kind: "Error", operation_id: str(v.operation_id), reason: v.reason };
}
