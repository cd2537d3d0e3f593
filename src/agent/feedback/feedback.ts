// Status feedback of one applied object: the values its feedback rules extract, typed as the OCM
// work agent types them, and its StatusFeedbackSynced condition (ocm statusfeedback/reader.go
// and statuscontroller/availablestatus_controller.go getFeedbackValues).

import { assert } from "../../assert.ts";
import { MaestroError } from "../../errors.ts";
import type { FeedbackRule, FeedbackValue } from "../../cloudevents/manifest-bundle.ts";
import type { JsonObject } from "../../cloudevents/types.ts";
import { goErrorText, newAggregate, type GoError } from "./aggregate.ts";
import { goMarshal, goTypeName, isGoInt, type GoItem } from "./go-values.ts";
import { compileJsonPathCached, JsonPathError } from "./jsonpath.ts";
import { gvkText, wellKnownPaths, type GroupVersionKind } from "./well-known.ts";

/** The kind of the object, as discovery resolved it; `version` defaults to the object's apiVersion. */
export interface FeedbackKind {
  readonly group: string;
  readonly kind: string;
  readonly version?: string;
}

/** Agent settings that shape feedback values. */
export interface FeedbackOptions {
  /** `--max-json-raw-length`: largest JsonRaw value, in UTF-8 bytes of its JSON text. */
  readonly jsonRawBytesMax: number;
  /** OCM's RawFeedbackJsonString feature gate (Maestro turns it on): maps/lists as JsonRaw. Default true. */
  readonly rawFeedbackJsonString?: boolean;
}

/** The StatusFeedbackSynced condition; the caller adds lastTransitionTime and observedGeneration. */
export interface FeedbackSyncedCondition {
  readonly type: "StatusFeedbackSynced";
  readonly status: "True" | "False";
  readonly reason: "StatusFeedbackSynced" | "NoStatusFeedbackSynced" | "StatusFeedbackSyncFailed";
  readonly message: string;
}

/** Values (possibly partial when some paths failed) and the condition. */
export interface StatusFeedbackResult {
  readonly values: FeedbackValue[];
  readonly synced: FeedbackSyncedCondition;
}

const CONDITION_TYPE = "StatusFeedbackSynced";

/**
 * Reads the object's feedback values. No rules: NoStatusFeedbackSynced (True). Any path that
 * fails (bad syntax, index out of range, version mismatch, value too large, unknown kind for
 * WellKnownStatus): StatusFeedbackSyncFailed (False) with OCM's message, and the values of
 * the paths that worked. Otherwise StatusFeedbackSynced (True), even when no path found a value.
 * Example: `statusFeedback(deployment, [{ type: "WellKnownStatus" }], { group: "apps", kind: "Deployment" }, { jsonRawBytesMax: 1 << 20 })`
 * -> `{ values: [{ name: "ReadyReplicas", fieldValue: { type: "Integer", integer: 1 } }, …], synced: { status: "True", reason: "StatusFeedbackSynced", … } }`.
 */
export function statusFeedback(
  object: JsonObject,
  rules: readonly FeedbackRule[] | undefined,
  kind: FeedbackKind,
  options: FeedbackOptions,
): StatusFeedbackResult {
  assert(options.jsonRawBytesMax > 0, "jsonRawBytesMax must be positive");
  const values: FeedbackValue[] = [];
  if (rules === undefined || rules.length === 0) {
    return { values, synced: { type: CONDITION_TYPE, status: "True", reason: "NoStatusFeedbackSynced", message: "" } };
  }
  const gvk: GroupVersionKind = { group: kind.group, kind: kind.kind, version: kind.version ?? apiVersionVersion(object) };
  const errors: GoError[] = [];
  for (const rule of rules) {
    const error = valuesByRule(object, rule, gvk, options, values);
    if (error !== undefined) errors.push(error);
  }
  const error = newAggregate(errors);
  if (error !== undefined) {
    const message = `Sync status feedback failed with error ${goErrorText(error)}`;
    return { values, synced: { type: CONDITION_TYPE, status: "False", reason: "StatusFeedbackSyncFailed", message } };
  }
  return { values, synced: { type: CONDITION_TYPE, status: "True", reason: "StatusFeedbackSynced", message: "" } };
}

/** The version part of `apiVersion` ("apps/v1" -> "v1"), "" when absent or malformed (Go's empty GVK). */
function apiVersionVersion(object: JsonObject): string {
  const apiVersion = object["apiVersion"];
  if (typeof apiVersion !== "string") return "";
  const parts = apiVersion.split("/");
  return parts.length <= 2 ? parts.at(-1)! : "";
}

