// The ClusterErrors a simulated cluster raises, with the reasons, HTTP codes and message texts
// the Kubernetes API server uses, so agent code sees the same failures as against a real cluster.

import { ClusterError, type ResourceMapping } from "../cluster-client.ts";
import { qualifiedResource } from "./discovery.ts";

type Named = Pick<ResourceMapping, "group" | "resource">;

/**
 * The object does not exist. Example: `notFound(deployments, "web").message` -> 'deployments.apps "web" not found'.
 */
export function notFound(mapping: Named, name: string): ClusterError {
  return new ClusterError("NotFound", 404, `${qualifiedResource(mapping)} "${name}" not found`);
}

/**
 * The resource is not served (unknown group/version/resource).
 * Example: `resourceNotServed().httpStatus` -> 404.
 */
export function resourceNotServed(): ClusterError {
  return new ClusterError("NotFound", 404, "the server could not find the requested resource");
}

/**
 * Discovery does not know the kind (the RESTMapper's "no matches" error).
 * Example: `unknownKind("example.com/v1", "Widget").message` -> 'no matches for kind "Widget" in version "example.com/v1"'.
 */
export function unknownKind(apiVersion: string, kind: string): ClusterError {
  return new ClusterError("NotFound", 404, `no matches for kind "${kind}" in version "${apiVersion}"`);
}

/**
 * A create found the name taken. Example: `alreadyExists(configmaps, "a").httpStatus` -> 409.
 */
export function alreadyExists(mapping: Named, name: string): ClusterError {
  return new ClusterError("AlreadyExists", 409, `${qualifiedResource(mapping)} "${name}" already exists`);
}

/**
 * An update carried a stale resourceVersion (or another uid).
 * Example: `staleVersion(deployments, "web").reason` -> "Conflict".
 */
export function staleVersion(mapping: Named, name: string): ClusterError {
  return new ClusterError(
    "Conflict", 409,
    `Operation cannot be fulfilled on ${qualifiedResource(mapping)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
  );
}

/**
 * The object fails validation (HTTP 422, reason Invalid), with Kubernetes' message shape.
 * Example: `invalid("ConfigMap", "", ["metadata.name: Required value: name or generateName is required"])`.
 */
export function invalid(kind: string, name: string, details: readonly string[]): ClusterError {
  const body = details.length === 1 ? details[0]! : `[${details.join(", ")}]`;
  return new ClusterError("Invalid", 422, `${kind} "${name}" is invalid: ${body}`);
}

/**
 * A malformed request (HTTP 400). Example: `badRequest("the API version in the data (v2) does not match …")`.
 */
export function badRequest(message: string): ClusterError {
  return new ClusterError("BadRequest", 400, message);
}

/**
 * The object is over the size limit. Example: `tooLarge(3145728).httpStatus` -> 413.
 */
export function tooLarge(limitBytes: number): ClusterError {
  return new ClusterError("RequestEntityTooLarge", 413, `Request entity too large: limit is ${limitBytes}`);
}

/**
 * The cluster holds its maximum number of objects (reported like an exceeded quota).
 * Example: `objectQuotaExceeded(50000).reason` -> "Forbidden".
 */
export function objectQuotaExceeded(limit: number): ClusterError {
  return new ClusterError("Forbidden", 403, `exceeded quota: simulated-objects, requested: count=1, used: count=${limit}, limited: count=${limit}`);
}
