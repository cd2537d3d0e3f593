// The one mapper from errors to gRPC statuses at the CloudEvents edges: a MaestroError keeps
// its gRPC code and Maestro's `maestro-<n>: <reason>` text behind Maestro's context prefix
// (`failed to create resource: …`); anything else is an Internal error and is logged.

import { GrpcStatus, MaestroError } from "../errors.ts";

/** A gRPC status for a failed call, in grpc-js's ServiceError shape. */
export interface GrpcFailure {
  readonly code: GrpcStatus;
  readonly details: string;
}

/** The context texts Maestro puts before a failure, per operation. */
export const PublishContext = {
  decode: "failed to convert protobuf to cloudevent",
  decodeSpec: "failed to decode spec event",
  decodeStatus: "failed to decode status event",
  create: "failed to create resource",
  update: "failed to update resource",
  delete: "failed to delete resource",
  status: "failed to update resource status",
  specResync: "failed to resync resources",
  statusResync: "failed to resync resource statuses",
  subscribe: "invalid subscription request",
} as const;

/**
 * Maps an error to the gRPC status sent to the peer.
 * Example: `toGrpcFailure(Errors.conflict("This Resource already exists"), PublishContext.create)`
 * -> `{ code: AlreadyExists, details: "failed to create resource: maestro-6: This Resource already exists" }`.
 */
export function toGrpcFailure(err: unknown, context?: string): GrpcFailure {
  if (err instanceof MaestroError) {
    return { code: err.grpcStatus, details: context ? `${context}: ${err.message}` : err.message };
  }
  const text = err instanceof Error ? err.message : String(err);
  return { code: GrpcStatus.Internal, details: context ? `${context}: ${text}` : text };
}

/**
 * Re-throws `err` with a context prefix kept for the gRPC mapper, so a handler can say which
 * step failed without losing the original code. Example: `catch (e) { throw inContext(e, PublishContext.decode) }`.
 */
export class ContextualError extends Error {
  override readonly name = "ContextualError";
  constructor(
    readonly context: string,
    readonly inner: unknown,
  ) {
    super(`${context}: ${inner instanceof Error ? inner.message : String(inner)}`, { cause: inner });
  }
}

/** Wraps err with a context unless it already carries one. */
export function inContext(err: unknown, context: string): ContextualError {
  return err instanceof ContextualError ? err : new ContextualError(context, err);
}

/** Maps a possibly contextual error to its gRPC status. */
export function grpcFailureOf(err: unknown): GrpcFailure {
  if (err instanceof ContextualError) return toGrpcFailure(err.inner, err.context);
  return toGrpcFailure(err);
}
