// The events an agent publishes (maestro-wire.md 2.2, 3.1, 8.1): status updates with every
// extension the server and sources read, and the spec resync request it sends on connect. Pure.

import { integerAttr, stringAttr } from "../cloudevents/attributes.ts";
import { MANIFEST_BUNDLE_DATA_TYPE_NAME, manifestBundleEventType } from "../cloudevents/event-type.ts";
import { goJsonMarshal } from "../cloudevents/go-json.ts";
import { uuidV4 } from "../cloudevents/ids.ts";
import type { ManifestBundleStatus } from "../cloudevents/manifest-bundle.ts";
import { timestampNow } from "../cloudevents/time.ts";
import { Ext, JSON_CONTENT_TYPE, SPEC_VERSION, type CloudEvent, type JsonObject } from "../cloudevents/types.ts";
import type { AgentWork } from "./work.ts";

const encoder = new TextEncoder();
const ORIGINAL_SOURCE_LABEL = "cloudevents.open-cluster-management.io/originalsource";
const DATA_TYPE_ANNOTATION = "cloudevents.open-cluster-management.io/datatype";
const CLEANUP_FINALIZER = "cluster.open-cluster-management.io/manifest-work-cleanup";

/** The work's ObjectMeta as the OCM agent reports it: the spec's, plus its label, annotation and finalizer. */
export function workMetadata(work: AgentWork): JsonObject {
  const spec = work.specMetadata;
  const labels = { ...((spec.labels as JsonObject | undefined) ?? {}), [ORIGINAL_SOURCE_LABEL]: work.originalSource };
  const annotations = { ...((spec.annotations as JsonObject | undefined) ?? {}), [DATA_TYPE_ANNOTATION]: MANIFEST_BUNDLE_DATA_TYPE_NAME };
  return { ...spec, name: work.name, namespace: work.namespace, uid: work.id, generation: work.generation, labels, annotations, finalizers: [CLEANUP_FINALIZER] };
}

/**
 * A status event for the server. `action` is update_request normally, resync_response when
 * re-sending after a reconnect.
 * Example: `statusEvent(work, status, hash, { agentId: "c1-work-agent", sequenceId: gen.next() })`.
 */
export function statusEvent(
  work: AgentWork,
  status: ManifestBundleStatus,
  statusHash: string,
  options: { agentId: string; sequenceId: bigint; action?: "update_request" | "resync_response" },
): CloudEvent {
  return {
    specversion: SPEC_VERSION,
    id: uuidV4(),
    source: options.agentId,
    type: manifestBundleEventType("status", options.action ?? "update_request"),
    datacontenttype: JSON_CONTENT_TYPE,
    time: timestampNow(),
    extensions: {
      [Ext.clusterName]: stringAttr(work.namespace),
      [Ext.originalSource]: stringAttr(work.originalSource),
      [Ext.resourceId]: stringAttr(work.id),
      [Ext.resourceVersion]: integerAttr(work.generation),
      [Ext.sequenceId]: stringAttr(String(options.sequenceId)),
      [Ext.statusHash]: stringAttr(statusHash),
      [Ext.logTracing]: stringAttr("{}"),
      [Ext.metadata]: stringAttr(goJsonMarshal(workMetadata(work))),
    },
    data: encoder.encode(JSON.stringify(status)),
  };
}

/**
 * The spec resync request sent after every (re)subscribe: the versions the agent holds, for
 * all sources (originalsource ""). Example: `specResyncEvent("c1", "c1-work-agent", [{ resourceID, resourceVersion }])`.
 */
export function specResyncEvent(clusterName: string, agentId: string, versions: { resourceID: string; resourceVersion: number }[]): CloudEvent {
  return {
    specversion: SPEC_VERSION,
    id: uuidV4(),
    source: agentId,
    type: manifestBundleEventType("spec", "resync_request"),
    datacontenttype: JSON_CONTENT_TYPE,
    time: timestampNow(),
    extensions: { [Ext.clusterName]: stringAttr(clusterName), [Ext.originalSource]: stringAttr("") },
    data: encoder.encode(JSON.stringify({ resourceVersions: versions })),
  };
}
