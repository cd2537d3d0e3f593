// The server's composition root and lifecycle: open and migrate the store, start the batch
// writer, the event engine (gRPC ports, fanout), the REST API, health and metrics listeners and
// the instance heartbeat; stop them in reverse order so nothing acknowledged is lost.

import type { Server } from "bun";
import { createApi, type FetchHandler } from "../api/app.ts";
import type { ServerConfig } from "../config/server-config.ts";
import { httpBodyBytesMax } from "../limits.ts";
import { healthHandler } from "../observability/health.ts";
import { createLogger, type Logger } from "../observability/logger.ts";
import { metricsHandler } from "../observability/metrics-endpoint.ts";
import { createServerMetrics, registerWriterMetrics, type ServerMetrics } from "../observability/metrics.ts";
import { BatchWriter } from "../store/batch-writer.ts";
import { ConsumerRepository } from "../store/consumer-repository.ts";
import { openDatabase, type Database } from "../store/database.ts";
import { migrateDatabase } from "../store/migrate.ts";
import { ResourceRepository } from "../store/resource-repository.ts";
import type { Delivery } from "./delivery.ts";
import { createEventEngine } from "./event-engine.ts";
import { startInstanceHeartbeat } from "./instance-heartbeat.ts";
import { deleteResource } from "./source-publish.ts";

const log = createLogger("server");

/** A started server: the ports it actually listens on (useful with port 0) and a stop function. */
export interface RunningServer {
  readonly httpPort: number;
  /** Bound gRPC ports; undefined when disabled. */
  readonly grpcPort: number | undefined;
  readonly grpcBrokerPort: number | undefined;
  readonly metricsPort: number;
  readonly healthPort: number;
  readonly db: Database;
  readonly metrics: ServerMetrics;
  /** Stops listening, flushes pending writes, marks the instance unready, closes the store. */
  stop(): Promise<void>;
}

/** Bun's idle timeout is in whole seconds, 1-255. */
function idleTimeoutSeconds(config: ServerConfig): number {
  return Math.min(255, Math.max(1, Math.ceil(Math.max(config.httpReadTimeoutMs, config.httpWriteTimeoutMs) / 1000)));
}

async function openStore(config: ServerConfig): Promise<Database> {
  const target = config.database;
  const db = await openDatabase(target.kind === "postgres" ? { url: target.url, poolMax: target.poolMax } : { dataDir: target.dataDir });
  try {
    await migrateDatabase(db);
  } catch (err) {
    await db.close();
    throw err;
  }
  log.info("store ready", { store: db.kind, ...(target.kind === "pglite" ? { dataDir: target.dataDir ?? "memory" } : {}) });
  return db;
}

/**
 * The REST API over a store: repositories for reads; the soft delete goes through the batch
 * writer and tells the agent, like a gRPC delete_request.
 * Example: `const api = createStoreApi(db, { writer, delivery }, createServerMetrics(), log);`
 */
export function createStoreApi(db: Database, writes: { writer: BatchWriter; delivery: Delivery }, metrics: ServerMetrics, apiLog: Logger): FetchHandler {
  return createApi({
    consumers: new ConsumerRepository(db.orm),
    resources: new ResourceRepository(db.orm),
    softDelete: (id) => deleteResource(writes, id),
    metrics,
    log: apiLog,
  });
}

/**
 * Starts everything `maestro server` runs. Example:
 * `const s = await startServer(serverConfigFromArgs(["--http-server-bindport=0"], {})); await s.stop();`
 */
export async function startServer(config: ServerConfig): Promise<RunningServer> {
  const db = await openStore(config);
  const metrics = createServerMetrics();
  const writer = new BatchWriter(db);
  registerWriterMetrics(metrics.registry, () => writer.stats);
  const heartbeat = await startInstanceHeartbeat(db, config.clientId, config.heartbeatIntervalMs, log.child("instance"));
  const engine = createEventEngine(config, { writer, resources: new ResourceRepository(db.orm), consumers: new ConsumerRepository(db.orm) }, metrics.registry, log.child("events"));
  const api = createStoreApi(db, { writer, delivery: engine.delivery }, metrics, log.child("api"));
  const hostname = config.host === "" ? "0.0.0.0" : config.host;
  const listeners: Server<undefined>[] = [];
  const listen = (port: number, fetch: (r: Request) => Promise<Response>) => {
    const server = Bun.serve({ hostname, port, fetch, maxRequestBodySize: httpBodyBytesMax, idleTimeout: idleTimeoutSeconds(config) });
    listeners.push(server);
    return server.port ?? port;
  };
  const httpPort = listen(config.httpPort, api);
  const metricsPort = listen(config.metricsPort, metricsHandler(metrics.registry));
  const healthPort = listen(config.healthPort, healthHandler(() => heartbeat.readiness()));
  // gRPC last: a client reconnecting after a restart re-lists over REST, which must be up.
  try {
    await engine.listen();
  } catch (err) {
    for (const server of listeners) await server.stop();
    await writer.close();
    await heartbeat.stop();
    await db.close();
    throw err;
  }
  log.info("serving", {
    host: hostname,
    rest: httpPort,
    grpc: engine.sourcePort ?? null,
    grpcBroker: engine.brokerPort ?? null,
    mqtt: config.mqtt?.brokerHost ?? null,
    metrics: metricsPort,
    health: healthPort,
  });

  return {
    httpPort,
    grpcPort: engine.sourcePort,
    grpcBrokerPort: engine.brokerPort,
    metricsPort,
    healthPort,
    db,
    metrics,
    stop: async () => {
      for (const server of listeners) await server.stop();
      // Streams close first; in-flight Publishes get a grace period to commit and answer.
      await engine.stop();
      await writer.close();
      await heartbeat.stop();
      await db.close();
      log.info("stopped");
    },
  };
}
