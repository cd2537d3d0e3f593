// OpenAPI conformance: real responses of every endpoint, success and error, validated with ajv
// against Maestro's own OpenAPI document (../shared/spec/maestro-openapi.yaml), in a strict
// form where the models' allOf parts are merged and unknown top-level keys are rejected.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import Ajv, { type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { join } from "node:path";
import { parse } from "yaml";
import { openTestApi, specPayload, type TestApi } from "../support/api.ts";
import { storeKind } from "../support/database.ts";

type Schema = Record<string, any>;
const specPath = join(import.meta.dir, "..", "..", "..", "shared", "spec", "maestro-openapi.yaml");
const spec = parse(await Bun.file(specPath).text()) as Schema;
const schemas = spec.components.schemas as Record<string, Schema>;

/** Merges a model's allOf into one object schema with additionalProperties false. */
function strict(name: string): Schema {
  const parts: Schema[] = schemas[name]!.allOf ?? [schemas[name]!];
  const merged: Schema = { type: "object", properties: {}, required: [], additionalProperties: false };
  for (const part of parts) {
    const resolved = part.$ref ? schemas[part.$ref.split("/").pop()!]! : part;
    Object.assign(merged.properties, resolved.properties ?? {});
    merged.required.push(...(resolved.required ?? []));
  }
  for (const [key, prop] of Object.entries(merged.properties as Record<string, Schema>)) {
    if (prop.type === "array" && prop.items?.$ref) merged.properties[key] = { type: "array", items: strict(prop.items.$ref.split("/").pop()!) };
  }
  return merged;
}

const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(spec, "openapi");
const validators: Record<string, { loose: ValidateFunction; strict: ValidateFunction }> = {};
for (const name of ["Consumer", "ConsumerList", "ResourceBundle", "ResourceBundleList", "Error", "ErrorList"]) {
  validators[name] = { loose: ajv.compile({ $ref: `openapi#/components/schemas/${name}` }), strict: ajv.compile(strict(name)) };
}

function conforms(name: string, body: unknown): void {
  const v = validators[name]!;
  const ok = v.loose(body) && v.strict(body);
  if (!ok) throw new Error(`${name} does not conform: ${ajv.errorsText(v.loose.errors ?? v.strict.errors)}\n${JSON.stringify(body).slice(0, 500)}`);
  expect(ok).toBe(true);
}

let api: TestApi;
let consumerId: string;
const bundleId = crypto.randomUUID();

beforeAll(async () => {
  api = await openTestApi();
  consumerId = (await api.call("POST", "/api/maestro/v1/consumers", { name: "conform-1", labels: { a: "b" } })).body.id;
  await api.writer.submit({ kind: "create", id: bundleId, source: "s", consumerName: "conform-1", version: 0, payload: specPayload({ id: bundleId, consumer: "conform-1" }) });
});
afterAll(async () => {
  await api.close();
});

describe(`OpenAPI conformance (${storeKind})`, () => {
  test("the document itself is served as JSON at /openapi", async () => {
    const r = await api.call("GET", "/api/maestro/v1/openapi");
    expect(r.status).toBe(200);
    expect(r.body).toEqual(spec);
  });

  test("consumers: POST 201, GET 200, PATCH 200, list 200, and their errors", async () => {
    conforms("Consumer", (await api.call("POST", "/api/maestro/v1/consumers", { name: "conform-2" })).body);
    conforms("Consumer", (await api.call("GET", `/api/maestro/v1/consumers/${consumerId}`)).body);
    conforms("Consumer", (await api.call("PATCH", `/api/maestro/v1/consumers/${consumerId}`, { labels: { c: "d" } })).body);
    conforms("ConsumerList", (await api.call("GET", "/api/maestro/v1/consumers")).body);
    conforms("ConsumerList", (await api.call("GET", "/api/maestro/v1/consumers?size=0")).body);
    conforms("Error", (await api.call("POST", "/api/maestro/v1/consumers", { name: "conform-2" })).body);
    conforms("Error", (await api.call("POST", "/api/maestro/v1/consumers", "{")).body);
    conforms("Error", (await api.call("GET", "/api/maestro/v1/consumers/missing")).body);
    conforms("Error", (await api.call("PATCH", "/api/maestro/v1/consumers/missing", { labels: {} })).body);
    conforms("Error", (await api.call("DELETE", `/api/maestro/v1/consumers/${consumerId}`)).body);
    conforms("Error", (await api.call("GET", "/api/maestro/v1/consumers?search=bad%20%27")).body);
  });

  test("resource bundles: GET 200, list 200 (with status and deleting), and their errors", async () => {
    conforms("ResourceBundle", (await api.call("GET", `/api/maestro/v1/resource-bundles/${bundleId}`)).body);
    const status = { specversion: "1.0", id: "x", source: "agent", type: "io.open-cluster-management.works.v1alpha1.manifestbundles.status.update_request", resourceversion: 1, sequenceid: "2000808179721572352", data: { conditions: [] } };
    await api.writer.submit({ kind: "status", id: bundleId, consumerName: "conform-1", resourceVersion: 1, sequenceId: 2000808179721572352n, status, deleted: false });
    await api.call("DELETE", `/api/maestro/v1/resource-bundles/${bundleId}`);
    const rb = (await api.call("GET", `/api/maestro/v1/resource-bundles/${bundleId}`)).body;
    expect(rb.status).toBeObject();
    expect(rb.deleted_at).toBeString();
    conforms("ResourceBundle", rb);
    conforms("ResourceBundleList", (await api.call("GET", "/api/maestro/v1/resource-bundles")).body);
    conforms("Error", (await api.call("GET", "/api/maestro/v1/resource-bundles/missing")).body);
    conforms("Error", (await api.call("GET", "/api/maestro/v1/resource-bundles?orderBy=nope")).body);
  });

  test("errors catalogue: list and one entry", async () => {
    conforms("ErrorList", (await api.call("GET", "/api/maestro/v1/errors")).body);
    conforms("Error", (await api.call("GET", "/api/maestro/v1/errors/7")).body);
    conforms("Error", (await api.call("GET", "/api/maestro/v1/errors/999")).body);
  });

  test("the strict check really rejects an unknown key", () => {
    expect(validators.Consumer!.strict({ id: "1", kind: "Consumer", href: "/x", name: "a", colour: "red" })).toBe(false);
  });
});
