// Assertions for programmer errors: a broken invariant crashes loudly instead of corrupting state.
// Operating errors (bad input, peer gone) are MaestroError in errors.ts, never assertions.

/** Thrown only by assert(); never caught by request handlers' error mappers as a user error. */
export class AssertionError extends Error {
  override readonly name = "AssertionError";
}

/**
 * Checks one condition that must hold if the code is correct.
 * Example: `assert(batch.length <= writeBatchRowsMax, "batch over its cap")`.
 */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError(message);
}
