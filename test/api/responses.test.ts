// JSON responses: gzip only when accepted and worth it, inline for small bodies and on zlib's
// thread pool for large ones; both paths must give the same bytes back and the same headers.

import { describe, expect, test } from "bun:test";
import { gunzipSync } from "node:zlib";
import { jsonTextResponse } from "../../src/api/responses.ts";

const gzipRequest = new Request("http://localhost/x", { headers: { "Accept-Encoding": "gzip, deflate, br" } });
const plainRequest = new Request("http://localhost/x");

function bodyOf(bytes: number): string {
  const item = JSON.stringify({ name: "x".repeat(40), value: Math.PI });
  return `[${Array.from({ length: Math.ceil(bytes / (item.length + 1)) }, () => item).join(",")}]`;
}

describe("jsonTextResponse", () => {
  for (const [label, bytes] of [["inline", 10_000], ["off-thread", 2_000_000]] as const) {
    test(`${label} gzip (${bytes} bytes) round-trips with gzip headers`, async () => {
      const text = bodyOf(bytes);
      const res = await jsonTextResponse(gzipRequest, 200, text);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-encoding")).toBe("gzip");
      expect(res.headers.get("content-type")).toBe("application/json");
      expect(res.headers.get("vary")).toBe("Authorization, Accept-Encoding");
      const body = Buffer.from(await res.arrayBuffer());
      expect(body.length).toBeLessThan(text.length / 5);
      expect(gunzipSync(body).toString("utf8")).toBe(text);
    });
  }

  test("no gzip without Accept-Encoding, or for a small body", async () => {
    const big = bodyOf(200_000);
    const plain = await jsonTextResponse(plainRequest, 200, big);
    expect(plain.headers.get("content-encoding")).toBeNull();
    expect(await plain.text()).toBe(big);
    const small = await jsonTextResponse(gzipRequest, 404, '{"a":1}');
    expect(small.status).toBe(404);
    expect(small.headers.get("content-encoding")).toBeNull();
    expect(await small.text()).toBe('{"a":1}');
  });

  test("non-ASCII text is encoded as UTF-8 on both paths", async () => {
    const text = JSON.stringify({ s: "naïve 🚀 ".repeat(20_000) });
    const res = await jsonTextResponse(gzipRequest, 200, text);
    expect(gunzipSync(Buffer.from(await res.arrayBuffer())).toString("utf8")).toBe(text);
  });
});
