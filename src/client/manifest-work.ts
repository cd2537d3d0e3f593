// The ManifestWork type a source works with, and its conversions as sdk-go's source codec and
// Maestro's Go client make them: work -> ManifestBundle / spec CloudEvent, REST ResourceBundle ->
// work, relayed status CloudEvent -> work.

import {
  Ext,
  isJsonObject,
  parseEventType,
  parseManifestBundleStatus,
  readInteger,
  readOptionalString,
  readString,
  stringAttr,
  goJsonMarshal,
  formatTimestampSeconds,
  MANIFEST_BUNDLE_DATA_TYPE_NAME,
  formatEventDataType,
  workStatusHash,
  type CloudEvent,
  type Condition,
  type DeleteOption,
  type JsonObject,
  type Manifest,
  type ManifestBundle,
  type ManifestBundleStatusWithSpec,
  type ManifestCondition,
  type ManifestConfigOption,
  type Timestamp,
} from "../cloudevents/mod.ts";
import { objectMetaFromJson, objectMetaJson, type ObjectMeta } from "./object-meta.ts";
import type { ResourceBundle } from "./rest-types.ts";
import { newSourceEvent } from "./source-events.ts";

/** `apiVersion` of a ManifestWork. */
export const MANIFEST_WORK_API_VERSION = "work.open-cluster-management.io/v1";
/** `kind` of a ManifestWork. */
export const MANIFEST_WORK_KIND = "ManifestWork";
/** Annotation that overrides the version a source publishes (sdk-go CloudEventsResourceVersionAnnotationKey). */
export const RESOURCE_VERSION_ANNOTATION = "cloudevents.open-cluster-management.io/resourceversion";
/** Annotation the source codec sets on works decoded from status events: the status sequence id. */
export const SEQUENCE_ID_ANNOTATION = "cloudevents.open-cluster-management.io/sequenceid";
/** Annotations with this prefix travel in the `logtracing` extension. */
export const LOG_TRACING_PREFIX = "logging.open-cluster-management.io/";
/** The work condition an agent sets when it has removed the manifests (sdk-go ResourceDeleted). */
export const DELETED_CONDITION = "Deleted";

/** work/v1 ManifestWorkSpec. `executor` travels as `executer` in the bundle. */
export interface ManifestWorkSpec {
  workload: { manifests: Manifest[] };
  deleteOption?: DeleteOption;
  manifestConfigs?: ManifestConfigOption[];
  executor?: JsonObject;
}

/** work/v1 ManifestWorkStatus. */
export interface ManifestWorkStatus {
  conditions?: Condition[];
  resourceStatus?: { manifests?: ManifestCondition[] };
}

/**
 * A ManifestWork (work.open-cluster-management.io/v1).
 * Example: `{ apiVersion: MANIFEST_WORK_API_VERSION, kind: "ManifestWork", metadata: { name: "w1" },
 *  spec: { workload: { manifests: [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "default" } }] } } }`.
 */
export interface ManifestWork {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec: ManifestWorkSpec;
  status?: ManifestWorkStatus;
}

/** The spec actions a source publishes. */
export type SpecAction = "create_request" | "update_request" | "delete_request";

/**
 * The ManifestBundle of a work's spec: manifests, then deleteOption, manifestConfigs (omitted
 * when empty, as Go's omitempty does) and executer.
 * Example: `manifestWorkToBundle(work).manifests.length` -> 1.
 */
export function manifestWorkToBundle(work: ManifestWork): ManifestBundle {
  const bundle: ManifestBundle = { manifests: work.spec.workload.manifests ?? [] };
  if (work.spec.deleteOption !== undefined && work.spec.deleteOption !== null) bundle.deleteOption = work.spec.deleteOption;
  const configs = work.spec.manifestConfigs;
  if (configs !== undefined && configs !== null && configs.length > 0) bundle.manifestConfigs = configs;
  if (work.spec.executor !== undefined && work.spec.executor !== null) bundle.executer = work.spec.executor;
  return bundle;
}

const GO_HTML = /[<>&\u2028\u2029]/g;
const GO_ESCAPES: Readonly<Record<string, string>> = { "<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029" };
const utf8 = new TextEncoder();

/**
 * The spec data bytes: compact JSON in the bundle's key order (Go keeps raw manifests as given)
 * with Go's HTML escaping (those characters only occur inside string literals).
 * Example: `new TextDecoder().decode(encodeManifestBundle({ manifests: [] }))` -> `{"manifests":[]}`.
 */
