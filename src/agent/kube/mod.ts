// Public surface of the Kubernetes cluster client: the factory, the client class and its option
// types. Importing this module does not load @kubernetes/client-node (the factory does, lazily).

export { createKubeClusterClient, type CreateKubeClusterClientOptions } from "./factory.ts";
export { KubeClusterClient, APPLY_PATCH_CONTENT_TYPE, type KubeClusterClientOptions } from "./client.ts";
export {
  kubeLibraryImportMs,
  type KubeConfigSource,
  type KubeConfigOptions,
  type KubeConfigClusterOptions,
  type KubeConfigUserOptions,
  type KubeConfigContextOptions,
} from "./config.ts";
export { createFetchKubeHttp, KUBE_USER_AGENT, type KubeHttp, type KubeRequest, type KubeResponse, type KubeMethod, type KubeConnection } from "./http.ts";
