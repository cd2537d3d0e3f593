// Sibling-only surface of the simulated cluster (tests of the pure parts import it too): JSON
// tree helpers, field ownership, server-side apply planning, the status simulators and codecs.

export * from "./json-tree.ts";
export * from "./discovery.ts";
export * from "./field-owners.ts";
export * from "./server-side-apply.ts";
export * from "./status-common.ts";
export * from "./status-sim.ts";
export * from "./stored-object.ts";
export * from "./object-codec.ts";
export * from "./custom-kinds.ts";
export * from "./status-ocm.ts";
