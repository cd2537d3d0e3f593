// Consumer name rules: a DNS-1123 label, as Maestro checks with Kubernetes'
// ValidateNamespaceName, reported with Kubernetes' message text but as a 400, not Maestro's 500.

import { aggregateFieldErrors, isDns1123Label } from "../cloudevents/k8s-validation.ts";
import { Errors } from "../errors.ts";

/**
 * Throws a 400 maestro-8 unless `name` is a valid DNS-1123 label.
 * Example: `validateConsumerName("cluster-1")` passes; `validateConsumerName("Bad_Name")` throws.
 */
export function validateConsumerName(name: string): void {
  const problems = isDns1123Label(name);
  if (problems.length === 0) return;
  const errs = problems.map((detail) => ({ path: "consumer.name", type: "Invalid" as const, value: name, detail }));
  throw Errors.validation(aggregateFieldErrors(errs));
}
