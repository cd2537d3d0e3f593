// End to end: the real `maestro server` process on loopback ports, on the store this test run
// uses (PGlite in memory, or PostgreSQL with DATABASE_URL): REST, health, metrics, clean stop.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { storeKind } from "../support/database.ts";
import { startIsolatedServer, type IsolatedServer } from "../support/server-process.ts";

let server: IsolatedServer;
beforeAll(async () => {
  server = await startIsolatedServer(["--heartbeat-interval=1", "--client-id=e2e-instance"]);
});
afterAll(async () => {
  await server.dispose();
});

describe(`maestro server process (${storeKind})`, () => {
  test("answers GET /api/maestro/v1/consumers and creates a consumer", async () => {
    const list = await fetch(`${server.rest}/api/maestro/v1/consumers`);
    expect(list.status).toBe(200);
    expect(((await list.json()) as { kind: string }).kind).toBe("ConsumerList");
    const name = `e2e-${Date.now()}`;
    const created = await fetch(`${server.rest}/api/maestro/v1/consumers`, { method: "POST", body: JSON.stringify({ name }), headers: { "content-type": "application/json" } });
    expect(created.status).toBe(201);
    expect(((await created.json()) as { name: string }).name).toBe(name);
  });

  test("health: /healthcheck ready from the instance row, /livez always ok, Maestro's bodies", async () => {
    const health = await fetch(`${server.health}/healthcheck`);
    expect(health.status).toBe(200);
    expect(await health.text()).toBe('{"status": "ok"}');
    const live = await fetch(`${server.health}/livez`);
    expect(live.status).toBe(200);
    expect(await live.text()).toBe('{"status": "ok"}');
    expect((await fetch(`${server.health}/other`)).status).toBe(404);
  });

  test("metrics: Prometheus text with Maestro's REST metric names; other paths 404", async () => {
    await fetch(`${server.rest}/api/maestro/v1/consumers/missing`);
    const res = await fetch(`${server.metrics}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain("# TYPE rest_api_inbound_request_count counter");
    expect(text).toContain("# TYPE rest_api_inbound_request_duration histogram");
    expect(text).toContain('path="/api/maestro/v1/consumers/-",code="404"');
    expect(text).toContain("process_cpu_user_seconds_total");
    expect(text).toContain("maestro_store_write_flushes_total");
    expect(text).toContain('maestro_store_write_rows_total{outcome="rejected"}');
    expect(text).toContain("maestro_store_write_queue_depth 0");
    const other = await fetch(`${server.metrics}/nope`);
    expect(other.status).toBe(404);
    expect(((await other.json()) as { code: string }).code).toBe("maestro-404");
  });

  test("SIGTERM stops it cleanly with exit code 0", async () => {
    expect(await server.stop("SIGTERM")).toBe(0);
    expect(server.logs.some((l) => l.includes('"msg":"stopped"'))).toBe(true);
  });
});
