// Building REST responses the way Maestro sends them: JSON with Content-Type and
// Vary: Authorization, Maestro's error body, gzip when the client accepts it, CORS headers.

import { ERROR_TABLE, type MaestroError } from "../errors.ts";
import type { ErrorBody } from "./rest-model.ts";

/** Bodies smaller than this are sent uncompressed even when gzip is accepted: not worth the CPU. */
const gzipBytesMin = 1024;


/**
 * The body of an API error. Example: `errorBody(Errors.notFound("x"), "op1").code === "maestro-7"`.
 */
export function errorBody(err: MaestroError, operationId: string): ErrorBody {
  return {
    code: `maestro-${err.code}`,
    href: `/api/maestro/v1/errors/${err.code}`,
    id: String(err.code),
    kind: "Error",
    operation_id: operationId,
    reason: err.reason,
  };
}

/** Maestro's body for an unknown path (note `type`, not `kind`, and no operation id). */
export function unknownPathBody(path: string): Record<string, string> {
  return {
    type: "Error",
    id: "404",
    href: "/api/maestro/v1/errors/404",
    code: "maestro-404",
    reason: `The requested resource '${path}' doesn't exist`,
  };
}

function baseHeaders(request: Request): Headers {
  const headers = new Headers({ "Content-Type": "application/json", Vary: "Authorization" });
  if (request.headers.get("origin")) headers.set("Access-Control-Allow-Origin", "*");
  return headers;
}

/**
 * A JSON response, gzip-compressed when the client sent `Accept-Encoding: gzip` and the body is
 * big enough to gain from it. Example: `jsonResponse(request, 200, { kind: "ConsumerList", … })`.
 */
export function jsonResponse(request: Request, status: number, body: unknown): Response {
  const headers = baseHeaders(request);
  const text = JSON.stringify(body);
  const accepts = request.headers.get("accept-encoding") ?? "";
  if (text.length >= gzipBytesMin && /\bgzip\b/.test(accepts)) {
    headers.set("Content-Encoding", "gzip");
    headers.append("Vary", "Accept-Encoding");
    return new Response(Bun.gzipSync(Buffer.from(text)), { status, headers });
  }
  return new Response(text, { status, headers });
}

/** 204 No Content, as Maestro answers deletes. */
export function noContent(request: Request): Response {
  const headers = baseHeaders(request);
  headers.delete("Content-Type");
  return new Response(null, { status: 204, headers });
}

/** The error response for a MaestroError: its HTTP status and Maestro's body. */
export function errorResponse(request: Request, err: MaestroError, operationId: string): Response {
  return jsonResponse(request, ERROR_TABLE[err.code].http, errorBody(err, operationId));
}

/** CORS preflight answer: Maestro allows DELETE/GET/PATCH/POST with Authorization and Content-Type for 600 s. */
export function corsPreflight(request: Request): Response {
  return new Response(null, {
    status: 200,
    headers: {
      "Access-Control-Allow-Origin": "*",
      "Access-Control-Allow-Methods": "DELETE, GET, PATCH, POST",
      "Access-Control-Allow-Headers": "Authorization, Content-Type",
      "Access-Control-Max-Age": "600",
      Vary: request.headers.get("origin") ? "Origin" : "Authorization",
    },
  });
}
