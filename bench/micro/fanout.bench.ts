// Micro-benchmark of the fanout registry (src/server/streams): deliver() throughput to 1, 100
// and 10,000 streams under one key (one frame fanned out) and across as many keys (one frame
// per cluster), the heartbeat sweep, and memory per idle stream. Sinks are no-op fakes, so
// the numbers are the registry's own cost; grpc-js adds its per-message framing on top.
// A plain timed script: drains run on setImmediate, which mitata's per-iteration model hides.
//
//   npx bun bench/micro/fanout.bench.ts
//
// Options (env): BENCH_MS (time per case, default 1000), BENCH_REPEATS (default 3).

import { cpus } from "node:os";
import { StreamRegistry, encodeHeartbeatFrame, type StreamSink } from "../../src/server/streams/mod.ts";

const caseMs = Number(process.env.BENCH_MS ?? 1_000);
const repeats = Number(process.env.BENCH_REPEATS ?? 3);
const silent = { error() {}, warn() {}, info() {}, debug() {}, debugEnabled: false, child: () => silent };

/** A transport that always accepts: counts what it is given. */
function countingSink(counter: { frames: number }): StreamSink {
  return {
    write: () => {
      counter.frames++;
      return true;
    },
    onDrain: () => {},
    onClose: () => {},
    end: () => {},
  };
}

/** One CloudEvent-sized frame (~2.5 KB), encoded once and shared, as in production. */
const frame = Buffer.alloc(2_500, 7);

interface Result {
  readonly deliveries: number;
  readonly writes: number;
  readonly ms: number;
}

/** Runs `step` (one batch of deliver() calls) until caseMs has passed, letting the shards drain each turn. */
async function timed(step: () => number, counter: { frames: number }): Promise<Result> {
  const start = performance.now();
  const writesBefore = counter.frames;
  let deliveries = 0;
  while (performance.now() - start < caseMs) {
    deliveries += step();
    await new Promise((resolve) => setImmediate(resolve)); // the shard drains run here
  }
  return { deliveries, writes: counter.frames - writesBefore, ms: performance.now() - start };
}

function report(name: string, results: Result[]): void {
  const best = results.reduce((a, b) => (a.writes / a.ms > b.writes / b.ms ? a : b));
  const deliveriesPerS = (best.deliveries / best.ms) * 1_000;
  const writesPerS = (best.writes / best.ms) * 1_000;
  const nsPerWrite = (best.ms * 1e6) / best.writes;
  const nsPerDeliver = (best.ms * 1e6) / best.deliveries;
  console.log(
    `${name.padEnd(44)} deliver() ${Math.round(deliveriesPerS).toLocaleString("en-US").padStart(11)}/s  ` +
      `${nsPerDeliver.toFixed(0).padStart(9)} ns/deliver  stream writes ${Math.round(writesPerS).toLocaleString("en-US").padStart(12)}/s  ${nsPerWrite.toFixed(1).padStart(7)} ns/write`,
  );
}

async function oneKey(streams: number): Promise<void> {
  const counter = { frames: 0 };
  const reg = new StreamRegistry({ kind: "source", log: silent });
  for (let i = 0; i < streams; i++) reg.open("source-1", countingSink(counter), { id: `s${i}` });
  // Keep one turn's fanout writes near 100k so the loop yields often at every width.
  const perStep = Math.max(1, Math.floor(100_000 / streams));
  const results: Result[] = [];
  for (let r = 0; r < repeats; r++) {
    results.push(
      await timed(() => {
        for (let i = 0; i < perStep; i++) reg.deliver("source-1", frame);
        return perStep;
      }, counter),
    );
  }
  report(`1 key x ${streams.toLocaleString("en-US")} streams (fanout ${streams})`, results);
  reg.closeAll("ServerShutdown");
}

async function manyKeys(keys: number): Promise<void> {
  const counter = { frames: 0 };
  const reg = new StreamRegistry({ kind: "agent", log: silent });
  const names = Array.from({ length: keys }, (_, i) => `cluster-${i}`);
  for (const name of names) reg.open(name, countingSink(counter), { id: name });
  let next = 0;
  const perStep = 10_000;
  const results: Result[] = [];
  for (let r = 0; r < repeats; r++) {
    results.push(
      await timed(() => {
        for (let i = 0; i < perStep; i++) {
          reg.deliver(names[next]!, frame);
          next = next + 1 === keys ? 0 : next + 1;
        }
        return perStep;
      }, counter),
    );
  }
  report(`${keys.toLocaleString("en-US")} keys x 1 stream (one frame per key)`, results);
  reg.closeAll("ServerShutdown");
}

function heartbeatSweep(streams: number): void {
  const counter = { frames: 0 };
  const reg = new StreamRegistry({ kind: "agent", log: silent });
  for (let i = 0; i < streams; i++) reg.open(`cluster-${i}`, countingSink(counter), { id: `s${i}` });
  const ticks = 20;
  const start = performance.now();
  for (let t = 0; t < ticks; t++) reg.heartbeat(encodeHeartbeatFrame());
  const ms = (performance.now() - start) / ticks;
  console.log(`heartbeat tick, ${streams.toLocaleString("en-US")} idle streams: ${ms.toFixed(2)} ms/tick, ${((ms * 1e6) / streams).toFixed(0)} ns/stream (one encode per tick)`);
  reg.closeAll("ServerShutdown");
}

function heapUsed(): number {
  Bun.gc(true);
  return process.memoryUsage().heapUsed;
}

/** Registry bytes per idle stream, sink excluded (shared), and with a grpcSink-shaped sink (4 closures). */
function memoryPerIdleStream(streams: number): void {
  const shared = countingSink({ frames: 0 });
  const keys = Array.from({ length: streams }, (_, i) => `cluster-${String(i).padStart(6, "0")}`);
  const infos = keys.map((k) => ({ id: crypto.randomUUID(), peer: "10.1.2.3:45678", key: k }));
  const before = heapUsed();
  const reg = new StreamRegistry({ kind: "agent", log: silent });
  for (const info of infos) reg.open(info.key, shared, info);
  const after = heapUsed();
  const withSinks = new StreamRegistry({ kind: "agent", log: silent });
  for (const info of infos) withSinks.open(info.key, countingSink({ frames: 0 }), info);
  const afterSinks = heapUsed();
  console.log(
    `memory per idle stream (${streams.toLocaleString("en-US")} streams, 1 per key): registry ${((after - before) / streams).toFixed(0)} B; ` +
      `with a 4-closure sink ${((afterSinks - after) / streams).toFixed(0)} B (key strings and ids excluded)`,
  );
  if (reg.streamCount + withSinks.streamCount !== 2 * streams) throw new Error("unexpected stream count");
}

console.log(`fanout registry, ${cpus()[0]?.model ?? "unknown CPU"} x ${cpus().length}, Bun ${Bun.version}, frame ${frame.byteLength} B, best of ${repeats} x ${caseMs} ms`);
for (const n of [1, 100, 10_000]) await oneKey(n);
for (const n of [1, 100, 10_000]) await manyKeys(n);
for (const n of [10_000, 100_000]) heartbeatSweep(n);
memoryPerIdleStream(100_000);
