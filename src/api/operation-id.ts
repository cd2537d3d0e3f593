// Operation ids for REST requests: the caller's X-Operation-ID header when present, else a new
// KSUID as Maestro generates (27 base62 characters: 4-byte time + 16 random bytes).

import { randomBytes } from "node:crypto";

/** The request header Maestro reads the operation id from. */
export const OPERATION_ID_HEADER = "x-operation-id";
/** Longest caller-supplied id we echo; a longer one is replaced, so error bodies stay small. */
const operationIdLengthMax = 256;
const ksuidEpochSeconds = 1_400_000_000;
const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/**
 * A new KSUID string. Example: `newKsuid()` → `"2ZbXK9Q1yY3m0h7c8GmBf1oJxQe"`.
 */
export function newKsuid(nowMs: number = Date.now()): string {
  const bytes = Buffer.alloc(20);
  bytes.writeUInt32BE(Math.max(0, Math.floor(nowMs / 1000) - ksuidEpochSeconds), 0);
  randomBytes(16).copy(bytes, 4);
  let n = BigInt(`0x${bytes.toString("hex")}`);
  let out = "";
  while (n > 0n) {
    out = base62[Number(n % 62n)] + out;
    n /= 62n;
  }
  return out.padStart(27, "0");
}

/** The operation id of a request: its header if sane, else a fresh KSUID. */
export function operationIdOf(request: Request): string {
  const given = request.headers.get(OPERATION_ID_HEADER);
  return given && given.length <= operationIdLengthMax ? given : newKsuid();
}
