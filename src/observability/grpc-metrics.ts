// Maestro's gRPC server metrics for the source port (maestro-wire.md 10.1): calls, processed
// calls by code, durations and messages received, labelled by RPC type and source.

import { Counter, Histogram, type Registry } from "prom-client";

/** The gRPC method a metric is about, as Maestro labels it. */
export type GrpcCallType = "Publish" | "Subscribe";

/** Records the source port's calls. */
export interface GrpcMetrics {
  /** A call arrived (Publish: once decoded, with its event's source; Subscribe: with its source). */
  called(type: GrpcCallType, source: string): void;
  /** A call finished with a gRPC code after `seconds`. */
  processed(type: GrpcCallType, source: string, code: number, seconds: number): void;
  /** Publish responses sent per source, for grpc_server_message_sent_total{type="Publish"}. */
  publishResponsesSent(): Iterable<readonly [string, number]>;
}

/**
 * Registers Maestro's names: grpc_server_called_total{type,source},
 * grpc_server_processed_total{type,source,code}, grpc_server_processed_duration_seconds{type,source},
 * grpc_server_message_received_total{type,source}.
 * Example: `const m = registerGrpcMetrics(registry); m.called("Publish", "my-source");`
 */
export function registerGrpcMetrics(registry: Registry): GrpcMetrics {
  const called = new Counter({ name: "grpc_server_called_total", help: "Total number of RPC requests called on the server.", labelNames: ["type", "source"], registers: [registry] });
  const received = new Counter({ name: "grpc_server_message_received_total", help: "Total number of messages received on the server from agent and client.", labelNames: ["type", "source"], registers: [registry] });
  const processed = new Counter({ name: "grpc_server_processed_total", help: "Total number of RPC requests processed on the server, regardless of success or failure.", labelNames: ["type", "source", "code"], registers: [registry] });
  const duration = new Histogram({ name: "grpc_server_processed_duration_seconds", help: "Histogram of the duration of RPC requests for cloudevents processed on the server.", labelNames: ["type", "source"], registers: [registry] });
  const publishSent = new Map<string, number>();
  return {
    called: (type, source) => {
      called.inc({ type, source });
      received.inc({ type, source });
    },
    processed: (type, source, code, seconds) => {
      processed.inc({ type, source, code: String(code) });
      duration.observe({ type, source }, seconds);
      if (type === "Publish") publishSent.set(source, (publishSent.get(source) ?? 0) + 1);
    },
    publishResponsesSent: () => publishSent.entries(),
  };
}
