// Kubeconfig loading through @kubernetes/client-node (file, inline options, in-cluster, default),
// imported lazily: the library takes ~140 ms to import under Bun and the agent starts in <= 50 ms.

import type { RequestOptions } from "node:https";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { KubeConfig } from "@kubernetes/client-node";
import { assert } from "../../assert.ts";
import { ClusterError } from "../cluster-client.ts";
import type { KubeConnection } from "./http.ts";

/** A cluster entry of an inline kubeconfig (the library's `Cluster` fields the agent honours). Example: `{ name: "c", server: "https://k:6443", caData }`. */
export interface KubeConfigClusterOptions {
  readonly name: string;
  readonly server: string;
  readonly caData?: string;
  readonly caFile?: string;
  readonly skipTLSVerify?: boolean;
  readonly tlsServerName?: string;
  readonly proxyUrl?: string;
}

/** A user entry of an inline kubeconfig; `exec`/`authProvider` are handed to the library as they are. Example: `{ name: "u", token: "…" }`. */
export interface KubeConfigUserOptions {
  readonly name: string;
  readonly token?: string;
  readonly certData?: string;
  readonly certFile?: string;
  readonly keyData?: string;
  readonly keyFile?: string;
  readonly username?: string;
  readonly password?: string;
  readonly impersonateUser?: string;
  readonly exec?: Readonly<Record<string, unknown>>;
  readonly authProvider?: Readonly<Record<string, unknown>>;
}

/** A context entry of an inline kubeconfig. Example: `{ name: "ctx", cluster: "c", user: "u" }`. */
export interface KubeConfigContextOptions {
  readonly name: string;
  readonly cluster: string;
  readonly user: string;
  readonly namespace?: string;
}

/** An inline kubeconfig, as `KubeConfig.loadFromOptions` takes it. Example: `{ clusters, users, contexts, currentContext: "ctx" }`. */
export interface KubeConfigOptions {
  readonly clusters: readonly KubeConfigClusterOptions[];
  readonly users: readonly KubeConfigUserOptions[];
  readonly contexts: readonly KubeConfigContextOptions[];
  readonly currentContext: string;
}

/**
 * Where the cluster credentials come from, first match wins: `kubeconfigPath`, `kubeconfig`
 * (inline), in-cluster (KUBERNETES_SERVICE_HOST/PORT + service account token), `$KUBECONFIG`,
 * `~/.kube/config` (the order of the agent's `--kubeconfig` flag help).
 * Example: `{ kubeconfigPath: "/etc/maestro/kubeconfig" }`.
 */
export interface KubeConfigSource {
  readonly kubeconfigPath?: string;
  readonly kubeconfig?: KubeConfigOptions;
  /** Prefix of the service account files (`<root>/var/run/secrets/kubernetes.io/serviceaccount`); tests only. */
  readonly inClusterRoot?: string;
}

const SERVICE_ACCOUNT_TOKEN = "/var/run/secrets/kubernetes.io/serviceaccount/token";
let importMs: number | undefined;

/**
 * Milliseconds the first dynamic import of @kubernetes/client-node took in this process
 * (undefined until a client is created), for the start-up log.
 * Example: `log.info({ ms: kubeLibraryImportMs() }, "kubernetes client loaded")`.
 */
export function kubeLibraryImportMs(): number | undefined {
  return importMs;
}

/**
 * Loads a kubeconfig and returns how to reach its current cluster; rejects with ClusterError
 * reason "InvalidKubeconfig" (HTTP code 0) when none is found or it cannot be used.
 * Example: `const connection = await loadKubeConnection({ kubeconfigPath: "/etc/kube/config" })`.
 */
export async function loadKubeConnection(source: KubeConfigSource): Promise<KubeConnection> {
  const started = performance.now();
  const k8s = await import("@kubernetes/client-node");
  importMs ??= performance.now() - started;
  const kc = new k8s.KubeConfig();
  try {
    loadInto(kc, source);
    return await connectionOf(kc);
  } catch (err) {
    if (err instanceof ClusterError) throw err;
    throw invalid(err instanceof Error ? err.message : String(err), err);
  }
}

function invalid(message: string, cause?: unknown): ClusterError {
  return new ClusterError("InvalidKubeconfig", 0, `kubeconfig: ${message}`, { cause });
}

function loadInto(kc: KubeConfig, source: KubeConfigSource): void {
  if (source.kubeconfigPath) return kc.loadFromFile(source.kubeconfigPath);
  if (source.kubeconfig) return kc.loadFromOptions(structuredClone(source.kubeconfig));
  const root = source.inClusterRoot ?? "";
  const inCluster = process.env.KUBERNETES_SERVICE_HOST && process.env.KUBERNETES_SERVICE_PORT;
  if (inCluster && existsSync(root + SERVICE_ACCOUNT_TOKEN)) return kc.loadFromCluster(root);
  if (process.env.KUBECONFIG) return kc.loadFromDefault();
  const home = join(homedir(), ".kube", "config");
  if (existsSync(home)) return kc.loadFromFile(home);
  throw invalid("none found: pass --kubeconfig, run in a pod with a service account, or set $KUBECONFIG");
}

/** The server URL, TLS material and proxy of the current cluster, and a per-request header source. */
async function connectionOf(kc: KubeConfig): Promise<KubeConnection> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw invalid(`context ${JSON.stringify(kc.getCurrentContext())} names no cluster`);
  if (!/^https?:\/\//.test(cluster.server)) throw invalid(`cluster server ${JSON.stringify(cluster.server)} is not an http(s) URL`);
  if (cluster.proxyUrl?.startsWith("socks")) throw invalid(`SOCKS proxies are not supported (${cluster.proxyUrl})`);
  // The library resolves CA/cert/key files and data, skip-verify and server name; it also
  // refuses plain http unless insecure-skip-tls-verify is set (its policy, kept).
  const options: RequestOptions = {};
  await kc.applyToHTTPSOptions(options);
  const server = cluster.server.replace(/\/+$/, "");
  return {
    server,
    tls: server.startsWith("https:") ? tlsOf(options) : undefined,
    proxy: cluster.proxyUrl || undefined,
    headers: () => authHeaders(kc),
  };
}

/** Bun fetch TLS options from the library's resolved https options. */
function tlsOf(options: RequestOptions): BunFetchRequestInitTLS {
  const tls: BunFetchRequestInitTLS = {};
  if (options.ca !== undefined) tls.ca = options.ca as BunFetchRequestInitTLS["ca"];
  if (options.cert !== undefined) tls.cert = options.cert as BunFetchRequestInitTLS["cert"];
  if (options.key !== undefined) tls.key = options.key as BunFetchRequestInitTLS["key"];
  if (options.rejectUnauthorized !== undefined) tls.rejectUnauthorized = options.rejectUnauthorized;
  if (options.servername !== undefined) tls.serverName = options.servername;
  return tls;
}

/**
 * Authentication headers for one request, asked of the library each time so rotating
 * service-account tokens and exec-plugin credentials are picked up.
 */
async function authHeaders(kc: KubeConfig): Promise<Record<string, string>> {
  const options: RequestOptions = {};
  await kc.applyToHTTPSOptions(options);
  const headers: Record<string, string> = {};
  const given = options.headers;
  assert(!Array.isArray(given), "the library sets headers as a record");
  for (const [key, value] of Object.entries(given ?? {})) {
    if (value !== undefined) headers[key] = Array.isArray(value) ? value.join(", ") : String(value);
  }
  if (options.auth) headers.Authorization = `Basic ${Buffer.from(options.auth).toString("base64")}`;
  return headers;
}
