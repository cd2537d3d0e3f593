// The grpc-js edge of the fanout: a StreamSink over a server-streaming call. Close reasons map
// to the gRPC status the client sees; write/drain follow grpc-js backpressure (STYLE 18).

import { status, type ServerWritableStream } from "@grpc/grpc-js";
import { asBufferView } from "./frame.ts";
import type { CloseReason, StreamSink } from "./types.ts";

/**
 * The status each close reason ends the call with; null = nothing to send (the client is gone).
 * Example: `grpcStatusOf.SlowConsumerPendingBytes === status.RESOURCE_EXHAUSTED`.
 */
export const grpcStatusOf: Readonly<Record<CloseReason, status | null>> = {
  ClientClosed: null,
  SlowConsumerPendingBytes: status.RESOURCE_EXHAUSTED,
  SlowConsumerPendingCount: status.RESOURCE_EXHAUSTED,
  ShardOverflow: status.RESOURCE_EXHAUSTED,
  WriteDeadline: status.RESOURCE_EXHAUSTED,
  WriteError: status.UNKNOWN,
  ServerShutdown: status.UNAVAILABLE,
  Replaced: status.ABORTED,
};

/**
 * Adapts a grpc-js server-streaming call (pass-through Buffer serializers) to a StreamSink.
 * Ending emits `{ code, details }` as the call's error, which grpc-js sends as the trailing
 * status once the frames it already holds are written.
 * Example: `registry.open(source, grpcSink(call), { id, peer: call.getPeer() })`.
 */
export function grpcSink(call: ServerWritableStream<Buffer, Buffer>): StreamSink {
  let ended = false;
  return {
    // Frames from the registry already are Buffers (one view per frame); asBufferView is a type check then.
    write: (frame) => call.write(asBufferView(frame)),
    onDrain: (listener) => {
      call.once("drain", listener);
    },
    onClose: (listener) => {
      let fired = false;
      const fire = () => {
        if (fired) return;
        fired = true;
        listener();
      };
      call.once("cancelled", fire);
      call.once("close", fire);
      // A client that cancelled before we registered has already emitted "cancelled".
      if (call.cancelled || call.destroyed) fire();
    },
    end: (reason, detail) => {
      if (ended) return;
      ended = true;
      const code = grpcStatusOf[reason];
      if (code === null || call.cancelled) return;
      call.emit("error", { code, details: detail });
    },
  };
}
