// Operating errors (bad input, missing rows, conflicts, storage failures) as one typed class with
// Maestro's service codes, and the single table that maps each code to HTTP and gRPC status.

/** Maestro's service error codes (maestro-wire.md 5.3), numbered as Maestro numbers them. */
export const ErrorCode = {
  InvalidToken: 1,
  Forbidden: 4,
  Conflict: 6,
  NotFound: 7,
  Validation: 8,
  General: 9,
  NotImplemented: 10,
  Unauthorized: 11,
  Unauthenticated: 15,
  MalformedRequest: 17,
  BadRequest: 21,
  FailedToParseSearch: 23,
  DatabaseAdvisoryLock: 26,
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** gRPC status codes used by the edges (numbers of @grpc/grpc-js `status`, kept here so the core has no gRPC import). */
export const GrpcStatus = {
  Unknown: 2,
  InvalidArgument: 3,
  NotFound: 5,
  AlreadyExists: 6,
  PermissionDenied: 7,
  FailedPrecondition: 9,
  Aborted: 10,
  Unimplemented: 12,
  Internal: 13,
  Unavailable: 14,
  Unauthenticated: 16,
} as const;
export type GrpcStatus = (typeof GrpcStatus)[keyof typeof GrpcStatus];

interface ErrorSpec {
  readonly defaultReason: string;
  readonly http: number;
  readonly grpc: GrpcStatus;
}

/**
 * The one status table. Reasons and HTTP codes are Maestro's (`pkg/errors/errors.go`); the gRPC
 * column is ours: Maestro answers every Publish error with Unknown, we give the precise code
 * and keep Maestro's message text, which is what Go clients read.
 */
export const ERROR_TABLE: Readonly<Record<ErrorCode, ErrorSpec>> = {
  1: { defaultReason: "Invalid token provided", http: 403, grpc: GrpcStatus.Unauthenticated },
  4: { defaultReason: "Forbidden to perform this action", http: 403, grpc: GrpcStatus.PermissionDenied },
  6: { defaultReason: "An entity with the specified unique values already exists", http: 409, grpc: GrpcStatus.AlreadyExists },
  7: { defaultReason: "Resource not found", http: 404, grpc: GrpcStatus.NotFound },
  8: { defaultReason: "General validation failure", http: 400, grpc: GrpcStatus.InvalidArgument },
  9: { defaultReason: "Unspecified error", http: 500, grpc: GrpcStatus.Internal },
  10: { defaultReason: "HTTP Method not implemented for this endpoint", http: 405, grpc: GrpcStatus.Unimplemented },
  11: { defaultReason: "Account is unauthorized to perform this action", http: 403, grpc: GrpcStatus.PermissionDenied },
  15: { defaultReason: "Account authentication could not be verified", http: 401, grpc: GrpcStatus.Unauthenticated },
  17: { defaultReason: "Unable to read request body", http: 400, grpc: GrpcStatus.InvalidArgument },
  21: { defaultReason: "Bad request", http: 400, grpc: GrpcStatus.InvalidArgument },
  23: { defaultReason: "Failed to parse search query", http: 400, grpc: GrpcStatus.InvalidArgument },
  26: { defaultReason: "Database advisory lock error", http: 500, grpc: GrpcStatus.Internal },
};

/** Every code in Maestro's order, for `GET /errors`. */
export const ALL_ERROR_CODES: readonly ErrorCode[] = Object.values(ErrorCode);

/**
 * An operating error with a stable Maestro code. `message` is Maestro's `ServiceError.Error()`
 * form, `maestro-<code>: <reason>`, so wrapped texts match what Go clients see.
 * Example: `new MaestroError(ErrorCode.NotFound, "Consumer with id='x' not found")`.
 */
export class MaestroError extends Error {
  override readonly name = "MaestroError";
  readonly code: ErrorCode;
  readonly reason: string;
  /** Overrides the table's gRPC status where the protocol demands another (e.g. FailedPrecondition). */
  readonly grpcOverride: GrpcStatus | undefined;

  constructor(code: ErrorCode, reason?: string, options?: { cause?: unknown; grpc?: GrpcStatus }) {
    const text = reason ?? ERROR_TABLE[code].defaultReason;
    super(`maestro-${code}: ${text}`, { cause: options?.cause });
    this.code = code;
    this.reason = text;
    this.grpcOverride = options?.grpc;
  }

  get httpStatus(): number {
    return ERROR_TABLE[this.code].http;
  }

  get grpcStatus(): GrpcStatus {
    return this.grpcOverride ?? ERROR_TABLE[this.code].grpc;
  }
}

/** Wraps anything thrown into a MaestroError: known ones pass through, the rest become General (500). */
export function toMaestroError(err: unknown): MaestroError {
  if (err instanceof MaestroError) return err;
  const text = err instanceof Error ? err.message : String(err);
  return new MaestroError(ErrorCode.General, text, { cause: err });
}

/** Builders for the errors raised most often, with Maestro's exact reason texts. */
export const Errors = {
  notFound: (reason: string) => new MaestroError(ErrorCode.NotFound, reason),
  conflict: (reason: string) => new MaestroError(ErrorCode.Conflict, reason),
  validation: (reason: string) => new MaestroError(ErrorCode.Validation, reason),
  badRequest: (reason: string) => new MaestroError(ErrorCode.BadRequest, reason),
  malformedRequest: (reason: string) => new MaestroError(ErrorCode.MalformedRequest, reason),
  forbidden: (reason: string) => new MaestroError(ErrorCode.Forbidden, reason),
  general: (reason: string, cause?: unknown) => new MaestroError(ErrorCode.General, reason, { cause }),
  /** Search text Maestro could not parse: 400 maestro-21 `Failed to parse search query: <search>`. */
  searchParse: (search: string, cause?: unknown) =>
    new MaestroError(ErrorCode.BadRequest, `Failed to parse search query: ${search}`, { cause }),
  /** Create of an id or name that exists: 409 maestro-6 (Maestro's `handleCreateError`). */
  resourceAlreadyExists: () => new MaestroError(ErrorCode.Conflict, "This Resource already exists"),
  /** A resource id with no row: 404 maestro-7 (Maestro's `handleGetError`). */
  resourceNotFound: (id: string) => new MaestroError(ErrorCode.NotFound, `Resource with id='${id}' not found`),
  /** A create naming a consumer that does not exist: 404 maestro-7, instead of Maestro's FK 500. */
  consumerNameNotFound: (name: string) =>
    new MaestroError(ErrorCode.NotFound, `Consumer with name='${name}' not found`),
  /** A spec update of a soft-deleted resource: 409 maestro-6 (Maestro's `Update`). */
  resourceUnderDeletion: (id: string) =>
    new MaestroError(ErrorCode.Conflict, `the resource is under deletion, id: ${id}`),
  /** A spec update whose version is not the stored one: 409 maestro-6 (Maestro's `Update`). */
  resourceVersionStale: (latest: number) =>
    new MaestroError(ErrorCode.Conflict, `the resource version is not the latest, the latest version: ${latest}`),
  /** A status whose clustername is not the resource's consumer (Maestro's `handleStatusUpdate` text). */
  statusConsumerMismatch: (consumerName: string, id: string) =>
    new MaestroError(ErrorCode.BadRequest, `unmatched consumer name ${consumerName} for resource ${id}`),
  /** A status sequence id from another snowflake node than the stored one (Maestro's `UpdateStatus`). */
  sequenceNodeMismatch: () =>
    new MaestroError(ErrorCode.General, "Unable to compare sequence IDs: maestro-9: Sequence IDs are not from the same node", {
      grpc: GrpcStatus.FailedPrecondition,
    }),
  /** A status older than the stored one (equal ones are duplicates and accepted as no-ops). */
  statusSequenceOlder: (id: string, given: bigint, stored: bigint) =>
    new MaestroError(ErrorCode.BadRequest, `the status sequence id ${given} of resource ${id} is older than the stored ${stored}`, {
      grpc: GrpcStatus.FailedPrecondition,
    }),
  /** The batch writer's queue is over its row or byte bound: retryable (gRPC Unavailable). */
  writeQueueFull: () =>
    new MaestroError(ErrorCode.General, "the resource write queue is full, retry later", { grpc: GrpcStatus.Unavailable }),
  /** The batch writer is closing or closed (server shutting down): retryable on another instance. */
  writerClosed: () =>
    new MaestroError(ErrorCode.General, "the resource writer is closed", { grpc: GrpcStatus.Unavailable }),
  /** The store could not be reached or the transaction's outcome is unknown: retryable. */
  storeUnavailable: (cause: unknown) =>
    new MaestroError(ErrorCode.General, `Unable to write resources: ${errorText(cause)}`, {
      cause,
      grpc: GrpcStatus.Unavailable,
    }),
} as const;

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
