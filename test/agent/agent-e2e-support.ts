// Helpers of the agent end-to-end tests (real server process + real agent process): the agent
// started for the server's transport; a source that publishes spec events, tracks versions and
// records the statuses relayed to it; REST reads; status accessors.

import { readOptionalInteger, readOptionalString } from "../../src/cloudevents/attributes.ts";
import { parseJsonData } from "../../src/cloudevents/json-codec.ts";
import type { Condition, FeedbackValue, ManifestBundle, ManifestBundleStatus, ManifestConfigOption } from "../../src/cloudevents/manifest-bundle.ts";
import { Ext, type CloudEvent, type JsonObject } from "../../src/cloudevents/types.ts";
import { CloudEventClient } from "../../src/transport/grpc/client.ts";
import { startAgentProcess, type AgentProcess } from "../support/agent-process.ts";
import { sourceSpecEvent } from "../support/events.ts";
import { Recorder, action } from "../support/recorder.ts";
import type { RestartableServer } from "../support/restartable-server.ts";
import { waitFor } from "../support/wait.ts";

/**
 * Starts the agent process for this server: on its gRPC broker port, or through the MQTT broker.
 * Example: `await startAgentFor(server, ["--simulate=1", "--consumer-prefix=c1"])`.
 */
export function startAgentFor(server: RestartableServer, args: readonly string[]): Promise<AgentProcess> {
  return server.mqttConfigYaml === undefined ? startAgentProcess({ broker: server.grpcBroker, args }) : startAgentProcess({ mqttConfigYaml: server.mqttConfigYaml, args });
}

/** Creates a consumer over REST; throws unless 201. */
export async function createConsumer(rest: string, name: string): Promise<void> {
  const res = await fetch(`${rest}/api/maestro/v1/consumers`, { method: "POST", body: JSON.stringify({ name }), headers: { "content-type": "application/json" } });
  if (res.status !== 201) throw new Error(`creating consumer ${name}: ${res.status} ${await res.text()}`);
}

