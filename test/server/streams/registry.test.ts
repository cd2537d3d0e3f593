// Unit tests of the fanout registry with fake sinks: ordering, fanout without copies, slow
// consumers by bytes and by count, write errors, shard overflow, close records and stats.

import { describe, expect, test } from "bun:test";
import { StreamRegistry, type StreamLimits } from "../../../src/server/streams/mod.ts";
import { waitFor } from "../../support/wait.ts";
import { CapturingLogger, FakeSink, frameOf, numbersOf } from "./fake-sink.ts";

function registry(limits: Partial<StreamLimits> = {}, extra: { shardCount?: number; now?: () => number } = {}) {
  const log = new CapturingLogger();
  return { log, reg: new StreamRegistry({ kind: "agent", limits, log, ...extra }) };
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

describe("StreamRegistry delivery", () => {
  test("delivers frames in order on the next turn, without an explicit flush", async () => {
    const { reg } = registry();
    const sink = new FakeSink();
    reg.open("cluster-1", sink, { id: "s1" });
    for (const n of range(100)) reg.deliver("cluster-1", frameOf(n));
    expect(sink.frames.length).toBe(0); // queued on the shard until the drain
    await waitFor(() => sink.frames.length === 100, 5_000, 1);
    expect(numbersOf(sink.frames)).toEqual(range(100));
  });

  test("fans one frame out to every stream of a key: same object, never copied", () => {
    const { reg } = registry();
    const sinks = [new FakeSink(), new FakeSink(), new FakeSink()];
    sinks.forEach((sink, i) => reg.open("source-a", sink, { id: `s${i}` }));
    const other = new FakeSink();
    reg.open("source-b", other, { id: "other" });
    const buffer = frameOf(7);
    const plain = new Uint8Array([1, 2, 3, 4]);
    reg.deliver("source-a", buffer);
    reg.deliver("source-a", plain);
    reg.flush();
    for (const sink of sinks) {
      expect(sink.frames.length).toBe(2);
      expect(sink.frames[0]).toBe(buffer); // a Buffer is passed through as is
      expect(sink.frames[1]).toBe(sinks[0]!.frames[1]!); // one view per frame, shared by all streams
      expect(sink.frames[1]!.buffer).toBe(plain.buffer); // …over the caller's memory
    }
    expect(Buffer.isBuffer(sinks[0]!.frames[1])).toBe(true);
    expect(other.frames.length).toBe(0);
  });

  test("has/keys/streamCount/streamsUnder follow opens and client closes", () => {
    const { reg } = registry();
    const a1 = new FakeSink();
    const a2 = new FakeSink();
    const b = new FakeSink();
    reg.open("a", a1, { id: "a1" });
    reg.open("a", a2, { id: "a2" });
    reg.open("b", b, { id: "b1" });
    expect(reg.streamCount).toBe(3);
    expect(reg.has("a")).toBe(true);
    expect(reg.has("c")).toBe(false);
    expect([...reg.keys()].sort()).toEqual(["a", "b"]);
    expect(reg.streamsUnder("a")).toBe(2);
    a1.clientClose();
    expect(reg.streamsUnder("a")).toBe(1);
    a2.clientClose();
    b.clientClose();
    expect(reg.streamCount).toBe(0);
    expect(reg.has("a")).toBe(false);
    expect([...reg.keys()]).toEqual([]);
    expect(reg.recentCloses().map((r) => [r.id, r.reason])).toEqual([
      ["a1", "ClientClosed"],
      ["a2", "ClientClosed"],
      ["b1", "ClientClosed"],
    ]);
    reg.deliver("a", frameOf(1));
    reg.flush();
    expect(a2.frames.length).toBe(0); // nothing is written after a close
    expect(a1.ended).toEqual([{ reason: "ClientClosed", detail: "the client closed the stream" }]);
  });

  test("a stream receives only frames delivered after it opened", () => {
    const { reg } = registry();
    const early = new FakeSink();
    reg.open("k", early, { id: "early" });
    reg.deliver("k", frameOf(1));
    const late = new FakeSink();
    reg.open("k", late, { id: "late" });
    reg.deliver("k", frameOf(2));
    reg.flush();
    expect(numbersOf(early.frames)).toEqual([1, 2]);
    expect(numbersOf(late.frames)).toEqual([2]);
  });

  test("deliverTo reaches one stream only, in order with the key's deliveries", () => {
    const { reg } = registry();
    const a = new FakeSink();
    const b = new FakeSink();
    const handle = reg.open("k", a, { id: "a" });
    reg.open("k", b, { id: "b" });
    reg.deliver("k", frameOf(1));
    reg.deliverTo(handle, frameOf(2));
    reg.deliver("k", frameOf(3));
    reg.flush();
    expect(numbersOf(a.frames)).toEqual([1, 2, 3]);
    expect(numbersOf(b.frames)).toEqual([1, 3]);
  });

  test("a shard queue past shardFlushFrames drains inside deliver()", () => {
    const { reg } = registry({ shardFlushFrames: 3 });
    const sink = new FakeSink();
    reg.open("k", sink, { id: "s" });
    for (const n of range(4)) reg.deliver("k", frameOf(n));
    expect(numbersOf(sink.frames)).toEqual([0, 1, 2, 3]);
  });
});

describe("StreamRegistry backpressure", () => {
  test("waits for drain when write() returns false, then writes the queue in order", async () => {
    const { reg } = registry();
    const sink = new FakeSink();
    sink.accepting = false;
    const handle = reg.open("k", sink, { id: "s" });
    for (const n of range(5)) reg.deliver("k", frameOf(n, 100));
    reg.flush();
    expect(numbersOf(sink.frames)).toEqual([0]); // taken, but the transport said "full"
    expect(handle.pendingFrames).toBe(4);
    expect(handle.pendingBytes).toBe(400);
    expect(sink.drainWaiters).toBe(1);
    let flushed: boolean | undefined;
    void handle.flushed().then((ok) => (flushed = ok));
    sink.accepting = true;
    sink.drain();
    expect(numbersOf(sink.frames)).toEqual([0, 1, 2, 3, 4]);
    expect(handle.pendingFrames).toBe(0);
    await waitFor(() => flushed === true, 1_000, 1);
    expect(reg.stats().framesQueued).toBe(0);
  });

  test("a slow consumer is closed by pending bytes; the fast stream and other keys get everything", () => {
    const { reg, log } = registry({ pendingBytesMax: 1_000, pendingFramesMax: 1_000 });
    const slow = new FakeSink();
    slow.accepting = false;
    const fast = new FakeSink();
    const elsewhere = new FakeSink();
    const slowHandle = reg.open("k", slow, { id: "slow", peer: "10.0.0.1:5000" });
    reg.open("k", fast, { id: "fast" });
    reg.open("other", elsewhere, { id: "elsewhere" });
    for (const n of range(50)) {
      reg.deliver("k", frameOf(n, 100));
      reg.deliver("other", frameOf(n, 100));
    }
    reg.flush();
    expect(slowHandle.closed).toBe(true);
    expect(slow.frames.length).toBe(1); // the first write; then 10 x 100 bytes fit; the 12th frame overflows
    expect(slow.ended.length).toBe(1);
    expect(slow.ended[0]!.reason).toBe("SlowConsumerPendingBytes");
    expect(slow.ended[0]!.detail).toBe("slow consumer: 1100 bytes pending is over the limit of 1000 (11 frames pending)");
    expect(numbersOf(fast.frames)).toEqual(range(50));
    expect(numbersOf(elsewhere.frames)).toEqual(range(50));
    const record = reg.recentCloses().at(-1)!;
    expect(record).toMatchObject({ id: "slow", key: "k", reason: "SlowConsumerPendingBytes", sentFrames: 1, peer: "10.0.0.1:5000" });
    expect(reg.stats().closes.SlowConsumerPendingBytes).toBe(1);
    expect(reg.stats().framesQueued).toBe(0); // the closed stream's queue was released
    expect(log.lines.filter((l) => l.level === "info" && l.msg === "stream closed: slow consumer").length).toBe(1);
  });

  test("a slow consumer is closed by pending frame count", () => {
    const { reg } = registry({ pendingFramesMax: 5 });
    const slow = new FakeSink();
    slow.accepting = false;
    const fast = new FakeSink();
    reg.open("k", slow, { id: "slow" });
    reg.open("k", fast, { id: "fast" });
    for (const n of range(20)) reg.deliver("k", frameOf(n));
    reg.flush();
    expect(slow.ended).toEqual([{ reason: "SlowConsumerPendingCount", detail: "slow consumer: 5 frames pending reached the limit of 5 (80 bytes pending)" }]);
    expect(numbersOf(fast.frames)).toEqual(range(20));
    expect(reg.streamCount).toBe(1);
  });

  test("a write that throws closes only that stream with WriteError", () => {
    const { reg, log } = registry();
    const broken = new FakeSink();
    broken.failure = new Error("socket reset");
    const fine = new FakeSink();
    reg.open("k", broken, { id: "broken" });
    reg.open("k", fine, { id: "fine" });
    reg.deliver("k", frameOf(1));
    reg.deliver("k", frameOf(2));
    reg.flush();
    expect(broken.ended).toEqual([{ reason: "WriteError", detail: "write failed: socket reset" }]);
    expect(numbersOf(fine.frames)).toEqual([1, 2]);
    expect(log.lines.some((l) => l.level === "warn" && l.msg === "stream closed: write failed")).toBe(true);
  });

  test("a drain that arrives after the stream closed writes nothing", () => {
    const { reg } = registry();
    const sink = new FakeSink();
    sink.accepting = false;
    const handle = reg.open("k", sink, { id: "s" });
    reg.deliver("k", frameOf(1));
    reg.deliver("k", frameOf(2));
    reg.flush();
    handle.close("Replaced", "a newer stream took over");
    sink.accepting = true;
    sink.drain();
    expect(numbersOf(sink.frames)).toEqual([1]);
    expect(sink.ended).toEqual([{ reason: "Replaced", detail: "a newer stream took over" }]);
  });

  test("a transport stalled past writeStallMsMax is closed with WriteDeadline", () => {
    let now = 1_000;
    const { reg } = registry({ writeStallMsMax: 30_000 }, { now: () => now });
    const stuck = new FakeSink();
    stuck.accepting = false;
    reg.open("k", stuck, { id: "stuck" });
    reg.deliver("k", frameOf(1));
    reg.flush();
    now += 29_999;
    reg.heartbeat(frameOf(99));
    expect(stuck.ended).toEqual([]);
    now += 1;
    reg.heartbeat(frameOf(100));
    expect(stuck.ended[0]?.reason).toBe("WriteDeadline");
    expect(stuck.ended[0]?.detail).toContain("has not drained for 30000 ms");
  });

  test("flushed(key) resolves once every stream of the key has handed its queue to the transport", async () => {
    const { reg } = registry();
    const sink = new FakeSink();
    sink.accepting = false;
    reg.open("k", sink, { id: "s" });
    for (const n of range(3)) reg.deliver("k", frameOf(n));
    let done = false;
    const flushed = reg.flushed("k").then(() => (done = true));
    await Bun.sleep(0);
    expect(done).toBe(false);
    sink.accepting = true;
    sink.drain();
    await flushed;
    expect(numbersOf(sink.frames)).toEqual([0, 1, 2]);
  });
});

describe("StreamRegistry shard queues", () => {
  test("a full shard closes the streams of the key that did not fit; the queue never passes its bound", () => {
    const { reg } = registry({ shardQueueFramesMax: 4, shardFlushFrames: 4 }, { shardCount: 1 });
    const a = new FakeSink();
    const b1 = new FakeSink();
    const b2 = new FakeSink();
    reg.open("a", a, { id: "a" });
    reg.open("b", b1, { id: "b1" });
    reg.open("b", b2, { id: "b2" });
    for (const n of range(4)) reg.deliver("a", frameOf(n));
    reg.deliver("b", frameOf(100));
    expect(b1.ended[0]?.reason).toBe("ShardOverflow");
    expect(b2.ended[0]?.reason).toBe("ShardOverflow");
    expect(b1.ended[0]?.detail).toBe("shard 0 queue full: 4 frames, 64 bytes pending (limits 4 frames, 67108864 bytes)");
    reg.flush();
    expect(numbersOf(a.frames)).toEqual([0, 1, 2, 3]);
    expect(reg.stats()).toMatchObject({ shardQueueDepthMax: 4, shardOverflows: 1 });
    expect(reg.stats().closes.ShardOverflow).toBe(2);
    const again = new FakeSink(); // the client reconnects and resyncs
    reg.open("b", again, { id: "b3" });
    reg.deliver("b", frameOf(101));
    reg.flush();
    expect(numbersOf(again.frames)).toEqual([101]);
  });

  test("the byte bound of a shard queue is enforced too", () => {
    const { reg } = registry({ shardQueueBytesMax: 100, shardFlushBytes: 100 }, { shardCount: 1 });
    const sink = new FakeSink();
    reg.open("k", sink, { id: "s" });
    reg.deliver("k", frameOf(1, 60));
    reg.deliver("k", frameOf(2, 60));
    expect(sink.ended[0]?.reason).toBe("ShardOverflow");
    expect(reg.stats().shardOverflows).toBe(1);
  });

  test("deliveries made while the shard drains (re-entrant) wait for the next drain", async () => {
    const { reg } = registry({ shardFlushFrames: 1 });
    const sink = new FakeSink();
    let echoed = false;
    sink.onWrite = () => {
      if (echoed) return;
      echoed = true;
      reg.deliver("k", frameOf(2)); // e.g. a write callback that triggers another event
      reg.deliver("k", frameOf(3));
    };
    reg.open("k", sink, { id: "s" });
    reg.deliver("k", frameOf(1));
    reg.deliver("k", frameOf(10)); // over shardFlushFrames: drains now, which writes 1 and re-enters
    await waitFor(() => sink.frames.length === 4, 1_000, 1);
    expect(numbersOf(sink.frames)).toEqual([1, 10, 2, 3]);
  });
});

describe("StreamRegistry heartbeats", () => {
  test("idle streams get the heartbeat at once; busy ones get at most one queued; none is ever closed by it", () => {
    const { reg } = registry({ pendingFramesMax: 3 });
    const idle = new FakeSink();
    const busy = new FakeSink();
    busy.accepting = false;
    reg.open("idle", idle, { id: "idle" });
    reg.open("busy", busy, { id: "busy" });
    reg.deliver("busy", frameOf(1));
    reg.deliver("busy", frameOf(2));
    reg.flush(); // busy: 1 written (transport full), 2 queued
    const hb1 = frameOf(1001);
    const hb2 = frameOf(1002);
    reg.heartbeat(hb1);
    reg.heartbeat(hb1); // the same tick offered twice is sent once
    reg.heartbeat(hb2); // one heartbeat already waits on busy: dropped there
    expect(idle.frames).toEqual([hb1, hb2]);
    expect(numbersOf(busy.frames)).toEqual([1]);
    busy.accepting = true;
    busy.drain();
    expect(numbersOf(busy.frames)).toEqual([1, 2, 1001]);
    expect(reg.stats()).toMatchObject({ heartbeatsSent: 3, heartbeatsDropped: 1 });
    expect(reg.streamCount).toBe(2);
  });

  test("a heartbeat is dropped, not a cause of close, when the queue is at its bound", () => {
    const { reg } = registry({ pendingFramesMax: 2 });
    const busy = new FakeSink();
    busy.accepting = false;
    const handle = reg.open("k", busy, { id: "b" });
    for (const n of range(3)) reg.deliver("k", frameOf(n));
    reg.flush(); // 1 written, 2 queued: at the bound
    reg.heartbeat(frameOf(9));
    expect(handle.closed).toBe(false);
    expect(handle.pendingFrames).toBe(2);
    expect(reg.stats().heartbeatsDropped).toBe(1);
  });
});

describe("StreamRegistry close records, shutdown and stats", () => {
  test("the ring buffer keeps the newest closeRecordsMax records, newest last", () => {
    const { reg } = registry({ closeRecordsMax: 3 });
    for (const n of range(5)) reg.open("k", new FakeSink(), { id: `s${n}` }).close("Replaced", `replaced ${n}`);
    expect(reg.recentCloses().map((r) => r.id)).toEqual(["s2", "s3", "s4"]);
    expect(reg.stats().closes.Replaced).toBe(5);
  });

  test("slow-consumer log lines are rate-limited per reason and report what they suppressed", () => {
    let now = 0;
    const { reg, log } = registry({ pendingFramesMax: 1, closeLogIntervalMs: 10_000 }, { now: () => now, shardCount: 1 });
    const openSlow = (id: string) => {
      const sink = new FakeSink();
      sink.accepting = false;
      reg.open(id, sink, { id });
      for (const n of range(3)) reg.deliver(id, frameOf(n));
    };
    for (const id of ["a", "b", "c"]) openSlow(id);
    reg.flush();
    now = 10_000;
    openSlow("d");
    reg.flush();
    const lines = log.lines.filter((l) => l.msg === "stream closed: slow consumer");
    expect(lines.map((l) => [l.fields?.id, l.fields?.suppressedSinceLast])).toEqual([
      ["a", 0],
      ["d", 2],
    ]);
    expect(reg.stats().closes.SlowConsumerPendingCount).toBe(4);
  });

  test("closeAll(ServerShutdown) ends every stream and refuses later ones", () => {
    const { reg } = registry();
    const sinks = range(4).map(() => new FakeSink());
    sinks.forEach((sink, i) => reg.open(`k${i % 2}`, sink, { id: `s${i}` }));
    reg.deliver("k0", frameOf(1)); // queued on a shard: dropped by the shutdown
    reg.closeAll("ServerShutdown");
    expect(sinks.map((s) => s.ended[0]?.reason)).toEqual(["ServerShutdown", "ServerShutdown", "ServerShutdown", "ServerShutdown"]);
    expect(reg.streamCount).toBe(0);
    const late = new FakeSink();
    const handle = reg.open("k0", late, { id: "late" });
    expect(handle.closed).toBe(true);
    expect(late.ended[0]?.reason).toBe("ServerShutdown");
    reg.flush();
    expect(sinks[0]!.frames.length).toBe(0);
    expect(reg.stats().closes.ServerShutdown).toBe(5);
  });

  test("stats count streams, keys, frames and bytes", () => {
    const { reg } = registry();
    const a = new FakeSink();
    const b = new FakeSink();
    const c = new FakeSink();
    c.accepting = false;
    reg.open("x", a, { id: "a" });
    reg.open("x", b, { id: "b" });
    reg.open("y", c, { id: "c" });
    reg.deliver("x", frameOf(1, 10));
    reg.deliver("y", frameOf(2, 20));
    reg.deliver("y", frameOf(3, 20));
    reg.deliver("nobody", frameOf(4, 20));
    expect(reg.stats().framesQueued).toBe(3);
    reg.flush();
    const stats = reg.stats();
    expect(stats).toMatchObject({ streams: 3, keys: 2, framesDelivered: 3, framesSent: 3, bytesSent: 40, framesQueued: 1, pendingBytes: 20, shardOverflows: 0 });
    expect(Object.values(stats.closes).every((n) => n === 0)).toBe(true);
  });

  test("per-key sent counters (source registries) outlive the streams and stay bounded", () => {
    const reg = new StreamRegistry({ kind: "source", log: new CapturingLogger(), limits: { keyStatsMax: 2 } });
    const h = reg.open("s1", new FakeSink(), { id: "1" });
    reg.deliver("s1", frameOf(1));
    reg.deliver("s1", frameOf(2));
    reg.flush();
    h.close("ClientClosed");
    expect([...reg.sentByKey()]).toEqual([["s1", 2]]);
    expect(reg.has("s1")).toBe(false);
    reg.open("s2", new FakeSink(), { id: "2" });
    reg.open("s3", new FakeSink(), { id: "3" }); // over keyStatsMax: idle s1 is forgotten
    expect([...reg.sentByKey()].map(([k]) => k)).toEqual(["s2", "s3"]);
    const agents = new StreamRegistry({ kind: "agent", log: new CapturingLogger() });
    agents.open("c1", new FakeSink(), { id: "c" });
    expect([...agents.sentByKey()]).toEqual([]);
  });
});

describe("StreamRegistry.deliverPaced", () => {
  test("a resync far larger than the pending bounds reaches a stream that drains slowly, without a close", async () => {
    const { reg } = registry({ pendingBytesMax: 1_000, pendingFramesMax: 20 });
    const sink = new FakeSink();
    sink.accepting = false; // every write fills the transport: each frame needs a drain
    const handle = reg.open("k", sink, { id: "s" });
    const drainer = setInterval(() => sink.drain(), 1);
    function* frames() {
      for (let n = 0; n < 300; n++) yield frameOf(n, 50); // 15 KB: 15x the byte bound
    }
    const delivered = await reg.deliverPaced("k", frames());
    await waitFor(() => sink.frames.length === 300, 5_000, 1);
    clearInterval(drainer);
    expect(delivered).toBe(300);
    expect(handle.closed).toBe(false);
    expect(numbersOf(sink.frames)).toEqual(range(300));
  });

  test("a stalled stream of the key is closed after the paced wait; the others get everything", async () => {
    const { reg } = registry({ pendingBytesMax: 1_000, pendingFramesMax: 20, pacedFlushWaitMsMax: 50 });
    const stalled = new FakeSink();
    stalled.accepting = false; // never drains
    const fast = new FakeSink();
    const stalledHandle = reg.open("k", stalled, { id: "stalled" });
    const fastHandle = reg.open("k", fast, { id: "fast" });
    function* frames() {
      for (let n = 0; n < 100; n++) yield frameOf(n, 50);
    }
    const delivered = await reg.deliverPaced("k", frames());
    expect(delivered).toBe(100);
    expect(stalledHandle.closed).toBe(true);
    expect(stalled.ended[0]?.reason).toBe("WriteDeadline");
    expect(stalled.ended[0]?.detail).toMatch(/not taken within 50 ms during a paced delivery/);
    await waitFor(() => fast.frames.length === 100, 5_000, 1);
    expect(fastHandle.closed).toBe(false);
    expect(numbersOf(fast.frames)).toEqual(range(100));
  });

  test("stops when the key has no stream left", async () => {
    const { reg } = registry({ pendingFramesMax: 8 });
    const sink = new FakeSink();
    sink.accepting = false;
    const handle = reg.open("k", sink, { id: "s" });
    setTimeout(() => handle.close("ClientClosed"), 5);
    const delivered = await reg.deliverPaced("k", range(1_000).map((n) => frameOf(n)));
    expect(delivered).toBeLessThan(1_000);
    expect(reg.has("k")).toBe(false);
  });
});
