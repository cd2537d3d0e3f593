// The REST API application: Elysia routes for consumers, resource bundles and discovery, one
// error mapper to Maestro's error body, 404/405 for unknown paths and methods, CORS preflight,
// and Maestro's REST metrics around every request.

import { Elysia } from "elysia";
import { MaestroError, toMaestroError } from "../errors.ts";
import type { Logger } from "../observability/logger.ts";
import type { ServerMetrics } from "../observability/metrics.ts";
import type { ConsumerRepository } from "../store/consumer-repository.ts";
import { ErrorCode } from "../errors.ts";
import { operationIdOf } from "./operation-id.ts";
import { corsPreflight, errorResponse, jsonResponse, unknownPathBody } from "./responses.ts";
import { matchRoute, routedPath } from "./route-table.ts";
import { consumerRoutes } from "./routes/consumers.ts";
import { metaRoutes } from "./routes/meta.ts";
import { resourceBundleRoutes, type ResourceBundleDeps } from "./routes/resource-bundles.ts";

/** Everything the REST API needs from the rest of the server. */
export interface ApiDeps extends ResourceBundleDeps {
  readonly consumers: ConsumerRepository;
  readonly metrics: ServerMetrics;
  readonly log: Logger;
}

/** A request handler: what Bun.serve's `fetch` and in-process tests call. */
export type FetchHandler = (request: Request) => Promise<Response>;

function unmatched(request: Request): Response | Promise<Response> {
  const path = routedPath(request.url);
  const route = matchRoute(path);
  if (route && request.method !== "OPTIONS") {
    const err = new MaestroError(ErrorCode.NotImplemented, `HTTP method ${request.method} is not implemented for ${path}`);
    const res = errorResponse(request, err, operationIdOf(request));
    res.headers.set("Allow", route.methods.join(", "));
    return res;
  }
  return jsonResponse(request, 404, unknownPathBody(path));
}

/**
 * Builds the API. The returned handler wraps Elysia with metrics and CORS preflight.
 * Example: `const api = createApi(deps); const res = await api(new Request("http://localhost/api/maestro"));`
 */
export function createApi(deps: ApiDeps): FetchHandler {
  const app = new Elysia()
    .onError(({ code, error, request }) => {
      if (code === "NOT_FOUND") return unmatched(request);
      const err = toMaestroError(error);
      if (!(error instanceof MaestroError)) deps.log.error("request failed", { path: routedPath(request.url), error: error as Error });
      else if (err.httpStatus >= 500) deps.log.error("request failed", { path: routedPath(request.url), reason: err.reason });
      return errorResponse(request, err, operationIdOf(request));
    })
    .use(metaRoutes())
    .use(consumerRoutes(deps.consumers))
    .use(resourceBundleRoutes(deps));

  return async (request: Request): Promise<Response> => {
    if (request.method === "OPTIONS" && request.headers.get("access-control-request-method")) return corsPreflight(request);
    const started = performance.now();
    const response = await app.handle(request);
    const route = matchRoute(routedPath(request.url));
    const labels = { method: request.method, path: route?.label ?? "unmatched", code: String(response.status) };
    deps.metrics.restRequestCount.inc(labels);
    deps.metrics.restRequestDuration.observe(labels, (performance.now() - started) / 1000);
    return response;
  };
}
