// Error lists as Kubernetes' utilerrors.NewAggregate prints them, so a condition message that
// embeds several feedback errors reads exactly as the OCM agent's does.

/** One error message, or an aggregate of errors (which may nest, as Go's do). */
export type GoError = string | { readonly errors: readonly GoError[] };

/**
 * utilerrors.NewAggregate: undefined for an empty list (Go's nil), else the aggregate.
 * Example: `newAggregate([])` -> undefined; `newAggregate(["a"])` -> `{ errors: ["a"] }`.
 */
export function newAggregate(errors: readonly GoError[]): GoError | undefined {
  return errors.length === 0 ? undefined : { errors };
}

/**
 * `err.Error()`: a single error prints as itself; an aggregate of one prints its member; a
 * larger aggregate flattens nested aggregates, drops repeated messages, and prints `[a, b]`
 * (or just `a` when every message was the same).
 * Example: `goErrorText({ errors: ["x", { errors: ["y", "x"] }] })` -> "[x, y]".
 */
export function goErrorText(error: GoError): string {
  if (typeof error === "string") return error;
  if (error.errors.length === 1) return goErrorText(error.errors[0]!);
  const seen = new Set<string>();
  visit(error, (message) => seen.add(message));
  const messages = [...seen];
  return messages.length === 1 ? messages[0]! : `[${messages.join(", ")}]`;
}

function visit(error: GoError, f: (message: string) => void): void {
  if (typeof error === "string") {
    f(error);
    return;
  }
  for (const member of error.errors) {
    // Go's visit recurses into aggregates but calls f on every other error, whose Error() of a
    // nested single-member aggregate is that member's text: equivalent to recursing here.
    visit(member, f);
  }
}
