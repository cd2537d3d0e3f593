// Validation of a bundle's `manifestConfigs` (maestro-wire.md 2.4): resource identifiers,
// feedback rules, update strategies, condition rules and scrape types, with field-error paths.

import { isJsonObject } from "./json-input.ts";
import type { FieldError } from "./k8s-validation.ts";
import type { JsonObject, JsonValue } from "./types.ts";

const FEEDBACK_TYPES = ["WellKnownStatus", "JSONPaths"];
const UPDATE_STRATEGY_TYPES = ["Update", "CreateOnly", "ServerSideApply", "ReadOnly"];
const CONDITION_RULE_TYPES = ["WellKnownConditions", "CEL"];
const SCRAPE_TYPES = ["Poll", "Watch"];
const IGNORE_FIELD_CONDITIONS = ["OnSpokePresent", "OnSpokeChange"];

function supported(values: readonly string[]): string {
  return `supported values: ${values.map((v) => JSON.stringify(v)).join(", ")}`;
}

function requireEnum(v: JsonValue | undefined, allowed: readonly string[], path: string, optional: boolean): FieldError[] {
  if (v === undefined || v === null || v === "") {
    return optional ? [] : [{ path, type: "Required", detail: supported(allowed) }];
  }
  if (typeof v === "string" && allowed.includes(v)) return [];
  return [{ path, type: "Unsupported", value: v, detail: supported(allowed) }];
}

function requireText(obj: JsonObject, key: string, path: string): FieldError[] {
  const v = obj[key];
  if (typeof v === "string" && v !== "") return [];
  if (v === undefined || v === null || v === "") return [{ path: `${path}.${key}`, type: "Required", detail: "field not set" }];
  return [{ path: `${path}.${key}`, type: "Invalid", value: v, detail: "must be a string" }];
}

/** A list field that may be absent; returns its items (or none, after recording a type error). */
function objectList(v: JsonValue | undefined, path: string, errs: FieldError[]): [JsonObject, string][] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    errs.push({ path, type: "Invalid", value: v, detail: "must be a list of objects" });
    return [];
  }
  const items: [JsonObject, string][] = [];
  v.forEach((item, i) => {
    if (isJsonObject(item)) items.push([item, `${path}[${i}]`]);
    else errs.push({ path: `${path}[${i}]`, type: "Invalid", value: item, detail: "must be a JSON object" });
  });
  return items;
}

function validateResourceIdentifier(v: JsonValue | undefined, path: string): FieldError[] {
  if (!isJsonObject(v)) return [{ path, type: "Required", detail: "resourceIdentifier with resource and name" }];
  const errs = [...requireText(v, "resource", path), ...requireText(v, "name", path)];
  for (const key of ["group", "namespace"]) {
    const x = v[key];
    if (x !== undefined && x !== null && typeof x !== "string") errs.push({ path: `${path}.${key}`, type: "Invalid", value: x, detail: "must be a string" });
  }
  return errs;
}

function validateFeedbackRules(v: JsonValue | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [rule, rulePath] of objectList(v, path, errs)) {
    errs.push(...requireEnum(rule.type, FEEDBACK_TYPES, `${rulePath}.type`, false));
    for (const [jp, jpPath] of objectList(rule.jsonPaths, `${rulePath}.jsonPaths`, errs)) {
      errs.push(...requireText(jp, "name", jpPath), ...requireText(jp, "path", jpPath));
    }
  }
  return errs;
}

function validateUpdateStrategy(v: JsonValue | undefined, path: string): FieldError[] {
  if (v === undefined || v === null) return [];
  if (!isJsonObject(v)) return [{ path, type: "Invalid", value: v, detail: "must be a JSON object" }];
  const errs = requireEnum(v.type, UPDATE_STRATEGY_TYPES, `${path}.type`, true);
  const ssa = v.serverSideApply;
  if (ssa === undefined || ssa === null) return errs;
  if (!isJsonObject(ssa)) return [...errs, { path: `${path}.serverSideApply`, type: "Invalid", value: ssa, detail: "must be a JSON object" }];
  for (const [f, fPath] of objectList(ssa.ignoreFields, `${path}.serverSideApply.ignoreFields`, errs)) {
    errs.push(...requireEnum(f.condition, IGNORE_FIELD_CONDITIONS, `${fPath}.condition`, true));
  }
  return errs;
}

function validateConditionRules(v: JsonValue | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [rule, rulePath] of objectList(v, path, errs)) {
    errs.push(...requireText(rule, "condition", rulePath));
    errs.push(...requireEnum(rule.type, CONDITION_RULE_TYPES, `${rulePath}.type`, false));
  }
  return errs;
}

/**
 * Checks `manifestConfigs`: each entry needs resourceIdentifier.resource and .name; feedback
 * rule types WellKnownStatus|JSONPaths (JSONPaths entries need name and path); updateStrategy
 * type Update|CreateOnly|ServerSideApply|ReadOnly; condition rules WellKnownConditions|CEL with
 * a condition; feedbackScrapeType Poll|Watch. Returns field errors (empty = valid).
 * Example: `validateManifestConfigs([{ resourceIdentifier: { resource: "deployments", name: "x" } }])` -> [].
 */
export function validateManifestConfigs(v: JsonValue | undefined): FieldError[] {
  const errs: FieldError[] = [];
  for (const [config, path] of objectList(v, "manifestConfigs", errs)) {
    errs.push(...validateResourceIdentifier(config.resourceIdentifier, `${path}.resourceIdentifier`));
    errs.push(...validateFeedbackRules(config.feedbackRules, `${path}.feedbackRules`));
    errs.push(...validateUpdateStrategy(config.updateStrategy, `${path}.updateStrategy`));
    errs.push(...validateConditionRules(config.conditionRules, `${path}.conditionRules`));
    errs.push(...requireEnum(config.feedbackScrapeType, SCRAPE_TYPES, `${path}.feedbackScrapeType`, true));
  }
  return errs;
}
