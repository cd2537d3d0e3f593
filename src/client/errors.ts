// The source client's operating errors: REST failures with Maestro's error body, Publish failures
// with the server's gRPC status, and ManifestWork errors with Kubernetes StatusError reasons.

import type { ErrorBody } from "../api/rest-model.ts";

/** Maestro's REST error body (maestro-wire.md 5.3). */
export type ApiErrorBody = ErrorBody;

/**
 * A REST call that failed: `status` is the HTTP status (0 when no answer came: network error or
 * timeout), `body` Maestro's error body when the server sent one.
 * Example: `catch (e) { if (e instanceof ApiError && e.status === 404) … e.body?.code === "maestro-7" }`.
 */
export class ApiError extends Error {
  override readonly name = "ApiError";
  readonly status: number;
  readonly body: ApiErrorBody | undefined;
  readonly method: string;
  readonly path: string;

  constructor(options: { status: number; body?: ApiErrorBody; text?: string; method: string; path: string; cause?: unknown }) {
    const what = options.body ? `${options.body.code}: ${options.body.reason}` : (options.text ?? "no response");
    super(`${options.method} ${options.path}: ${options.status === 0 ? "" : `${options.status} `}${what}`, { cause: options.cause });
    this.status = options.status;
    this.body = options.body;
    this.method = options.method;
    this.path = options.path;
  }

  /** Maestro's error code (`maestro-7`), or undefined when the body was not Maestro's. */
  get code(): string | undefined {
    return this.body?.code;
  }

  /** Maestro's reason text, or undefined. */
  get reason(): string | undefined {
    return this.body?.reason;
  }

  /** The operation id the server logged the request under, or undefined. */
  get operationId(): string | undefined {
    return this.body?.operation_id;
  }
}

/**
 * A Publish the server refused (or that never reached it): the gRPC status code and details.
 * Example: `e instanceof PublishError && e.grpcCode === 2 && e.isStaleVersion`.
 */
export class PublishError extends Error {
  override readonly name = "PublishError";
  /** gRPC status code (2 Unknown is what Maestro answers for every service error). */
  readonly grpcCode: number;
  /** The server's status message (Maestro's error text). */
  readonly details: string;

  constructor(grpcCode: number, details: string, cause?: unknown) {
    super(`publish failed (gRPC ${grpcCode}): ${details}`, { cause });
    this.grpcCode = grpcCode;
    this.details = details;
  }

  /** True when the server rejected a spec update as stale (Maestro's exact text). */
  get isStaleVersion(): boolean {
    return this.details.includes("the resource version is not the latest");
  }

  /** True when the server rejected a spec update of a work being deleted (Maestro's exact text). */
  get isUnderDeletion(): boolean {
    return this.details.includes("the resource is under deletion");
  }
}

/** Thrown by operations on a closed connection or client. Example: `await closed.publish(e)` rejects with it. */
export class ClientClosedError extends Error {
  override readonly name = "ClientClosedError";

  constructor(what: string) {
    super(`${what} is closed`);
  }
}

/** Kubernetes StatusError reasons the work client reports, with their HTTP codes. */
export const WorkErrorReason = {
  NotFound: 404,
  AlreadyExists: 409,
  Conflict: 409,
  Invalid: 422,
  BadRequest: 400,
  MethodNotSupported: 405,
  InternalError: 500,
  PublishError: 500,
} as const;
/** One of WorkErrorReason's keys. */
export type WorkErrorReason = keyof typeof WorkErrorReason;

/** The group-resource every work error names, as Kubernetes prints it. */
export const MANIFEST_WORK_RESOURCE = "manifestworks.work.open-cluster-management.io";

/**
 * A ManifestWork operation failed, classified as the Go client's `errors.StatusError` would be.
 * Example: `catch (e) { if (e instanceof WorkError && e.reason === "NotFound") … }`.
 */
export class WorkError extends Error {
  override readonly name = "WorkError";
  readonly reason: WorkErrorReason;
  /** The work's name (empty when the operation had none). */
  readonly workName: string;

  constructor(reason: WorkErrorReason, workName: string, message: string, cause?: unknown) {
    super(message, { cause });
    this.reason = reason;
    this.workName = workName;
  }

  /** The HTTP code of the reason (404, 409, 422, 400, 405 or 500). */
  get httpStatus(): number {
    return WorkErrorReason[this.reason];
  }
}

/** Builders with Kubernetes' message texts. Example: `WorkErrors.notFound("w1").message`. */
export const WorkErrors = {
  notFound: (name: string) => new WorkError("NotFound", name, `${MANIFEST_WORK_RESOURCE} "${name}" not found`),
  alreadyExists: (name: string, cause?: unknown) =>
    new WorkError("AlreadyExists", name, `${MANIFEST_WORK_RESOURCE} "${name}" already exists`, cause),
  conflict: (name: string, detail: string, cause?: unknown) =>
    new WorkError("Conflict", name, `Operation cannot be fulfilled on ${MANIFEST_WORK_RESOURCE} "${name}": ${detail}`, cause),
  invalid: (name: string, detail: string, cause?: unknown) =>
    new WorkError("Invalid", name, `ManifestWork.work.open-cluster-management.io "${name}" is invalid: ${detail}`, cause),
  badRequest: (name: string, detail: string, cause?: unknown) => new WorkError("BadRequest", name, detail, cause),
  internal: (name: string, cause: unknown) =>
    new WorkError("InternalError", name, `Internal error occurred: ${errorText(cause)}`, cause),
  publish: (name: string, cause: unknown) =>
    new WorkError("PublishError", name, `Failed to publish ${MANIFEST_WORK_RESOURCE} "${name}": ${errorText(cause)}`, cause),
} as const;

/** The message of anything thrown. Example: `errorText(new Error("x"))` -> "x". */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Classifies a failed Publish as the work error a caller can act on: Maestro's stale-version or
 * under-deletion text -> Conflict, "already exists" -> AlreadyExists, gRPC NotFound or "not found"
 * -> NotFound, anything else -> PublishError (HTTP 500), which is all Maestro's Go client reports.
 * Example: `publishWorkError("w1", new PublishError(2, "…the resource version is not the latest…")).reason` -> "Conflict".
 */
export function publishWorkError(name: string, err: unknown): WorkError {
  if (!(err instanceof PublishError)) return WorkErrors.publish(name, err);
  // Both are maestro-6 (gRPC AlreadyExists here), so they are told apart by text before the code.
  if (err.isStaleVersion || err.isUnderDeletion) return WorkErrors.conflict(name, err.details, err);
  if (/already exists/i.test(err.details) || err.grpcCode === GRPC_ALREADY_EXISTS) return WorkErrors.alreadyExists(name, err);
  if (err.grpcCode === GRPC_NOT_FOUND || /\bnot found\b/i.test(err.details)) {
    return new WorkError("NotFound", name, `${MANIFEST_WORK_RESOURCE} "${name}" not found: ${err.details}`, err);
  }
  return WorkErrors.publish(name, err);
}

const GRPC_NOT_FOUND = 5;
const GRPC_ALREADY_EXISTS = 6;
