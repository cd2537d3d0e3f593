// Reads a REST request body as one JSON object with a size cap and a closed set of keys, turning
// every failure into Maestro's 400 maestro-17 `Invalid request format: …`.

import { Errors } from "../errors.ts";
import type { JsonObject } from "../cloudevents/types.ts";
import { httpBodyBytesMax } from "../limits.ts";

/**
 * Parses the body as a JSON object whose keys are all in `allowedKeys`.
 * Example: `const body = await readJsonObject(request, ["name", "labels"]);`
 */
export async function readJsonObject(request: Request, allowedKeys: readonly string[]): Promise<JsonObject> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > httpBodyBytesMax) throw Errors.malformedRequest(`Unable to read request body: larger than ${httpBodyBytesMax} bytes`);
  let text: string;
  try {
    text = await request.text();
  } catch (err) {
    throw Errors.malformedRequest(`Unable to read request body: ${(err as Error).message}`);
  }
  if (text.length > httpBodyBytesMax) throw Errors.malformedRequest(`Unable to read request body: larger than ${httpBodyBytesMax} bytes`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    const why = text.trim() === "" ? "unexpected end of JSON input" : (err as Error).message;
    throw Errors.malformedRequest(`Invalid request format: ${why}`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw Errors.malformedRequest("Invalid request format: the body must be a JSON object");
  }
  const unknown = Object.keys(parsed).filter((k) => !allowedKeys.includes(k));
  if (unknown.length > 0) {
    throw Errors.malformedRequest(`Invalid request format: unknown field(s) ${unknown.map((k) => JSON.stringify(k)).join(", ")}`);
  }
  return parsed as JsonObject;
}

/** A string-to-string map from a body field, or null when absent/null; anything else is a 400. */
export function optionalStringMap(body: JsonObject, key: string): Record<string, string> | null | undefined {
  const value = body[key];
  if (value === undefined) return undefined;
  if (value === null) return null;
  if (typeof value !== "object" || Array.isArray(value)) {
    throw Errors.malformedRequest(`Invalid request format: ${key} must be an object of strings`);
  }
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== "string") throw Errors.malformedRequest(`Invalid request format: ${key}.${k} must be a string`);
  }
  return value as Record<string, string>;
}

/** A string body field, or undefined when absent/null; anything else is a 400. */
export function optionalString(body: JsonObject, key: string): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw Errors.malformedRequest(`Invalid request format: ${key} must be a string`);
  return value;
}
