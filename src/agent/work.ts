// The agent's model of one ManifestWork and how a spec event becomes one (maestro-wire.md 8):
// name, namespace, generation, bundle, deletion, the spec's source. Decoding is lenient per
// manifest, so one bad manifest is reported on its own instead of failing the whole work. Pure.

import { readOptionalInteger, readOptionalString, readOptionalTime } from "../cloudevents/attributes.ts";
import { parseJsonData } from "../cloudevents/json-codec.ts";
import type { ManifestBundle, ManifestBundleStatus } from "../cloudevents/manifest-bundle.ts";
import { Ext, type CloudEvent, type JsonObject, type JsonValue } from "../cloudevents/types.ts";
import { Errors } from "../errors.ts";
import type { ResourceMapping } from "./cluster-client.ts";

/** An object the agent applied and owns (deleted with the work unless orphaned). */
export interface AppliedResource {
  readonly mapping: ResourceMapping;
  readonly namespace: string;
  readonly name: string;
}

/** One work as the agent holds it. */
export interface AgentWork {
  readonly id: string;
  /** metadata.name of the spec (Maestro sets it to the resource id). */
  readonly name: string;
  /** The cluster name (the work's namespace). */
  readonly namespace: string;
  /** The spec's resourceversion: the work's generation. */
  generation: number;
  bundle: ManifestBundle;
  /** The spec event's metadata, parsed (labels, annotations, uid…). */
  specMetadata: JsonObject;
  /** CE source of the spec event ("maestro"): echoed as the status's originalsource. */
  originalSource: string;
  deleting: boolean;
  /** Objects this work applied, for cleanup and for removal when they leave the bundle. */
  applied: AppliedResource[];
  status: ManifestBundleStatus | undefined;
  /** Hash of the last status the server accepted; a new one is published when it differs. */
  publishedHash: string | undefined;
  /** The status waiting to be sent (only the latest is kept), and whether a send is running. */
  outbox?: StatusToSend | undefined;
  sending?: Promise<void> | undefined;
  /** Hash of the status being sent now. */
  sendingHash?: string | undefined;
}

/** A status queued for the server. */
export interface StatusToSend {
  readonly status: ManifestBundleStatus;
  readonly hash: string;
  readonly action: "update_request" | "resync_response";
}

/** Who a spec event is about. */
export interface SpecIdentity {
  readonly id: string;
  readonly name: string;
  readonly generation: number;
  readonly specMetadata: JsonObject;
  readonly originalSource: string;
}

/**
 * What a spec event asks of the agent. A delete carries the work's identity too: a delete for a
 * work this process never held (it was deleted while the agent was down) is still confirmed.
 */
export type SpecChange =
  | ({ readonly kind: "apply"; readonly bundle: ManifestBundle } & SpecIdentity)
  | ({ readonly kind: "delete" } & SpecIdentity);

function objectOf(value: JsonValue | undefined): JsonObject | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? value : undefined;
}

/**
 * A lenient ManifestBundle: the object's `manifests` (each kept as given, even when invalid,
 * so it can be reported as not applied) and its options. Only a payload that is not an object
 * with a manifests list is refused.
 */
export function lenientBundle(data: Uint8Array | undefined): ManifestBundle {
  const parsed = data ? objectOf(parseJsonData(data)) : undefined;
  if (!parsed || !Array.isArray(parsed.manifests)) throw Errors.validation("the spec data is not a ManifestBundle (no manifests list)");
  return parsed as unknown as ManifestBundle;
}

/**
 * Decodes a spec event for this cluster: an apply (create/update/resync) or a delete.
 * Example: `specChangeOf(event)` → `{ kind: "apply", id, generation: 2, bundle, … }`.
 */
export function specChangeOf(event: CloudEvent): SpecChange {
  const id = readOptionalString(event, Ext.resourceId);
  if (!id) throw Errors.validation("the spec event has no resourceid");
  const generation = readOptionalInteger(event, Ext.resourceVersion) ?? 0;
  let specMetadata: JsonObject = {};
  const meta = readOptionalString(event, Ext.metadata);
  if (meta) {
    try {
      specMetadata = objectOf(JSON.parse(meta) as JsonValue) ?? {};
    } catch {
      throw Errors.validation("the spec event's metadata extension is not JSON");
    }
  }
  const name = typeof specMetadata.name === "string" && specMetadata.name !== "" ? specMetadata.name : id;
  const identity = { id, name, generation, specMetadata, originalSource: event.source };
  if (readOptionalTime(event, Ext.deletionTimestamp) !== undefined) return { kind: "delete", ...identity };
  return { kind: "apply", ...identity, bundle: lenientBundle(event.data) };
}
