// The REST route table as data: each path pattern with its methods and metric label. The router
// (Elysia) dispatches; this table answers what the router cannot: 405 versus 404, and the
// Maestro metric path label with path variables replaced by `-`.

/** Every REST route: a pattern over the path without trailing slash, allowed methods, metric label. */
export const ROUTES: readonly { pattern: RegExp; methods: readonly string[]; label: string }[] = [
  { pattern: /^\/api\/maestro$/, methods: ["GET"], label: "/api/maestro" },
  { pattern: /^\/api\/maestro\/v1$/, methods: ["GET"], label: "/api/maestro/v1" },
  { pattern: /^\/api\/maestro\/v1\/openapi$/, methods: ["GET"], label: "/api/maestro/v1/openapi" },
  { pattern: /^\/api\/maestro\/v1\/errors$/, methods: ["GET"], label: "/api/maestro/v1/errors" },
  { pattern: /^\/api\/maestro\/v1\/errors\/[^/]+$/, methods: ["GET"], label: "/api/maestro/v1/errors/-" },
  { pattern: /^\/api\/maestro\/v1\/consumers$/, methods: ["GET", "POST"], label: "/api/maestro/v1/consumers" },
  { pattern: /^\/api\/maestro\/v1\/consumers\/[^/]+$/, methods: ["GET", "PATCH", "DELETE"], label: "/api/maestro/v1/consumers/-" },
  { pattern: /^\/api\/maestro\/v1\/resource-bundles$/, methods: ["GET"], label: "/api/maestro/v1/resource-bundles" },
  { pattern: /^\/api\/maestro\/v1\/resource-bundles\/[^/]+$/, methods: ["GET", "DELETE"], label: "/api/maestro/v1/resource-bundles/-" },
];

/** The path a request is routed on: Maestro strips one trailing slash. */
export function routedPath(url: string): string {
  const path = new URL(url).pathname;
  return path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
}

/**
 * The route a path belongs to, whatever the method. Example:
 * `matchRoute("/api/maestro/v1/consumers/abc")?.label === "/api/maestro/v1/consumers/-"`.
 */
export function matchRoute(path: string): (typeof ROUTES)[number] | undefined {
  return ROUTES.find((r) => r.pattern.test(path));
}
