// One call that wires a source's work client the way Maestro's NewMaestroGRPCSourceWorkClient
// does: a gRPC connection subscribed for the source, a REST client, and the work client on both.

import { sourceSubscribeTimeoutMs } from "../limits.ts";
import { MaestroRestClient, type RestClientOptions } from "./rest-client.ts";
import { SourceConnection, type SourceConnectionOptions } from "./source-connection.ts";
import { SourceWorkClient } from "./work-client.ts";

/** Settings of connectSourceWorkClient. */
export interface ConnectOptions {
  readonly sourceId: string;
  /** host:port of the server's source gRPC port (Maestro default 8090). */
  readonly grpcAddress: string;
  /** Base URL of the REST API (Maestro default http://<host>:8000). */
  readonly restUrl: string;
  readonly rest?: Omit<RestClientOptions, "baseUrl">;
  readonly connection?: Omit<SourceConnectionOptions, "sourceId" | "address" | "transport">;
  /** How long to wait for the first subscription (default limits.sourceSubscribeTimeoutMs). */
  readonly subscribeTimeoutMs?: number;
  readonly onError?: (error: unknown, context: string) => void;
}

/**
 * Connects a source: opens and awaits the Subscribe stream, then returns a work client that owns
 * the connection (close() closes both). Rejects, leaving nothing open, if the stream does not
 * come up in time.
 * Example: `const client = await connectSourceWorkClient({ sourceId: "s1", grpcAddress: "127.0.0.1:8090",
 *  restUrl: "http://127.0.0.1:8000" }); await client.works("cluster1").create(work); client.close();`
 */
export async function connectSourceWorkClient(options: ConnectOptions): Promise<SourceWorkClient> {
  const connection = new SourceConnection({ ...options.connection, sourceId: options.sourceId, address: options.grpcAddress });
  const rest = new MaestroRestClient({ ...options.rest, baseUrl: options.restUrl });
  const client = new SourceWorkClient({ sourceId: options.sourceId, connection, rest, ownsConnection: true, onError: options.onError });
  connection.start();
  try {
    await connection.whenSubscribed(options.subscribeTimeoutMs ?? sourceSubscribeTimeoutMs);
  } catch (err) {
    client.close();
    throw err;
  }
  return client;
}
