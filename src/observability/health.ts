// The health endpoints Maestro serves on port 8083: /healthcheck reflects this instance's
// readiness row in the database, /livez only says the process is up.

/** How the health server learns readiness: true/false from the instance row, undefined if missing. */
export type ReadinessProbe = () => Promise<boolean | undefined>;

/** Maestro's exact bodies: a space after the colon and no explicit Content-Type. */
const bodies = {
  ok: '{"status": "ok"}',
  notReady: '{"status": "not ready"}',
  error: '{"status": "error"}',
} as const;

/**
 * The health request handler. `/healthcheck`: 200 ready, 503 not ready, 500 when the instance
 * row is missing or the database cannot be read. `/livez`: always 200.
 * Example: `Bun.serve({ port: 8083, fetch: healthHandler(probe) })`.
 */
export function healthHandler(probe: ReadinessProbe): (request: Request) => Promise<Response> {
  return async (request) => {
    const path = new URL(request.url).pathname.replace(/\/$/, "");
    if (request.method !== "GET") return new Response(null, { status: 405, headers: { Allow: "GET" } });
    if (path === "/livez") return new Response(bodies.ok, { status: 200 });
    if (path !== "/healthcheck") return new Response(null, { status: 404 });
    let ready: boolean | undefined;
    try {
      ready = await probe();
    } catch {
      return new Response(bodies.error, { status: 500 });
    }
    if (ready === undefined) return new Response(bodies.error, { status: 500 });
    return ready ? new Response(bodies.ok, { status: 200 }) : new Response(bodies.notReady, { status: 503 });
  };
}
