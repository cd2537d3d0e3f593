// Event builders for tests, shaped like what real Go clients and agents send: a source's spec
// create/update/delete, an agent's status update, and the two resync requests.

import { integerAttr, stringAttr, timeAttr } from "../../src/cloudevents/attributes.ts";
import { manifestBundleEventType } from "../../src/cloudevents/event-type.ts";
import { uuidV4 } from "../../src/cloudevents/ids.ts";
import type { ManifestBundle, ManifestBundleStatus } from "../../src/cloudevents/manifest-bundle.ts";
import { SnowflakeGenerator } from "../../src/cloudevents/snowflake.ts";
import { workStatusHash } from "../../src/cloudevents/status-hash.ts";
import { timestampNow } from "../../src/cloudevents/time.ts";
import { Ext, JSON_CONTENT_TYPE, SPEC_VERSION, type AttributeValue, type CloudEvent } from "../../src/cloudevents/types.ts";

const encoder = new TextEncoder();
const json = (value: unknown) => encoder.encode(JSON.stringify(value));

/** A one-Deployment bundle; `replicas` makes versions distinguishable. */
export function deploymentBundle(name = "nginx", replicas = 1): ManifestBundle {
  return {
    manifests: [
      {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name, namespace: "default" },
        spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image: "nginx" }] } } },
      },
    ],
    deleteOption: { propagationPolicy: "Foreground" },
    manifestConfigs: [
      {
        resourceIdentifier: { group: "apps", resource: "deployments", name, namespace: "default" },
        feedbackRules: [{ type: "JSONPaths", jsonPaths: [{ name: "status", path: ".status" }] }],
        updateStrategy: { type: "ServerSideApply" },
      },
    ],
  };
}

/** A source's spec event (create/update/delete), as Maestro's Go work client builds it. */
export function sourceSpecEvent(opts: {
  action: "create_request" | "update_request" | "delete_request";
  source: string;
  cluster: string;
  id: string;
  version: number;
  bundle?: ManifestBundle;
  labels?: Record<string, string>;
}): CloudEvent {
  const metadata = { name: `work-${opts.id.slice(0, 8)}`, namespace: opts.cluster, uid: opts.id, resourceVersion: "0", labels: opts.labels ?? {} };
  const extensions: Record<string, AttributeValue> = {
    [Ext.clusterName]: stringAttr(opts.cluster),
    [Ext.originalSource]: stringAttr(""),
    [Ext.resourceId]: stringAttr(opts.id),
    [Ext.resourceVersion]: integerAttr(opts.version),
    [Ext.logTracing]: stringAttr("{}"),
    [Ext.metadata]: stringAttr(JSON.stringify(metadata)),
  };
  if (opts.action === "delete_request") extensions[Ext.deletionTimestamp] = timeAttr(timestampNow());
  const event: CloudEvent = {
    specversion: SPEC_VERSION,
    id: uuidV4(),
    source: opts.source,
    type: manifestBundleEventType("spec", opts.action),
    datacontenttype: JSON_CONTENT_TYPE,
    time: timestampNow(),
    extensions,
  };
  return opts.action === "delete_request" ? event : { ...event, data: json(opts.bundle ?? deploymentBundle()) };
}

const sequence = new SnowflakeGenerator(1);

/** An Applied (or Deleted) status as the OCM agent reports it. */
export function appliedStatus(opts: { generation: number; deleted?: boolean; replicas?: number }): ManifestBundleStatus {
  const t = "2025-12-16T06:00:17Z";
  const conditions = [
    { type: "Applied", status: "True" as const, observedGeneration: opts.generation, lastTransitionTime: t, reason: "AppliedManifestWorkComplete", message: "Apply manifest work complete" },
  ];
  if (opts.deleted) conditions.push({ type: "Deleted", status: "True", observedGeneration: opts.generation, lastTransitionTime: t, reason: "ManifestsDeleted", message: "The manifests are deleted from the cluster" });
  return {
    conditions,
    resourceStatus: [
      {
        resourceMeta: { ordinal: 0, group: "apps", version: "v1", kind: "Deployment", resource: "deployments", name: "nginx", namespace: "default" },
        statusFeedback: { values: [{ name: "replicas", fieldValue: { type: "Integer", integer: opts.replicas ?? 1 } }] },
        conditions: [{ type: "Applied", status: "True", lastTransitionTime: t, reason: "AppliedManifestComplete", message: "Apply manifest complete" }],
      },
    ],
  };
}

/** An agent's status.update_request for a spec event it received. */
export function agentStatusEvent(opts: {
  cluster: string;
  id: string;
  version: number;
  status: ManifestBundleStatus;
  sequenceId?: bigint;
  originalSource?: string;
  action?: "update_request" | "resync_response";
}): CloudEvent {
  return {
    specversion: SPEC_VERSION,
    id: uuidV4(),
    source: `${opts.cluster}-work-agent`,
    type: manifestBundleEventType("status", opts.action ?? "update_request"),
    datacontenttype: JSON_CONTENT_TYPE,
    time: timestampNow(),
    extensions: {
      [Ext.clusterName]: stringAttr(opts.cluster),
      [Ext.originalSource]: stringAttr(opts.originalSource ?? "maestro"),
      [Ext.resourceId]: stringAttr(opts.id),
      [Ext.resourceVersion]: integerAttr(opts.version),
      [Ext.sequenceId]: stringAttr(String(opts.sequenceId ?? sequence.next())),
      [Ext.statusHash]: stringAttr(workStatusHash(opts.status)),
      [Ext.logTracing]: stringAttr("{}"),
      [Ext.metadata]: stringAttr(JSON.stringify({ name: opts.id, namespace: opts.cluster })),
    },
    data: json(opts.status),
  };
}

/** The next snowflake sequence id (node 1), for tests that need to order statuses. */
export function nextSequenceId(): bigint {
  return sequence.next();
}

/** An agent's spec.resync_request listing the versions it holds. */
export function specResyncRequest(cluster: string, versions: { resourceID: string; resourceVersion: number }[]): CloudEvent {
  return {
    specversion: SPEC_VERSION,
    id: uuidV4(),
    source: `${cluster}-work-agent`,
    type: manifestBundleEventType("spec", "resync_request"),
    datacontenttype: JSON_CONTENT_TYPE,
    time: timestampNow(),
    extensions: { [Ext.clusterName]: stringAttr(cluster), [Ext.originalSource]: stringAttr("") },
    data: json({ resourceVersions: versions }),
  };
}

/** A source's status.resync_request with the hashes it holds (empty = everything). */
export function statusResyncRequest(source: string, hashes: { resourceID: string; statusHash: string }[]): CloudEvent {
  return {
    specversion: SPEC_VERSION,
    id: uuidV4(),
    source,
    type: manifestBundleEventType("status", "resync_request"),
    datacontenttype: JSON_CONTENT_TYPE,
    time: timestampNow(),
    extensions: { [Ext.clusterName]: stringAttr(""), [Ext.originalSource]: stringAttr("") },
    data: json({ statusHashes: hashes }),
  };
}
