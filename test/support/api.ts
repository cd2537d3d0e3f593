// An in-process REST API over an isolated test database (PGlite, or PostgreSQL with
// DATABASE_URL), with the real batch writer, for route tests that call it like HTTP.

import type { FetchHandler } from "../../src/api/app.ts";
import type { JsonObject } from "../../src/cloudevents/types.ts";
import { createLogger } from "../../src/observability/logger.ts";
import { createServerMetrics, type ServerMetrics } from "../../src/observability/metrics.ts";
import { BatchWriter } from "../../src/store/batch-writer.ts";
import type { Database } from "../../src/store/database.ts";
import { GrpcAgentOutlet } from "../../src/server/agent-outlet.ts";
import { Delivery } from "../../src/server/delivery.ts";
import { createStoreApi } from "../../src/server/server.ts";
import { StreamRegistry } from "../../src/server/streams/mod.ts";
import { openTestDatabase } from "./database.ts";

/** A response with its parsed JSON body (undefined when empty). */
export interface CallResult {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

export interface TestApi {
  db: Database;
  writer: BatchWriter;
  metrics: ServerMetrics;
  handle: FetchHandler;
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<CallResult>;
  /** Row counts of both tables, to prove a rejected request changed nothing. */
  counts(): Promise<{ consumers: number; resources: number }>;
  close(): Promise<void>;
}

/**
 * Opens the API. `body` is sent as given when it is a string (raw bytes tests), else as JSON.
 * Example: `const api = await openTestApi(); const r = await api.call("GET", "/api/maestro");`
 */
export async function openTestApi(): Promise<TestApi> {
  const db = await openTestDatabase();
  const writer = new BatchWriter(db);
  const metrics = createServerMetrics();
  // No agent is connected in REST tests: the delete fanout has an empty registry to go to.
  const delivery = new Delivery(new GrpcAgentOutlet(new StreamRegistry({ kind: "agent" })), new StreamRegistry({ kind: "source" }), "maestro");
  const handle = createStoreApi(db, { writer, delivery }, metrics, createLogger("test-api"));
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const init: RequestInit = { method, headers: { ...headers } };
    if (body !== undefined) {
      init.body = typeof body === "string" ? body : JSON.stringify(body);
      (init.headers as Record<string, string>)["content-type"] ??= "application/json";
    }
    const res = await handle(new Request(`http://localhost${path}`, init));
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, headers: res.headers, body: parsed, text };
  };
  const counts = async () => {
    const rows = await db.query<{ c: number; r: number }>(
      "SELECT (SELECT count(*) FROM consumers)::int AS c, (SELECT count(*) FROM resources)::int AS r",
    );
    return { consumers: Number(rows[0]!.c), resources: Number(rows[0]!.r) };
  };
  return {
    db,
    writer,
    metrics,
    handle,
    call,
    counts,
    close: async () => {
      await writer.close();
      await db.close();
    },
  };
}

/**
 * A stored spec payload as the gRPC path stores it: the source's CloudEvent in structured JSON,
 * `metadata` as an object, `data` the ManifestBundle.
 */
export function specPayload(opts: { id: string; consumer: string; source?: string; labels?: Record<string, string>; replicas?: number }): JsonObject {
  const source = opts.source ?? "mw-client-example";
  return {
    specversion: "1.0",
    id: crypto.randomUUID(),
    source,
    type: "io.open-cluster-management.works.v1alpha1.manifestbundles.spec.create_request",
    datacontenttype: "application/json",
    time: "2025-12-16T06:00:17.771003Z",
    clustername: opts.consumer,
    originalsource: "",
    resourceid: opts.id,
    resourceversion: 0,
    logtracing: "{}",
    metadata: {
      name: `work-${opts.id.slice(0, 8)}`,
      namespace: opts.consumer,
      uid: opts.id,
      resourceVersion: "0",
      labels: opts.labels ?? {},
    },
    data: {
      manifests: [
        {
          apiVersion: "apps/v1",
          kind: "Deployment",
          metadata: { name: "nginx", namespace: "default" },
          spec: { replicas: opts.replicas ?? 1, selector: { matchLabels: { app: "nginx" } } },
        },
      ],
      deleteOption: { propagationPolicy: "Foreground" },
      manifestConfigs: [
        {
          resourceIdentifier: { group: "apps", resource: "deployments", name: "nginx", namespace: "default" },
          feedbackRules: [{ type: "JSONPaths", jsonPaths: [{ name: "status", path: ".status" }] }],
          updateStrategy: { type: "ServerSideApply" },
        },
      ],
    },
  };
}
