// Tests of the protobuf wire primitives: varints, tags, lengths, skipping every wire type, UTF-8,
// and that random bytes only ever raise MaestroError.

import { describe, expect, test } from "bun:test";
import { ErrorCode, MaestroError } from "../../src/errors.ts";
import {
  decodeUtf8,
  int64Length,
  isInt32,
  ProtoReader,
  ProtoWriter,
  utf8Length,
  varintLength,
  WireType,
} from "../../src/cloudevents/proto-wire.ts";
import { protobufGroupDepthMax } from "../../src/limits.ts";
import { expectMaestroError } from "./helpers.ts";

function reader(bytes: number[]): ProtoReader {
  const buf = new Uint8Array(bytes);
  return new ProtoReader(buf, 0, buf.length);
}

describe("ProtoReader varints", () => {
  test("reads 1..10 byte varints into lo/hi", () => {
    const r = reader([0x96, 0x01]);
    r.varint();
    expect(r.lo).toBe(150);
    expect(r.hi).toBe(0);
    const max = reader([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    max.varint();
    expect(max.lo).toBe(0xffffffff);
    expect(max.hi).toBe(0xffffffff);
    expect(reader([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]).int32()).toBe(-1);
    expect(reader([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]).int64()).toBe(-1);
    expect(reader([0x80, 0x80, 0x80, 0x80, 0x10]).int64()).toBe(2 ** 32);
  });

  test("rejects truncated, overlong and overflowing varints", () => {
    expectMaestroError(() => reader([0x80]).varint(), ErrorCode.MalformedRequest, "truncated varint at offset 0");
    expectMaestroError(() => reader([]).varint(), ErrorCode.MalformedRequest, "truncated varint");
    const eleven = [...Array(10).fill(0x80), 0x01];
    expectMaestroError(() => reader(eleven).varint(), ErrorCode.MalformedRequest, "varint");
    const tenthTooBig = [...Array(9).fill(0xff), 0x02];
    expectMaestroError(() => reader(tenthTooBig).varint(), ErrorCode.MalformedRequest, "overflows 64 bits");
  });

  test("bool is any non-zero varint", () => {
    expect(reader([0x00]).bool()).toBe(false);
    expect(reader([0x02]).bool()).toBe(true);
    expect(reader([0x80, 0x80, 0x80, 0x80, 0x80, 0x01]).bool()).toBe(true);
  });
});

describe("ProtoReader tags, lengths and skipping", () => {
  test("rejects field number 0 and numbers beyond 2^29-1", () => {
    expectMaestroError(() => reader([0x00]).tag(), ErrorCode.MalformedRequest, "field number 0");
    expectMaestroError(() => reader([0x80, 0x80, 0x80, 0x80, 0x20]).tag(), ErrorCode.MalformedRequest, "field number too large");
  });

  test("rejects lengths beyond the remaining bytes, including huge ones", () => {
    expectMaestroError(() => reader([0x05, 1, 2]).bytes(), ErrorCode.MalformedRequest, "length 5 exceeds the 2 bytes left");
    expectMaestroError(() => reader([0xff, 0xff, 0xff, 0xff, 0x0f]).bytes(), ErrorCode.MalformedRequest, "exceeds");
    expectMaestroError(() => reader([0xff, 0xff, 0xff, 0xff, 0xff, 0x01]).bytes(), ErrorCode.MalformedRequest, "over 2^32");
  });

  test("bytes() returns a view, not a copy", () => {
    const buf = new Uint8Array([3, 7, 8, 9]);
    const view = new ProtoReader(buf, 0, buf.length).bytes();
    expect([...view]).toEqual([7, 8, 9]);
    expect(view.buffer).toBe(buf.buffer);
  });

  test("skips every wire type", () => {
    const r = reader([
      0x08, 0x96, 0x01, // 1: varint
      0x11, 1, 2, 3, 4, 5, 6, 7, 8, // 2: fixed64
      0x1a, 0x02, 9, 9, // 3: len
      0x23, 0x08, 0x01, 0x24, // 4: group containing field 1 varint
      0x2d, 1, 2, 3, 4, // 5: fixed32
    ]);
    while (r.pos < r.end) r.skip(r.tag());
    expect(r.pos).toBe(r.end);
  });

  test("rejects truncated fixed fields, bad wire types and bad groups", () => {
    const fail = (bytes: number[], text: string) =>
      expectMaestroError(() => {
        const r = reader(bytes);
        r.skip(r.tag());
      }, ErrorCode.MalformedRequest, text);
    fail([0x11, 1, 2, 3], "truncated 64-bit");
    fail([0x15, 1, 2], "truncated 32-bit");
    fail([0x0e], "invalid wire type 6");
    fail([0x0f], "invalid wire type 7");
    fail([0x0c], "unexpected end-group");
    fail([0x0b, 0x08, 0x01], "unterminated group");
    fail([0x0b, 0x14], "mismatched end-group");
    const deep = [...Array(protobufGroupDepthMax + 2).fill(0x0b)];
    fail(deep, "groups nested too deeply");
  });
});

describe("UTF-8", () => {
  test("decodes ASCII and multi-byte text, rejects invalid UTF-8", () => {
    const text = "héllo ☃ 𝄞";
    const bytes = new TextEncoder().encode(text);
    expect(decodeUtf8(bytes, 0, bytes.length)).toBe(text);
    expect(decodeUtf8(new Uint8Array([0xef, 0xbb, 0xbf, 0x41]), 0, 4)).toBe("\ufeffA");
    for (const bad of [[0xff], [0xc3], [0xed, 0xa0, 0x80], [0x41, 0x80]]) {
      expectMaestroError(() => decodeUtf8(new Uint8Array(bad), 0, bad.length), ErrorCode.MalformedRequest, "not valid UTF-8");
    }
    const longBad = new Uint8Array(100).fill(0x41);
    longBad[99] = 0xff;
    expectMaestroError(() => decodeUtf8(longBad, 0, 100), ErrorCode.MalformedRequest, "UTF-8");
  });

  test("utf8Length agrees with TextEncoder, lone surrogates included", () => {
    for (const s of ["", "abc", "é", "☃", "𝄞", "\ud800", "a\udc00b", "\ud800\ud800"]) {
      expect(utf8Length(s)).toBe(new TextEncoder().encode(s).length);
    }
  });
});

describe("ProtoWriter", () => {
  test("varint sizes and int32/int64 encodings", () => {
    expect([0, 127, 128, 16383, 16384, 2 ** 28 - 1, 2 ** 28, 2 ** 32 - 1].map(varintLength)).toEqual([1, 1, 2, 2, 3, 4, 5, 5]);
    expect(int64Length(-1)).toBe(10);
    expect(int64Length(2 ** 35)).toBe(6);
    expect(int64Length(253402300799)).toBe(6);
    const w = new ProtoWriter(10);
    w.int32(-1);
    expect([...w.finish()]).toEqual([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    for (const n of [0, 1, 300, 2 ** 31 - 1, 2 ** 33 + 5, -62135596800, 253402300799, -1]) {
      const size = int64Length(n);
      const writer = new ProtoWriter(size);
      writer.int64(n);
      const bytes = writer.finish();
      expect(new ProtoReader(bytes, 0, bytes.length).int64()).toBe(n);
    }
  });

  test("strings: ASCII fast path and UTF-8", () => {
    for (const s of ["hi", "x".repeat(200), "héllo ☃ 𝄞", "\ud800"]) {
      const n = utf8Length(s);
      const w = new ProtoWriter(1 + varintLength(n) + n);
      w.tag(1, WireType.Len);
      w.string(s, n);
      const bytes = w.finish();
      const r = new ProtoReader(bytes, 0, bytes.length);
      expect(r.tag()).toBe(0x0a);
      expect(r.string()).toBe(s.replace("\ud800", "\ufffd"));
    }
  });

  test("isInt32 bounds", () => {
    expect([2 ** 31 - 1, -(2 ** 31), 0].every(isInt32)).toBe(true);
    expect([2 ** 31, -(2 ** 31) - 1, 1.5, Number.NaN].some(isInt32)).toBe(false);
  });

  test("only MaestroError escapes the reader on random bytes", () => {
    let seed = 42;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % 256;
    for (let i = 0; i < 2000; i++) {
      const bytes = new Uint8Array(1 + (i % 40)).map(rand);
      try {
        const r = new ProtoReader(bytes, 0, bytes.length);
        while (r.pos < r.end) r.skip(r.tag());
      } catch (err) {
        expect(err).toBeInstanceOf(MaestroError);
      }
    }
  });
});