/** GET /resource-bundles/{id}: the HTTP status and the parsed body. */
export async function getBundle(rest: string, id: string): Promise<{ status: number; body: Record<string, any> }> {
  const res = await fetch(`${rest}/api/maestro/v1/resource-bundles/${id}`);
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

/** Every bundle of a consumer (REST list), including those being deleted. */
export async function allBundles(rest: string, consumer: string): Promise<{ id: string; version: number; deleted_at?: string }[]> {
  const search = encodeURIComponent(`consumer_name = '${consumer}'`);
  const res = await fetch(`${rest}/api/maestro/v1/resource-bundles?size=-1&search=${search}`);
  if (!res.ok) throw new Error(`listing bundles: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { items: { id: string; version: number; deleted_at?: string }[] }).items;
}

/** The ids of the bundles of a consumer that are not being deleted. */
export async function liveBundleIds(rest: string, consumer: string): Promise<string[]> {
  return (await allBundles(rest, consumer)).filter((i) => !i.deleted_at).map((i) => i.id).sort();
}

/** A status relayed to a source: the ManifestBundleStatus with the spec's ManifestBundle in front. */
export type RelayedStatus = ManifestBundleStatus & { manifestBundle?: ManifestBundle };

/** The decoded data of a status event. */
export function statusOf(event: CloudEvent): RelayedStatus {
  return parseJsonData(event.data!) as unknown as RelayedStatus;
}

/** A work-level condition. */
export function cond(status: ManifestBundleStatus, type: string): Condition | undefined {
  return status.conditions?.find((c) => c.type === type);
}

/** A condition of the manifest at `ordinal`. */
export function manifestCond(status: ManifestBundleStatus, ordinal: number, type: string): Condition | undefined {
  return status.resourceStatus?.find((r) => r.resourceMeta.ordinal === ordinal)?.conditions.find((c) => c.type === type);
}

/** A feedback value of the manifest at `ordinal`, as its typed value (integer, string, boolean, or the JsonRaw text). */
export function feedback(status: ManifestBundleStatus, ordinal: number, name: string): FeedbackValue["fieldValue"] | undefined {
  return status.resourceStatus?.find((r) => r.resourceMeta.ordinal === ordinal)?.statusFeedback.values?.find((v) => v.name === name)?.fieldValue;
}

/** Whether the manifest at `ordinal` is reported Available=True (it exists on the cluster). */
export function exists(status: ManifestBundleStatus, ordinal: number): boolean | undefined {
  const available = manifestCond(status, ordinal, "Available")?.status;
  return available === undefined ? undefined : available === "True";
}

/**
 * A source on the server's source port: publishes creates/updates/deletes for one cluster,
 * tracks each resource's latest version, and records the statuses relayed to it.
 */
export class E2eSource {
  #client: CloudEventClient;
  #recorder: Recorder;
  readonly #versions = new Map<string, number>();

  private constructor(
    private readonly grpc: string,
    readonly name: string,
    readonly cluster: string,
    client: CloudEventClient,
    recorder: Recorder,
  ) {
    this.#client = client;
    this.#recorder = recorder;
  }

  static async open(grpc: string, name: string, cluster: string): Promise<E2eSource> {
    const client = new CloudEventClient(grpc);
    return new E2eSource(grpc, name, cluster, client, await Recorder.source(client, name));
  }

  get recorder(): Recorder {
    return this.#recorder;
  }

  /** Reconnects (a new client and subscription, e.g. after a server restart). Events recorded so far are kept. */
  async reopen(): Promise<void> {
    const kept = this.#recorder.events;
    this.close();
    this.#client = new CloudEventClient(this.grpc);
    this.#recorder = await waitFor(() => Recorder.source(this.#client, this.name).catch(() => undefined), 20_000, 100);
    this.#recorder.events.unshift(...kept);
  }

  /** Creates a bundle; returns its new id. */
  async create(bundle: ManifestBundle, id: string = crypto.randomUUID()): Promise<string> {
    await this.#client.publish(sourceSpecEvent({ action: "create_request", source: this.name, cluster: this.cluster, id, version: 0, bundle }));
    this.#versions.set(id, 1);
    return id;
  }

  /** Updates a bundle; returns its new version. */
  async update(id: string, bundle: ManifestBundle): Promise<number> {
    const version = this.#versions.get(id);
    if (version === undefined) throw new Error(`unknown bundle ${id}`);
    await this.#client.publish(sourceSpecEvent({ action: "update_request", source: this.name, cluster: this.cluster, id, version, bundle }));
    this.#versions.set(id, version + 1);
    return version + 1;
  }

  async delete(id: string): Promise<void> {
    await this.#client.publish(sourceSpecEvent({ action: "delete_request", source: this.name, cluster: this.cluster, id, version: this.#versions.get(id) ?? 1 }));
  }

  /** The index the next recorded event will have (to wait only for newer events). */
  mark(): number {
    return this.#recorder.events.length;
  }

  /** Status events of one resource recorded so far (from index `from`). */
  statuses(id: string, from = 0): CloudEvent[] {
    return this.#recorder.events.slice(from).filter((e) => readOptionalString(e, Ext.resourceId) === id && action(e).startsWith("status."));
  }

  /** The latest recorded status of a resource. */
  latest(id: string): RelayedStatus | undefined {
    const last = this.statuses(id).at(-1);
    return last ? statusOf(last) : undefined;
  }

  /**
   * Waits for a status of `id` (recorded at index >= `from`) whose data matches `pred` and, when
   * given, whose resourceversion is `version`. Resolves with the decoded status.
   */
  async waitStatus(id: string, pred: (s: RelayedStatus) => boolean, options: { version?: number; from?: number; timeoutMs?: number } = {}): Promise<RelayedStatus> {
    try {
      const event = await waitFor(
        () =>
          this.statuses(id, options.from ?? 0).find(
            (e) => (options.version === undefined || readOptionalInteger(e, Ext.resourceVersion) === options.version) && pred(statusOf(e)),
          ),
        options.timeoutMs ?? 15_000,
      );
      return statusOf(event);
    } catch (err) {
      const seen = this.statuses(id).map((e) => ({ version: readOptionalInteger(e, Ext.resourceVersion), status: statusOf(e) }));
      throw new Error(`${(err as Error).message}; statuses of ${id} so far: ${JSON.stringify(seen.map((s) => ({ version: s.version, conditions: s.status.conditions, resourceStatus: s.status.resourceStatus })))}`);
    }
  }

  close(): void {
    this.#recorder.cancel();
    this.#client.close();
  }
}

/** A namespaced ConfigMap manifest (namespace default). */
export function configMap(name: string, data: Record<string, string> = { k: "1" }): JsonObject {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "default" }, data };
}

/** A one-container Deployment manifest (namespace default). */
export function deployment(name: string, replicas = 1): JsonObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: "default" },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image: "nginx" }] } } },
  };
}

/** A manifestConfig for a ConfigMap (group "", resource configmaps) or another resource. */
export function configOf(resource: { group: string; resource: string }, name: string, extra: Partial<ManifestConfigOption> = {}): ManifestConfigOption {
  return { resourceIdentifier: { group: resource.group, resource: resource.resource, name, namespace: "default" }, ...extra };
}

export const CONFIGMAPS = { group: "", resource: "configmaps" };
export const DEPLOYMENTS = { group: "apps", resource: "deployments" };

/** A JSONPaths feedback rule reading `.data.k` (the value a ConfigMap work writes). */
export const DATA_K = [{ type: "JSONPaths" as const, jsonPaths: [{ name: "k", path: ".data.k" }] }];

/**
 * An observer: a ReadOnly work over ConfigMaps it does not own, reporting each one's existence
 * (Available) and `.data.k`. Ordinal i is names[i].
 */
export function observerBundle(names: readonly string[]): ManifestBundle {
  return {
    manifests: names.map((n) => configMap(n)),
    manifestConfigs: names.map((n) => configOf(CONFIGMAPS, n, { updateStrategy: { type: "ReadOnly" }, feedbackRules: DATA_K })),
  };
}
