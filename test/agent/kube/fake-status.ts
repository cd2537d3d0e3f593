// Kubernetes Status bodies as kube-apiserver writes them (metav1.Status), for the fake server.

import type { JsonObject } from "../../../src/cloudevents/types.ts";

/**
 * A failure Status, with optional details.
 * Example: `status(404, "NotFound", 'configmaps "a" not found', { name: "a", kind: "configmaps" })`.
 */
export function status(code: number, reason: string, message: string, details?: JsonObject): JsonObject {
  const body: JsonObject = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason };
  if (details) body.details = details;
  body.code = code;
  return body;
}

/** The Success Status kube-apiserver answers a completed delete with. */
export function success(details: JsonObject): JsonObject {
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", details };
}
