// Reads PostgreSQL error details out of whatever the driver threw (postgres.js errors, PGlite
// errors, or drizzle's DrizzleQueryError wrapping either), so callers map SQLSTATEs in one way.

/** SQLSTATE codes the store maps to Maestro errors. */
export const SqlState = {
  uniqueViolation: "23505",
  foreignKeyViolation: "23503",
  /** PostgreSQL 18 (PGlite) reports ON DELETE RESTRICT with this code; 15 with 23503. */
  restrictViolation: "23001",
  serializationFailure: "40001",
  deadlockDetected: "40P01",
} as const;

interface PgLikeError {
  code?: unknown;
  message?: unknown;
  cause?: unknown;
}

function innermostPgError(err: unknown): PgLikeError | undefined {
  let cur: unknown = err;
  for (let depth = 0; depth < 5 && cur && typeof cur === "object"; depth++) {
    const e = cur as PgLikeError;
    if (typeof e.code === "string" && /^[0-9A-Z]{5}$/.test(e.code)) return e;
    cur = e.cause;
  }
  return undefined;
}

/**
 * The SQLSTATE of a database error, or undefined when err is not one.
 * Example: `if (sqlState(err) === SqlState.uniqueViolation) throw Errors.conflict(...)`.
 */
export function sqlState(err: unknown): string | undefined {
  return innermostPgError(err)?.code as string | undefined;
}

/** The server's message of a database error (e.g. `violates foreign key constraint …`), else the error's own. */
export function sqlMessage(err: unknown): string {
  const pg = innermostPgError(err);
  if (pg && typeof pg.message === "string") return pg.message;
  return err instanceof Error ? err.message : String(err);
}
