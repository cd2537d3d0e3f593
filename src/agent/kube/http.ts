// One HTTP exchange with a Kubernetes API server, behind a small interface (KubeHttp) so the
// client and discovery never touch fetch; the implementation uses Bun's fetch with a FetchSession.

import { assert } from "../../assert.ts";
import { kubeRequestTimeoutMs, kubeResponseBytesMax } from "../../limits.ts";
import { ClusterError } from "../cluster-client.ts";
import { readBodyCapped, transportError } from "./errors.ts";

/** The HTTP methods the agent uses. Example: `const m: KubeMethod = "PATCH"`. */
export type KubeMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/**
 * One request: path below the server URL, query in wire order, optional body with its type.
 * Example: `{ method: "PATCH", path: "/api/v1/namespaces/a/configmaps/b", query: [["fieldManager", "work-agent"], ["force", "false"]], contentType: "application/apply-patch+yaml", body }`.
 */
export interface KubeRequest {
  readonly method: KubeMethod;
  readonly path: string;
  readonly query?: readonly (readonly [string, string])[];
  readonly contentType?: string;
  readonly body?: string;
}

/** One response, body fully read as text. Example: `{ status: 404, contentType: "application/json", body: '{"kind":"Status",…}' }`. */
export interface KubeResponse {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

/**
 * Sends requests to one API server. `send` resolves with any HTTP answer (2xx or not) and
 * rejects only with a ClusterError for transport failures (reason ServiceUnavailable/Timeout).
 * Example: `const res = await http.send({ method: "GET", path: "/api/v1" })`.
 */
export interface KubeHttp {
  send(request: KubeRequest): Promise<KubeResponse>;
  /** Closes idle connections; in-flight requests finish. */
  close(): void;
}

/**
 * How to reach and authenticate to one API server (built by config.ts from a kubeconfig).
 * Example: `{ server: "https://10.0.0.1:443", tls: { ca }, proxy: undefined, headers: async () => ({ Authorization: "Bearer …" }) }`.
 */
export interface KubeConnection {
  /** Scheme, host, port and optional path prefix, without a trailing slash. */
  readonly server: string;
  readonly tls: BunFetchRequestInitTLS | undefined;
  readonly proxy: string | undefined;
  /** Authentication headers for the next request (tokens may rotate, so asked per request). */
  headers(): Promise<Record<string, string>>;
}

/** Limits of the fetch transport (defaults from limits.ts). Example: `{ timeoutMs: 5_000 }`. */
export interface FetchKubeHttpOptions {
  readonly timeoutMs?: number;
  readonly responseBytesMax?: number;
  readonly userAgent?: string;
}

/**
 * The User-Agent of the agent's API calls; the API server derives default field managers from it.
 * Example: create/update appear in managedFields as manager "maestro-bun-agent".
 */
export const KUBE_USER_AGENT = "maestro-bun-agent";

/**
 * A KubeHttp over Bun's fetch. One Bun.FetchSession per connection carries the TLS material
 * (CA, client certificate, skip-verify, server name) and the keep-alive pool.
 * Why not the library's own transport: under Bun 1.4.5, @kubernetes/client-node's requests go
 * through Bun's `undici` shim, which ignores the dispatcher that carries the kubeconfig's CA and
 * client certificate, so every cluster with a private CA fails TLS; and KubernetesObjectApi's
 * typed serializer drops fields its models do not know (test/agent/kube/config.test.ts canaries).
 * Example: `const http = createFetchKubeHttp(await loadKubeConnection({ kubeconfigPath }))`.
 */
export function createFetchKubeHttp(connection: KubeConnection, options: FetchKubeHttpOptions = {}): KubeHttp {
  const timeoutMs = options.timeoutMs ?? kubeRequestTimeoutMs;
  const bytesMax = options.responseBytesMax ?? kubeResponseBytesMax;
  const userAgent = options.userAgent ?? KUBE_USER_AGENT;
  assert(timeoutMs > 0, "timeoutMs must be positive");
  assert(bytesMax > 0, "responseBytesMax must be positive");
  const session = new Bun.FetchSession({ tls: connection.tls, proxy: connection.proxy });
  return {
    async send(request) {
      const url = requestUrl(connection.server, request);
      const headers: Record<string, string> = { ...(await connection.headers()), Accept: "application/json", "User-Agent": userAgent };
      if (request.contentType !== undefined) headers["Content-Type"] = request.contentType;
      const signal = AbortSignal.timeout(timeoutMs);
      try {
        // No redirects: an API server never sends one, and following it would hand the bearer token to another host.
        const response = await session.fetch(url, { method: request.method, headers, body: request.body, signal, redirect: "manual" });
        const body = await readBodyCapped(response, bytesMax);
        return { status: response.status, contentType: response.headers.get("content-type") ?? "", body };
      } catch (err) {
        if (err instanceof ClusterError) throw err;
        throw transportError(err, `${request.method} ${request.path}`, timeoutMs);
      }
    },
    close() {
      session.close();
    },
  };
}

/**
 * The absolute URL of a request: server (with any path prefix) + path + query in the given order.
 * Example: `requestUrl("https://k:6443", { method: "GET", path: "/api/v1" }) === "https://k:6443/api/v1"`.
 */
export function requestUrl(server: string, request: KubeRequest): string {
  assert(request.path.startsWith("/"), "a request path is absolute");
  const base = server.endsWith("/") ? server.slice(0, -1) : server;
  const query = request.query ?? [];
  if (query.length === 0) return base + request.path;
  return `${base}${request.path}?${new URLSearchParams(query.map(([k, v]): [string, string] => [k, v])).toString()}`;
}