export function encodeManifestBundle(bundle: ManifestBundle): Uint8Array {
  return utf8.encode(JSON.stringify(bundle).replace(GO_HTML, (c) => GO_ESCAPES[c]!));
}

/**
 * The version a spec event carries: the work's generation, or else its resourceVersion as an
 * integer (sdk-go codec). Throws TypeError when neither is usable.
 * Example: `specResourceVersion({ metadata: { resourceVersion: "0" }, spec })` -> 0.
 */
export function specResourceVersion(work: ManifestWork): number {
  const generation = work.metadata.generation ?? 0;
  if (generation !== 0) return generation;
  const text = work.metadata.resourceVersion ?? "";
  if (!/^[+-]?\d+$/.test(text)) throw new TypeError(`failed to convert resource version ${text} to int`);
  return Number(text);
}

/**
 * The resourceVersion the Go client gives a work it publishes: the resourceversion annotation,
 * else the work's own resourceVersion, else "0" (the source does not track versions).
 * Example: `publishedResourceVersion({ metadata: {}, spec })` -> "0".
 */
export function publishedResourceVersion(work: ManifestWork): string {
  const annotated = work.metadata.annotations?.[RESOURCE_VERSION_ANNOTATION];
  if (annotated !== undefined) return annotated;
  return work.metadata.resourceVersion || "0";
}

/** The `logtracing` value: the work's logging annotations as a sorted JSON object ("{}" when none). */
function logTracing(meta: ObjectMeta): string {
  const tracing: Record<string, string> = {};
  for (const [k, v] of Object.entries(meta.annotations ?? {})) if (k.startsWith(LOG_TRACING_PREFIX)) tracing[k] = v;
  return goJsonMarshal(tracing);
}

/** Options of manifestWorkToSpecEvent. */
export interface SpecEventOptions {
  readonly sourceId: string;
  readonly action: SpecAction;
  /** For deletes: the deletion time (extension with full precision, metadata in seconds). */
  readonly deletionTimestamp?: Timestamp;
  readonly id?: string;
  readonly time?: Timestamp;
}

/**
 * The spec CloudEvent sdk-go's ManifestBundleCodec encodes for a work: clustername = namespace,
 * resourceid = uid, resourceversion = specResourceVersion, metadata = Go JSON of the ObjectMeta,
 * logtracing; data = the ManifestBundle, or no data (and a deletiontimestamp) when deleting.
 * Example: `manifestWorkToSpecEvent(work, { sourceId: "s1", action: "create_request" }).type`
 * -> "io.open-cluster-management.works.v1alpha1.manifestbundles.spec.create_request".
 */
export function manifestWorkToSpecEvent(work: ManifestWork, options: SpecEventOptions): CloudEvent {
  const deleting = options.deletionTimestamp;
  const meta: ObjectMeta = deleting === undefined ? work.metadata : { ...work.metadata, deletionTimestamp: formatTimestampSeconds(deleting) };
  return newSourceEvent({
    sourceId: options.sourceId,
    subResource: "spec",
    action: options.action,
    clusterName: meta.namespace ?? "",
    resourceId: meta.uid ?? "",
    resourceVersion: specResourceVersion(work),
    deletionTimestamp: deleting,
    extensions: { [Ext.metadata]: stringAttr(objectMetaJson(meta)), [Ext.logTracing]: stringAttr(logTracing(meta)) },
    data: deleting === undefined ? encodeManifestBundle(manifestWorkToBundle(work)) : undefined,
    id: options.id,
    time: options.time,
  });
}

/**
 * Maestro's Go client ToManifestWork: metadata from the bundle, resourceVersion and generation
 * = the bundle version, spec from manifests/delete_option/manifest_configs, status from the
 * last agent status. Throws TypeError on malformed input.
 * Example: `manifestWorkFromResourceBundle(rb).metadata.generation` -> rb.version.
 */
