// Public surface of agent status feedback: Kubernetes JSONPath (compile once, evaluate many) and
// the OCM feedback rules (WellKnownStatus, JSONPaths) with their StatusFeedbackSynced condition.

export {
  clearJsonPathCache,
  compileJsonPath,
  compileJsonPathCached,
  compileJsonPathExpression,
  GoFloat,
  JsonPath,
  JsonPathError,
  jsonPathCacheSize,
  type GoItem,
  type JsonPathErrorCode,
  type JsonPathOptions,
} from "./jsonpath.ts";
export {
  statusFeedback,
  valueByJsonPath,
  type FeedbackKind,
  type FeedbackOptions,
  type FeedbackSyncedCondition,
  type PathOutcome,
  type StatusFeedbackResult,
} from "./feedback.ts";
export { gvkText, wellKnownPaths, type GroupVersionKind, type NamedJsonPath } from "./well-known.ts";
