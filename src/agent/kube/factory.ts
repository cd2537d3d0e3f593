// Builds a KubeClusterClient from a kubeconfig: lazy library import and config loading
// (config.ts), Bun fetch transport (http.ts), discovery-backed client (client.ts).

import { KubeClusterClient } from "./client.ts";
import { loadKubeConnection, type KubeConfigSource } from "./config.ts";
import { createFetchKubeHttp, type FetchKubeHttpOptions } from "./http.ts";

/**
 * Everything createKubeClusterClient takes; all optional (defaults: in-cluster, then $KUBECONFIG, then ~/.kube/config).
 * Example: `{ kubeconfigPath: "/etc/kube/config", timeoutMs: 30_000 }`.
 */
export interface CreateKubeClusterClientOptions extends KubeConfigSource, FetchKubeHttpOptions {
  readonly now?: () => number;
  readonly discoveryMissRefreshMsMin?: number;
}

/**
 * Loads the kubeconfig and returns a client of its current cluster. @kubernetes/client-node is
 * imported here, on first call, never when this module loads. Rejects with ClusterError reason
 * "InvalidKubeconfig" when no usable kubeconfig is found.
 * Example: `const cluster = await createKubeClusterClient({ kubeconfigPath: flags.kubeconfig || undefined })`.
 */
export async function createKubeClusterClient(options: CreateKubeClusterClientOptions = {}): Promise<KubeClusterClient> {
  const connection = await loadKubeConnection(options);
  const http = createFetchKubeHttp(connection, options);
  return new KubeClusterClient({ http, now: options.now, discoveryMissRefreshMsMin: options.discoveryMissRefreshMsMin });
}
