// Tests of strict standard base64 as Go's StdEncoding reads and writes it (data_base64, bytes
// values in string form).

import { describe, expect, test } from "bun:test";
import { ErrorCode } from "../../src/errors.ts";
import { decodeBase64, encodeBase64 } from "../../src/cloudevents/base64.ts";
import { expectMaestroError } from "./helpers.ts";

describe("base64", () => {
  test("round-trips with padding, including views into larger buffers", () => {
    for (const bytes of [[], [1], [1, 2], [1, 2, 3], [255, 254, 253, 252]]) {
      const u8 = new Uint8Array(bytes);
      expect(decodeBase64(encodeBase64(u8), "x")).toEqual(u8);
    }
    const big = new Uint8Array([9, 1, 2, 3, 9]);
    expect(encodeBase64(big.subarray(1, 4))).toBe("AQID");
  });

  test("is strict like Go's StdEncoding", () => {
    for (const bad of ["AQ", "AQI", "AQ=", "A===", "AQ-_", "AQ ID", "AQID\n", "====", "A"]) {
      expectMaestroError(() => decodeBase64(bad, "data_base64"), ErrorCode.BadRequest, "data_base64: illegal base64 data");
    }
  });
});
