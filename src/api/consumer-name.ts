// Consumer name rules: a DNS-1123 label, as Maestro checks with Kubernetes'
// ValidateNamespaceName, reported with Kubernetes' message text but as a 400, not Maestro's 500.

import { Errors } from "../errors.ts";

const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dns1123LabelLengthMax = 63;

/**
 * Throws a 400 maestro-8 unless `name` is a valid DNS-1123 label.
 * Example: `validateConsumerName("cluster-1")` passes; `validateConsumerName("Bad_Name")` throws.
 */
export function validateConsumerName(name: string): void {
  const problems: string[] = [];
  if (name.length > dns1123LabelLengthMax) problems.push(`must be no more than ${dns1123LabelLengthMax} characters`);
  if (!dns1123Label.test(name)) {
    problems.push(
      "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
    );
  }
  if (problems.length > 0) {
    throw Errors.validation(problems.map((p) => `consumer.name: Invalid value: ${JSON.stringify(name)}: ${p}`).join(", "));
  }
}
