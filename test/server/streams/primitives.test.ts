// Unit tests of the fanout's building blocks: the shard hash, the ring buffer, the outbound
// frame queue, the shard queue's batch/sequence bookkeeping and the Buffer view of a frame.

import { describe, expect, test } from "bun:test";
import { FrameQueue, Ring, Shard, asBufferView, fnv1a32 } from "../../../src/server/streams/internal.ts";

describe("fnv1a32", () => {
  test("matches the FNV-1a reference values", () => {
    expect(fnv1a32("")).toBe(0x811c9dc5);
    expect(fnv1a32("a")).toBe(0xe40c292c);
    expect(fnv1a32("foobar")).toBe(0xbf9cf968);
  });

  test("spreads cluster names evenly over 16 shards", () => {
    const counts = new Array<number>(16).fill(0);
    for (let i = 0; i < 16_000; i++) counts[fnv1a32(`cluster-${i}`) % 16]!++;
    for (const n of counts) {
      expect(n).toBeGreaterThan(800);
      expect(n).toBeLessThan(1_200);
    }
  });
});

describe("Ring", () => {
  test("keeps the last capacity items, oldest first", () => {
    const ring = new Ring<number>(3);
    expect(ring.toArray()).toEqual([]);
    for (let i = 1; i <= 7; i++) ring.push(i);
    expect(ring.toArray()).toEqual([5, 6, 7]);
    expect(ring.size).toBe(3);
  });
});

describe("FrameQueue", () => {
  test("is FIFO, tracks bytes, and compacts after many shifts", () => {
    const q = new FrameQueue();
    for (let i = 0; i < 5_000; i++) q.push(new Uint8Array(i % 7));
    let bytes = 0;
    for (let i = 0; i < 5_000; i++) bytes += i % 7;
    expect(q.bytes).toBe(bytes);
    for (let i = 0; i < 4_000; i++) expect(q.shift()!.byteLength).toBe(i % 7);
    expect(q.length).toBe(1_000);
    q.clear();
    expect(q.length).toBe(0);
    expect(q.bytes).toBe(0);
    expect(q.shift()).toBeUndefined();
  });
});

describe("Shard", () => {
  test("takes whole batches with consecutive sequence numbers and reuses its arrays", () => {
    const shard = new Shard<string>(0);
    expect(shard.fits(10, 2, 100)).toBe(true);
    shard.push("a", new Uint8Array(10));
    shard.push("b", new Uint8Array(20));
    expect(shard.fits(10, 2, 100)).toBe(false); // count bound
    expect(shard.bytes).toBe(30);
    const first = shard.take();
    expect(first).toMatchObject({ dests: ["a", "b"], baseSeq: 0 });
    shard.recycle(first);
    shard.push("c", new Uint8Array(1));
    const second = shard.take();
    expect(second.baseSeq).toBe(2);
    expect(second.dests).toEqual(["c"]);
    expect(shard.enqueuedSeq).toBe(3);
    expect(shard.depthMax).toBe(2);
    expect(shard.fits(101, 10, 100)).toBe(false); // byte bound
  });
});

describe("asBufferView", () => {
  test("passes Buffers through and views other Uint8Arrays without copying", () => {
    const b = Buffer.from([1, 2, 3]);
    expect(asBufferView(b)).toBe(b);
    const backing = new Uint8Array([9, 8, 7, 6]);
    const sub = backing.subarray(1, 3);
    const view = asBufferView(sub);
    expect(Buffer.isBuffer(view)).toBe(true);
    expect([...view]).toEqual([8, 7]);
    backing[1] = 42;
    expect(view[0]).toBe(42); // same memory
  });
});
