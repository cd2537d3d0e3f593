// Public surface of the simulated cluster: the ClusterClient implementation used by the agent's
// simulated mode and load tests, its manual clock, and the read-only discovery table.

export * from "./cluster.ts";
export * from "./manual-clock.ts";
export { builtInMappings } from "./discovery.ts";
export { UPDATE_FIELD_MANAGER, type FieldOperation, type ManagedFieldsEntry } from "./field-owners.ts";
export { CustomKinds } from "./custom-kinds.ts";
