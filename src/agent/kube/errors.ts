// The one mapper from Kubernetes API answers to ClusterError: the Status reason and HTTP code
// when the server sent a Status, client-go's reason-per-code table when it did not.

import { assert } from "../../assert.ts";
import { kubeErrorMessageBytesMax } from "../../limits.ts";
import { ClusterError } from "../cluster-client.ts";

/**
 * client-go's reason for an HTTP code when the body carries no Status reason
 * (apimachinery `errors.NewGenericServerResponse`).
 */
const REASON_BY_CODE: Readonly<Record<number, string>> = {
  400: "BadRequest",
  401: "Unauthorized",
  403: "Forbidden",
  404: "NotFound",
  405: "MethodNotAllowed",
  406: "NotAcceptable",
  409: "Conflict",
  410: "Expired",
  413: "RequestEntityTooLarge",
  415: "UnsupportedMediaType",
  422: "Invalid",
  429: "TooManyRequests",
  500: "InternalError",
  503: "ServiceUnavailable",
  504: "Timeout",
};

/**
 * The reason client-go gives an HTTP code: `reasonForCode(409) === "Conflict"`, "Unknown" for codes it does not name.
 * Example: `reasonForCode(422) === "Invalid"`.
 */
export function reasonForCode(httpStatus: number): string {
  return REASON_BY_CODE[httpStatus] ?? (httpStatus >= 500 ? "InternalError" : "Unknown");
}

/** Cuts a message to kubeErrorMessageBytesMax characters so a huge error page cannot bloat statuses. */
function bounded(text: string): string {
  return text.length <= kubeErrorMessageBytesMax ? text : `${text.slice(0, kubeErrorMessageBytesMax)}…`;
}

/**
 * Maps a non-2xx answer to ClusterError: reason and message from a `kind: Status` body, else
 * from the code table and the body text. `what` names the call for messages without a Status.
 * Example: `throw errorFromResponse({ status: 409, contentType: "application/json", body }, "PATCH …")`.
 */
export function errorFromResponse(response: { readonly status: number; readonly body: string }, what: string): ClusterError {
  assert(response.status < 200 || response.status > 299, "only failures become errors");
  const status = statusOf(response.body);
  const reason = status?.reason || reasonForCode(response.status);
  const text = status?.message || response.body.trim() || `HTTP ${response.status}`;
  return new ClusterError(reason, response.status, bounded(`${text}`), { cause: { what, status: response.status } });
}

/** The reason and message of a Kubernetes Status body, if the body is one. */
function statusOf(body: string): { reason: string; message: string } | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return undefined;
  const record = parsed as Record<string, unknown>;
  if (record.kind !== "Status") return undefined;
  const reason = typeof record.reason === "string" ? record.reason : "";
  const message = typeof record.message === "string" ? record.message : "";
  return { reason, message };
}

/**
 * Maps a failure to reach the server (refused, reset, TLS, timeout) to ClusterError with HTTP
 * code 0: reason "Timeout" after `timeoutMs`, else "ServiceUnavailable"; both mean "retry later".
 * Example: `catch (err) { throw transportError(err, "GET /api/v1", 65000) }`.
 */
export function transportError(err: unknown, what: string, timeoutMs: number): ClusterError {
  const name = err instanceof Error ? err.name : "";
  const code = typeof err === "object" && err !== null && "code" in err ? String((err as { code: unknown }).code) : "";
  if (name === "TimeoutError" || name === "AbortError") {
    return new ClusterError("Timeout", 0, `${what}: no answer from the API server within ${timeoutMs} ms`, { cause: err });
  }
  const detail = err instanceof Error ? err.message : String(err);
  return new ClusterError("ServiceUnavailable", 0, bounded(`${what}: ${code ? `${code}: ` : ""}${detail}`), { cause: err });
}

/**
 * Reads a response body as UTF-8 text, refusing more than `bytesMax` bytes (the stream is
 * cancelled, the call fails with reason "InternalError") so one answer cannot exhaust memory.
 * Example: `const text = await readBodyCapped(response, kubeResponseBytesMax)`.
 */
export async function readBodyCapped(response: Response, bytesMax: number): Promise<string> {
  assert(bytesMax > 0, "bytesMax must be positive");
  const declared = Number(response.headers.get("content-length") ?? "0");
  if (declared > bytesMax) {
    await response.body?.cancel();
    throw new ClusterError("InternalError", response.status, `response of ${declared} bytes is over the ${bytesMax}-byte limit`);
  }
  if (!response.body) return "";
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of response.body) {
    total += chunk.byteLength;
    if (total > bytesMax) {
      await response.body.cancel().catch(() => undefined); // The stream may already be locked/closed; the error below is what matters.
      throw new ClusterError("InternalError", response.status, `response body is over the ${bytesMax}-byte limit`);
    }
    chunks.push(chunk);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}