export function manifestWorkFromResourceBundle(rb: ResourceBundle): ManifestWork {
  const metadata = { ...objectMetaFromJson(rb.metadata), resourceVersion: String(rb.version), generation: rb.version };
  if (!Array.isArray(rb.manifests) || !rb.manifests.every(isJsonObject)) throw new TypeError("manifests must be a list of objects");
  const spec: ManifestWorkSpec = { workload: { manifests: rb.manifests as Manifest[] } };
  if (isJsonObject(rb.delete_option) && Object.keys(rb.delete_option).length > 0) {
    spec.deleteOption = rb.delete_option as unknown as DeleteOption;
  }
  spec.manifestConfigs = (Array.isArray(rb.manifest_configs) ? rb.manifest_configs : []) as unknown as ManifestConfigOption[];
  const work: ManifestWork = { apiVersion: MANIFEST_WORK_API_VERSION, kind: MANIFEST_WORK_KIND, metadata, spec };
  const status = rb.status;
  if (status !== undefined && status !== null && Object.keys(status).length > 0) {
    work.status = workStatus(status.conditions, status.resourceStatus);
  }
  return work;
}

function workStatus(conditions: Condition[] | null | undefined, manifests: ManifestCondition[] | null | undefined): ManifestWorkStatus {
  const status: ManifestWorkStatus = { resourceStatus: {} };
  if (conditions !== undefined && conditions !== null) status.conditions = conditions;
  if (manifests !== undefined && manifests !== null) status.resourceStatus = { manifests };
  return status;
}

/**
 * True for a relayed status event of the manifestbundles data type (what sources receive).
 * Example: `isWorkStatusEvent(event)` -> true for `…manifestbundles.status.update_request`.
 */
export function isWorkStatusEvent(event: CloudEvent): boolean {
  try {
    const type = parseEventType(event.type);
    return type.subResource === "status" && type.action !== "resync_request" && formatEventDataType(type.dataType) === MANIFEST_BUNDLE_DATA_TYPE_NAME;
  } catch {
    return false;
  }
}

/**
 * sdk-go's source codec Decode: metadata from the `metadata` extension, uid = resourceid, name
 * defaulting to resourceid, resourceVersion = resourceversion, the sequence id annotation, spec
 * from the relayed manifestBundle, status from conditions/resourceStatus. Throws MaestroError
 * (missing extensions, bad data) or TypeError (bad metadata).
 * Example: `manifestWorkFromStatusEvent(event).status?.conditions?.[0]?.type` -> "Applied".
 */
export function manifestWorkFromStatusEvent(event: CloudEvent): ManifestWork {
  const resourceId = readString(event, Ext.resourceId);
  const resourceVersion = readInteger(event, Ext.resourceVersion);
  const sequenceId = readString(event, Ext.sequenceId);
  const metaText = readOptionalString(event, Ext.metadata);
  const metadata = metaText === undefined ? {} : objectMetaFromJson(JSON.parse(metaText) as JsonObject);
  metadata.uid = resourceId;
  if (!metadata.name) metadata.name = resourceId;
  metadata.resourceVersion = String(resourceVersion);
  metadata.annotations = { ...metadata.annotations, [SEQUENCE_ID_ANNOTATION]: sequenceId };
  const data = event.data === undefined ? { conditions: null } : parseManifestBundleStatus(event.data);
  const bundle = (data as Partial<ManifestBundleStatusWithSpec>).manifestBundle;
  const spec: ManifestWorkSpec = { workload: { manifests: bundle?.manifests ?? [] } };
  if (bundle?.deleteOption !== undefined) spec.deleteOption = bundle.deleteOption;
  if (bundle?.manifestConfigs !== undefined) spec.manifestConfigs = bundle.manifestConfigs;
  if (bundle?.executer !== undefined) spec.executor = bundle.executer;
  return {
    apiVersion: MANIFEST_WORK_API_VERSION,
    kind: MANIFEST_WORK_KIND,
    metadata,
    spec,
    status: workStatus(data.conditions, data.resourceStatus),
  };
}

/**
 * True when the work's `Deleted` condition is True: the agent removed the manifests, and the
 * watch reports the work as DELETED.
 * Example: `isWorkDeleted({ …, status: { conditions: [{ type: "Deleted", status: "True", … }] } })` -> true.
 */
export function isWorkDeleted(work: ManifestWork): boolean {
  return work.status?.conditions?.some((c) => c.type === DELETED_CONDITION && c.status === "True") ?? false;
}

/**
 * sdk-go's status hash of a work (for status resync requests).
 * Example: `manifestWorkStatusHash(work)` -> "6170884280acbd9d…".
 */
export function manifestWorkStatusHash(work: ManifestWork): string {
  return workStatusHash({ conditions: work.status?.conditions ?? null, resourceStatus: work.status?.resourceStatus?.manifests });
}
