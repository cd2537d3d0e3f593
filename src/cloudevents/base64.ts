// Standard base64 (RFC 4648 with padding) as Go's base64.StdEncoding reads and writes it, used for
// `data_base64` and `ce_bytes` values in JSON and MQTT string form. Strict on input.

import { Errors } from "../errors.ts";

const STD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Encodes bytes as padded standard base64.
 * Example: `encodeBase64(new Uint8Array([1, 2, 3]))` -> "AQID".
 */
export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

/**
 * Decodes padded standard base64, rejecting anything Go's StdEncoding would reject (missing
 * padding, URL alphabet, whitespace) with MaestroError(BadRequest) naming `what`.
 * Example: `decodeBase64("AQID", "data_base64")` -> Uint8Array [1, 2, 3].
 */
export function decodeBase64(text: string, what: string): Uint8Array {
  if (!STD_BASE64.test(text)) throw Errors.badRequest(`${what}: illegal base64 data`);
  const buf = Buffer.from(text, "base64");
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}
