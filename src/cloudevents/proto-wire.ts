// Protobuf wire format primitives: a bounds-checked reader (varints, length-delimited fields,
// skipping unknown fields of every wire type) and a writer into one pre-sized buffer.

import { assert } from "../assert.ts";
import { Errors, type MaestroError } from "../errors.ts";
import { protobufGroupDepthMax } from "../limits.ts";

/** Protobuf wire types (the low 3 bits of a tag). */
export const WireType = { Varint: 0, Fixed64: 1, Len: 2, StartGroup: 3, EndGroup: 4, Fixed32: 5 } as const;
/** One of the WireType numbers. Example: `const wt: WireType = WireType.Len`. */
export type WireType = (typeof WireType)[keyof typeof WireType];

/** The largest field number protobuf allows (2^29 - 1). */
const FIELD_NUMBER_MAX = 0x1fff_ffff;
const TWO_POW_32 = 4_294_967_296;

/**
 * The one error malformed bytes produce: MaestroError(MalformedRequest) with the offset.
 * Example: `malformedProtobuf("truncated varint", 7).message` -> "maestro-17: malformed protobuf: truncated varint at offset 7".
 */
export function malformedProtobuf(reason: string, offset: number): MaestroError {
  return Errors.malformedRequest(`malformed protobuf: ${reason} at offset ${offset}`);
}

const utf8Decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * A cursor over `buf[pos, end)`. Every read checks bounds and throws only malformedProtobuf.
 * Varints land in `lo`/`hi` (two uint32 halves) so 64-bit values need no BigInt.
 * Example: `const r = new ProtoReader(bytes, 0, bytes.length); while (r.pos < r.end) { const tag = r.tag(); ... }`.
 */
export class ProtoReader {
  pos: number;
  /** The end of the message being read; nested messages narrow it with enter()/leave(). */
  end: number;
  lo = 0;
  hi = 0;

  constructor(
    readonly buf: Uint8Array,
    start: number,
    end: number,
  ) {
    assert(start >= 0 && start <= end, "reader start within bounds");
    assert(end <= buf.length, "reader end within the buffer");
    this.pos = start;
    this.end = end;
  }

  /**
   * Reads a length prefix and narrows the reader to that nested message, so no read inside it
   * can run past its end. Returns the outer end for leave().
   */
  enter(): number {
    const inner = this.lengthEnd();
    const outer = this.end;
    this.end = inner;
    return outer;
  }

  /** Restores the outer end after a nested message was read to its last byte. */
  leave(outer: number): void {
    assert(this.pos === this.end, "nested message read to its end");
    this.end = outer;
  }

  /** Reads one varint into lo/hi (at most 10 bytes; the 10th may only carry bit 63). */
  varint(): void {
    const buf = this.buf;
    const start = this.pos;
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw malformedProtobuf("truncated varint", start);
      const b = buf[this.pos++]!;
      if (i < 4) lo |= (b & 0x7f) << (7 * i);
      else if (i === 4) {
        lo |= (b & 0x0f) << 28;
        hi = (b & 0x7f) >>> 4;
      } else if (i < 9) hi |= (b & 0x7f) << (7 * i - 32);
      else if (b > 1) throw malformedProtobuf("varint overflows 64 bits", start);
      else hi |= b << 31;
      if (b < 0x80) {
        this.lo = lo >>> 0;
        this.hi = hi >>> 0;
        return;
      }
    }
    throw malformedProtobuf("varint longer than 10 bytes", start);
  }

  /** Reads a tag; returns `field << 3 | wireType` after checking the field number. */
  tag(): number {
    const at = this.pos;
    this.varint();
    if (this.hi !== 0 || this.lo >>> 3 > FIELD_NUMBER_MAX) throw malformedProtobuf("field number too large", at);
    if (this.lo >>> 3 === 0) throw malformedProtobuf("field number 0", at);
    return this.lo;
  }

  /** An int32 field: the low 32 bits of the varint, signed (negative values are 10-byte varints). */
  int32(): number {
    this.varint();
    return this.lo | 0;
  }

  /** An int64 field as a number (exact within +-2^53; callers range-check what they accept). */
  int64(): number {
    this.varint();
    return (this.hi | 0) * TWO_POW_32 + this.lo;
  }

  /** A bool field: any non-zero varint is true, as in Go. */
  bool(): boolean {
    this.varint();
    return this.lo !== 0 || this.hi !== 0;
  }

  /** A length prefix, checked against the bytes left; returns the end offset of the payload. */
  lengthEnd(): number {
    const at = this.pos;
    this.varint();
    if (this.hi !== 0 || this.lo > this.end - this.pos) {
      throw malformedProtobuf(`length ${this.hi !== 0 ? "over 2^32" : this.lo} exceeds the ${this.end - this.pos} bytes left`, at);
    }
    return this.pos + this.lo;
  }

  /** A bytes field as a view into the input (no copy). */
  bytes(): Uint8Array {
    const end = this.lengthEnd();
    const view = this.buf.subarray(this.pos, end);
    this.pos = end;
    return view;
  }

  /** A string field; invalid UTF-8 is rejected as Go's proto3 unmarshal rejects it. */
  string(): string {
    const end = this.lengthEnd();
    const text = decodeUtf8(this.buf, this.pos, end);
    this.pos = end;
    return text;
  }

  /** Skips the payload of a field already tagged `tag`, whatever its wire type. */
  skip(tag: number, depth = 0): void {
    const at = this.pos;
    switch (tag & 7) {
      case WireType.Varint:
        this.varint();
        return;
      case WireType.Fixed64:
        return this.advance(8, at);
      case WireType.Len:
        this.pos = this.lengthEnd();
        return;
      case WireType.StartGroup:
        return this.skipGroup(tag >>> 3, depth + 1, at);
      case WireType.Fixed32:
        return this.advance(4, at);
      case WireType.EndGroup:
        throw malformedProtobuf("unexpected end-group tag", at);
      default:
        throw malformedProtobuf(`invalid wire type ${tag & 7}`, at);
    }
  }

  private advance(n: number, at: number): void {
    if (this.end - this.pos < n) throw malformedProtobuf(`truncated ${n * 8}-bit fixed field`, at);
    this.pos += n;
  }

  private skipGroup(field: number, depth: number, at: number): void {
    if (depth > protobufGroupDepthMax) throw malformedProtobuf("groups nested too deeply", at);
    for (;;) {
      if (this.pos >= this.end) throw malformedProtobuf("unterminated group", at);
      const tag = this.tag();
      if ((tag & 7) === WireType.EndGroup) {
        if (tag >>> 3 !== field) throw malformedProtobuf("mismatched end-group tag", at);
        return;
      }
      this.skip(tag, depth);
    }
  }
}

