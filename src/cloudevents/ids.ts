// UUIDs as sdk-go makes them: random v4 for event ids, name-based v5 (SHA-1, RFC 4122) for the
// resource ids source clients derive from (source, namespace, work name).

import { createHash, randomUUID } from "node:crypto";
import { Errors } from "../errors.ts";

/** RFC 4122 name space for ISO OIDs (`uuid.NameSpaceOID` in Go). */
export const NAMESPACE_OID = "6ba7b812-9dad-11d1-80b4-00c04fd430c8";
/** The group-resource part sdk-go puts in ManifestWork resource ids. */
export const MANIFEST_WORK_GROUP_RESOURCE = "manifestworks.work.open-cluster-management.io";

const UUID_TEXT = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/**
 * A random (version 4) UUID in lower-case canonical form.
 * Example: `uuidV4()` -> "0192bd68-8444-4743-b02b-4a6605ec0413".
 */
export function uuidV4(): string {
  return randomUUID();
}

/**
 * True for a canonical 8-4-4-4-12 hex UUID string (any version, either case).
 * Example: `isUuid("55c61e54-a3f6-563d-9fec-b1fe297bdfdb")` -> true.
 */
export function isUuid(text: string): boolean {
  return UUID_TEXT.test(text);
}

function uuidBytes(uuid: string): Buffer {
  if (!isUuid(uuid)) throw Errors.badRequest(`invalid UUID ${JSON.stringify(uuid)}`);
  return Buffer.from(uuid.replaceAll("-", ""), "hex");
}

function formatUuid(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes.buffer, bytes.byteOffset, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * A name-based (version 5, SHA-1) UUID, as Go's `uuid.NewSHA1(namespace, []byte(name))`.
 * Example: `uuidV5(NAMESPACE_OID, "x")` -> a stable "xxxxxxxx-xxxx-5xxx-[89ab]xxx-xxxxxxxxxxxx".
 */
export function uuidV5(namespace: string, name: string): string {
  const digest = createHash("sha1").update(uuidBytes(namespace)).update(name, "utf8").digest();
  digest[6] = (digest[6]! & 0x0f) | 0x50;
  digest[8] = (digest[8]! & 0x3f) | 0x80;
  return formatUuid(digest);
}

/**
 * The resource id sdk-go source clients (and Maestro's Go client) give a ManifestWork:
 * uuidV5(OID, `<source>-manifestworks.work.open-cluster-management.io-<namespace>-<name>`).
 * Example: `workResourceId("mw-client-example", "7ff1a8f4-8811-49b4-8c19-9271bc51975e",
 * "e44ec579-9646-549a-b679-db8d19d6da37")` -> "55c61e54-a3f6-563d-9fec-b1fe297bdfdb".
 */
export function workResourceId(sourceId: string, namespace: string, workName: string): string {
  return uuidV5(NAMESPACE_OID, `${sourceId}-${MANIFEST_WORK_GROUP_RESOURCE}-${namespace}-${workName}`);
}