/** StatusReader.GetValuesByRule: appends the rule's values; returns the rule's aggregate error. */
function valuesByRule(object: JsonObject, rule: FeedbackRule, gvk: GroupVersionKind, options: FeedbackOptions, values: FeedbackValue[]): GoError | undefined {
  const errors: GoError[] = [];
  if (rule.type === "WellKnownStatus") {
    const paths = wellKnownPaths(gvk);
    if (paths.length === 0) return `cannot find the wellknown statuses for resource with gvk ${gvkText(gvk)}`;
    for (const { name, path } of paths) collectValue(object, name, path, options, values, errors);
  } else if (rule.type === "JSONPaths") {
    for (const { name, path, version } of rule.jsonPaths ?? []) {
      if (version !== undefined && version !== "" && version !== gvk.version) {
        errors.push(`version set in the path ${name} is not matched for the related resource`);
        continue;
      }
      collectValue(object, name, path, options, values, errors);
    }
  }
  return newAggregate(errors);
}

function collectValue(object: JsonObject, name: string, path: string, options: FeedbackOptions, values: FeedbackValue[], errors: GoError[]): void {
  const outcome = valueByJsonPath(object, name, path, options);
  if (outcome.error !== undefined) errors.push(outcome.error);
  else if (outcome.value !== undefined) values.push(outcome.value);
}

/** One path's outcome: a value, nothing (both undefined), or OCM's error message. */
export type PathOutcome = { readonly value?: FeedbackValue; readonly error?: undefined } | { readonly value?: undefined; readonly error: string };

/**
 * getValueByJsonPath: the path as OCM evaluates it (`{<path>}`, missing keys allowed), typed
 * by the value's Go type. No value when nothing (or only null) was found.
 * Example: `valueByJsonPath({ status: { phase: "Running" } }, "p", ".status.phase", opts)`
 * -> `{ value: { name: "p", fieldValue: { type: "String", string: "Running" } } }`.
 */
export function valueByJsonPath(object: JsonObject, name: string, path: string, options: FeedbackOptions): PathOutcome {
  let results: GoItem[][];
  try {
    results = compileJsonPathCached(`{${path}}`).findItems(object, { allowMissingKeys: true });
  } catch (err) {
    if (!(err instanceof JsonPathError)) throw err;
    if (err.code === "Syntax") return { error: `failed to parse json path ${path} of ${name} with error: ${err.message}` };
    return { error: `failed to find value for ${name} with error: ${err.message}` };
  }
  const first = results[0];
  if (first === undefined || first.length === 0) return {};
  const raw = options.rawFeedbackJsonString ?? true;
  // With the gate on, several results become one list (only the first node's are kept).
  const value: GoItem | GoItem[] = (results.length === 1 && first.length === 1) || !raw ? first[0]! : first;
  if (value === null) return {};
  return typedValue(name, value, raw, options.jsonRawBytesMax);
}

/** The FieldValue for a value's Go type: int64, string, bool, else JsonRaw (gate on) or an error. */
function typedValue(name: string, value: GoItem | GoItem[], raw: boolean, jsonRawBytesMax: number): PathOutcome {
  if (typeof value === "string") return { value: { name, fieldValue: { type: "String", string: value } } };
  if (typeof value === "boolean") return { value: { name, fieldValue: { type: "Boolean", boolean: value } } };
  if (typeof value === "number" && isGoInt(value)) return { value: { name, fieldValue: { type: "Integer", integer: value } } };
  if (!raw) return { error: `the type ${Array.isArray(value) ? "[]interface {}" : goTypeName(value)} of the value for ${name} is not found` };
  let jsonRaw: string;
  try {
    jsonRaw = goMarshal(value);
  } catch (err) {
    if (!(err instanceof MaestroError)) throw err;
    return { error: `failed to parse the resource to json string for name ${name}: ${err.reason}` };
  }
  if (utf8Length(jsonRaw) > jsonRawBytesMax) {
    return { error: `the length of returned json raw string for name ${name} is larger than the maximum length ${jsonRawBytesMax}` };
  }
  return { value: { name, fieldValue: { type: "JsonRaw", jsonRaw } } };
}

/** Bytes of the UTF-8 encoding, without encoding (Go's len() of the marshaled JSON). */
function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) {
      bytes += 1;
    } else if (c >= 0xd800 && c <= 0xdbff) {
      bytes += 2; // a surrogate pair: 2 code units, 4 bytes
      i++;
    } else {
      bytes += 2;
    }
  }
  return bytes;
}