/**
 * Decodes UTF-8 strictly (Bun's fatal TextDecoder beat hand-rolled ASCII loops 4-5x even on
 * 36-byte ids when measured, so it is used for every length).
 * Example: `decodeUtf8(new Uint8Array([104, 105]), 0, 2)` -> "hi".
 */
export function decodeUtf8(buf: Uint8Array, start: number, end: number): string {
  if (start === end) return "";
  try {
    return utf8Decoder.decode(buf.subarray(start, end));
  } catch {
    throw malformedProtobuf("string field is not valid UTF-8", start);
  }
}

/**
 * UTF-8 byte length of a JS string as TextEncoder encodes it (lone surrogates become U+FFFD);
 * Buffer.byteLength is native and ~10x faster than a JS loop on long strings.
 * Example: `utf8Length("é")` -> 2.
 */
export function utf8Length(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

/**
 * True for integers an int32 field (`ce_integer`) can carry.
 * Example: `isInt32(2 ** 31)` -> false.
 */
export function isInt32(n: number): boolean {
  return Number.isInteger(n) && n >= -0x8000_0000 && n <= 0x7fff_ffff;
}

/**
 * Bytes a varint of the unsigned 32-bit value `n` takes.
 * Example: `varintLength(300)` -> 2.
 */
export function varintLength(n: number): number {
  assert(n >= 0 && n <= 0xffff_ffff, "varintLength takes a uint32");
  if (n < 0x80) return 1;
  if (n < 0x4000) return 2;
  if (n < 0x20_0000) return 3;
  if (n < 0x1000_0000) return 4;
  return 5;
}

/**
 * Bytes an int64 varint takes (negative numbers always take 10, two's complement).
 * Example: `int64Length(-1)` -> 10.
 */
export function int64Length(n: number): number {
  if (n < 0) return 10;
  if (n <= 0xffff_ffff) return varintLength(n);
  let len = 5;
  for (let rest = Math.floor(n / 2 ** 35); rest > 0; rest = Math.floor(rest / 128)) len++;
  return len;
}

/**
 * Writes into one buffer sized in advance by the caller's size pass; asserts it never overruns.
 * Example: `const w = new ProtoWriter(5); w.tag(1, WireType.Varint); w.uint32(300); w.finish()`.
 */
export class ProtoWriter {
  /** A Buffer (a Uint8Array) with its own ArrayBuffer, so grpc-js can send it without a copy. */
  readonly buf: Buffer;
  pos = 0;

  constructor(size: number) {
    this.buf = Buffer.allocUnsafeSlow(size); // every byte is written: finish() asserts it
  }

  tag(field: number, wireType: WireType): void {
    this.uint32(((field << 3) | wireType) >>> 0);
  }

  uint32(n: number): void {
    while (n > 0x7f) {
      this.buf[this.pos++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    this.buf[this.pos++] = n;
  }

  /** An int32 field: negative values are sign-extended to 64 bits (10 bytes), as Go writes them. */
  int32(n: number): void {
    if (n >= 0) this.uint32(n);
    else this.int64(n);
  }

  /** An int64 field from a safe integer, two's complement for negatives. */
  int64(n: number): void {
    let lo = n >>> 0;
    let hi = Math.floor(n / TWO_POW_32) >>> 0;
    for (let i = 0; i < 9 && (hi !== 0 || lo > 0x7f); i++) {
      this.buf[this.pos++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    this.buf[this.pos++] = lo;
  }

  bytes(data: Uint8Array): void {
    this.uint32(data.length);
    this.buf.set(data, this.pos);
    this.pos += data.length;
  }

  /** A string whose UTF-8 length the caller already computed (it is the length prefix). */
  string(text: string, byteLength: number): void {
    this.uint32(byteLength);
    const written = this.buf.write(text, this.pos, byteLength, "utf8");
    assert(written === byteLength, "utf8Length agrees with Buffer.write");
    this.pos += byteLength;
  }

  /** The filled buffer; asserts the size pass was exact. */
  finish(): Uint8Array {
    assert(this.pos === this.buf.length, "protobuf size pass and write pass agree");
    return this.buf;
  }
}
