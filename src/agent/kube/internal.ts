// Sibling-only surface of the Kubernetes client (tests included): pure path, discovery and
// error helpers and the kubeconfig loader, which mod.ts does not publish.

export { parseApiVersion, groupVersionPath, collectionPath, objectPath, type GroupVersion } from "./paths.ts";
export { Discovery, mappingsByKind, parseResourceList, type DiscoveredResource, type DiscoveryOptions, type FetchGroupVersion } from "./discovery.ts";
export { errorFromResponse, transportError, reasonForCode, readBodyCapped } from "./errors.ts";
export { loadKubeConnection } from "./config.ts";
export { requestUrl } from "./http.ts";
export { JSON_CONTENT_TYPE } from "./client.ts";
