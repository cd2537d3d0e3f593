// Public surface of the pure CloudEvents core: the event model, time and type strings, the
// protobuf and JSON codecs with OCM's mapping, payload validation, status hash and ids.

export * from "./types.ts";
export type * from "./manifest-bundle.ts";
export * from "./time.ts";
export * from "./event-type.ts";
export * from "./base64.ts";
export * from "./proto-wire.ts";
export * from "./proto-codec.ts";
export * from "./proto-encode.ts";
export * from "./ocm-binding.ts";
export * from "./json-codec.ts";
export * from "./go-json.ts";
export * from "./attributes.ts";
export * from "./k8s-validation.ts";
export * from "./json-input.ts";
export * from "./bundle-codec.ts";
export * from "./manifest-configs.ts";
export * from "./status-codec.ts";
export * from "./resync-codec.ts";
export * from "./status-hash.ts";
export * from "./ids.ts";
export * from "./snowflake.ts";
