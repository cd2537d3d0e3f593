// A tiny fake of Maestro's source gRPC port on grpc-js (127.0.0.1, any port): it records every
// Publish and Subscribe and lets the test answer, end or fail each one.

import * as grpc from "@grpc/grpc-js";
import { decodePublishedCloudEvent, decodeSubscriptionRequest, type CloudEvent, type SubscriptionRequest } from "../../src/cloudevents/mod.ts";
import { cloudEventServiceDefinition, SUBSCRIPTION_ID_HEADER } from "../../src/transport/grpc/service-definition.ts";

/** One Subscribe call the fake received. */
export interface ServerStream {
  readonly request: SubscriptionRequest;
  readonly call: grpc.ServerWritableStream<Buffer, Buffer>;
  cancelled: boolean;
}

/** A fake source port: records publishes and streams; the test decides every answer. */
export class FakeSourceServer {
  readonly server = new grpc.Server();
  readonly published: CloudEvent[] = [];
  readonly streams: ServerStream[] = [];
  publishError: Partial<grpc.StatusObject> | undefined;
  sendHeader = true;
  port = 0;

  async start(port = 0): Promise<void> {
    this.server.addService(cloudEventServiceDefinition, {
      Publish: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
        this.published.push(decodePublishedCloudEvent(call.request));
        if (this.publishError) callback(this.publishError as grpc.ServiceError, null);
        else callback(null, Buffer.alloc(0));
      },
      Subscribe: (call: grpc.ServerWritableStream<Buffer, Buffer>) => {
        const stream: ServerStream = { request: decodeSubscriptionRequest(call.request), call, cancelled: false };
        call.on("cancelled", () => (stream.cancelled = true));
        if (this.sendHeader) {
          const md = new grpc.Metadata();
          md.set(SUBSCRIPTION_ID_HEADER, `sub-${this.streams.length + 1}`);
          call.sendMetadata(md);
        }
        this.streams.push(stream);
      },
    });
    this.port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))),
    );
  }

  get last(): ServerStream {
    return this.streams[this.streams.length - 1]!;
  }

  stop(): void {
    this.server.forceShutdown();
  }
}
