// Building REST responses the way Maestro sends them: JSON with Content-Type and
// Vary: Authorization, Maestro's error body, gzip when the client accepts it, CORS headers.

import { promisify } from "node:util";
import { gzip } from "node:zlib";
import { ERROR_TABLE, type MaestroError } from "../errors.ts";
import type { ErrorBody } from "./rest-model.ts";

/** Bodies smaller than this are sent uncompressed even when gzip is accepted: not worth the CPU. */
const gzipBytesMin = 1024;
/**
 * Bodies up to this size are gzipped inline; larger ones on zlib's thread pool, so that a list
 * of megabytes (600 HyperShift bundles are 16 MB) does not stall the event loop that carries
 * the gRPC streams.
 */
const gzipInlineBytesMax = 64 * 1024;
/**
 * zlib level 1: on a 16 MB bundle list, ~4x faster than the default 6 for a body ~1.5x larger
 * (bench/RESULTS.md); JSON of manifests compresses ~10x even so.
 */
const gzipLevel = 1;
const gzipOffThread = promisify(gzip);


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
export function jsonResponse(request: Request, status: number, body: unknown): Promise<Response> {
  return jsonTextResponse(request, status, JSON.stringify(body));
}

/** jsonResponse for a body already serialized (large lists are assembled as text). */
export async function jsonTextResponse(request: Request, status: number, text: string): Promise<Response> {
  if (text.length <= gzipInlineBytesMax || !acceptsGzip(request, text)) return inlineJsonResponse(request, status, text);
  const compressed = await gzipOffThread(Buffer.from(text), { level: gzipLevel });
  return new Response(compressed, { status, headers: gzipHeaders(baseHeaders(request)) });
}

/** A JSON response built on the spot (small bodies: errors, single objects). */
function inlineJsonResponse(request: Request, status: number, text: string): Response {
  const headers = baseHeaders(request);
  if (!acceptsGzip(request, text)) return new Response(text, { status, headers });
  return new Response(Bun.gzipSync(Buffer.from(text), { level: gzipLevel }), { status, headers: gzipHeaders(headers) });
}

function acceptsGzip(request: Request, text: string): boolean {
  return text.length >= gzipBytesMin && /\bgzip\b/.test(request.headers.get("accept-encoding") ?? "");
}

function gzipHeaders(headers: Headers): Headers {
  headers.set("Content-Encoding", "gzip");
  headers.append("Vary", "Accept-Encoding");
  return headers;
}

/** 204 No Content, as Maestro answers deletes. */
export function noContent(request: Request): Response {
  const headers = baseHeaders(request);
  headers.delete("Content-Type");
  return new Response(null, { status: 204, headers });
}

/** The error response for a MaestroError: its HTTP status and Maestro's body. */
export function errorResponse(request: Request, err: MaestroError, operationId: string): Response {
  return inlineJsonResponse(request, ERROR_TABLE[err.code].http, JSON.stringify(errorBody(err, operationId)));
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
