// A Subscribe stream that records what arrives, for tests: events, heartbeats, the
// subscription-id header and how the stream ended; plus waits that poll instead of sleeping.

import type { SubscriptionRequest } from "../../src/cloudevents/proto-codec.ts";
import type { CloudEvent } from "../../src/cloudevents/types.ts";
import { Ext } from "../../src/cloudevents/types.ts";
import { readOptionalString } from "../../src/cloudevents/attributes.ts";
import type { CloudEventClient, GrpcCallError, Subscription } from "../../src/transport/grpc/client.ts";
import { waitFor } from "./wait.ts";

export const MANIFEST_BUNDLES = "io.open-cluster-management.works.v1alpha1.manifestbundles";

/** A recording subscription. */
export class Recorder {
  readonly events: CloudEvent[] = [];
  heartbeats = 0;
  header: string | undefined;
  ended: { error: GrpcCallError | undefined } | undefined;
  #subscription: Subscription | undefined;

  /** Subscribes and waits for the subscription-id header. Example: `await Recorder.open(client, { source: "s1", clusterName: "", dataType: MANIFEST_BUNDLES })`. */
  static async open(client: CloudEventClient, request: SubscriptionRequest): Promise<Recorder> {
    const r = new Recorder();
    let headerSeen = false;
    r.#subscription = client.subscribe(request, {
      onHeader: (id) => {
        r.header = id;
        headerSeen = true;
      },
      onEvent: (e) => r.events.push(e),
      onHeartbeat: () => r.heartbeats++,
      onEnd: (error) => (r.ended = { error }),
    });
    await waitFor(() => headerSeen || r.ended !== undefined, 10_000);
    if (!headerSeen) throw new Error(`subscription ended before its header: ${r.ended?.error?.details ?? "OK"}`);
    return r;
  }

  /** Subscribes as an agent of `cluster` on the broker port. */
  static agent(client: CloudEventClient, cluster: string): Promise<Recorder> {
    return Recorder.open(client, { source: "", clusterName: cluster, dataType: MANIFEST_BUNDLES });
  }

  /** Subscribes as source `source` on the source port. */
  static source(client: CloudEventClient, source: string): Promise<Recorder> {
    return Recorder.open(client, { source, clusterName: "", dataType: MANIFEST_BUNDLES });
  }

  /** Waits for the first recorded event (from index `from`) matching pred. */
  waitFor(pred: (e: CloudEvent) => boolean, timeoutMs = 10_000, from = 0): Promise<CloudEvent> {
    return waitFor(() => this.events.slice(from).find(pred), timeoutMs);
  }

  /** Events about one resource id. */
  about(id: string): CloudEvent[] {
    return this.events.filter((e) => readOptionalString(e, Ext.resourceId) === id);
  }

  cancel(): void {
    this.#subscription?.cancel();
  }
}

/** The type suffix of an event: `spec.create_request`, `status.update_request`… */
export function action(e: CloudEvent): string {
  return e.type.split(".").slice(-2).join(".");
}
