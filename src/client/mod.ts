// Public surface of the TypeScript source client: the gRPC source connection, the REST client,
// the ManifestWork client mirroring Maestro's Go grpcsource client, and their types and errors.

export * from "./errors.ts";
export * from "./backoff.ts";
export * from "./source-events.ts";
export * from "./source-connection.ts";
export type * from "./rest-types.ts";
export * from "./rest-client.ts";
export * from "./object-meta.ts";
export * from "./manifest-work.ts";
export * from "./json-patch.ts";
export * from "./work-patch.ts";
export * from "./label-selector.ts";
export * from "./work-pager.ts";
export * from "./work-validation.ts";
export * from "./watch-hub.ts";
export * from "./work-client.ts";
export * from "./connect.ts";
