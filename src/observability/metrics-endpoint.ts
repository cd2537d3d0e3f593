// The /metrics endpoint on port 8080: the server's Prometheus registry in text format; any other
// path gets Maestro's unknown-path 404 body.

import type { Registry } from "prom-client";
import { unknownPathBody } from "../api/responses.ts";

/**
 * The metrics request handler. Example: `Bun.serve({ port: 8080, fetch: metricsHandler(registry) })`.
 */
export function metricsHandler(registry: Registry): (request: Request) => Promise<Response> {
  return async (request) => {
    const path = new URL(request.url).pathname.replace(/(.)\/$/, "$1");
    if (path !== "/metrics") {
      return new Response(JSON.stringify(unknownPathBody(path)), { status: 404, headers: { "Content-Type": "application/json" } });
    }
    if (request.method !== "GET") return new Response(null, { status: 405, headers: { Allow: "GET" } });
    return new Response(await registry.metrics(), { status: 200, headers: { "Content-Type": registry.contentType } });
  };
}
