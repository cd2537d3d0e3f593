// HeartbeatTicker: one timer for all registries, one encoded frame per tick shared by every
// stream, Maestro's heartbeat message on the wire (maestro-wire.md 1.4 point 3).

import { describe, expect, test } from "bun:test";
import { decodeCloudEventMessage } from "../../../src/cloudevents/proto-codec.ts";
import { HEARTBEAT_EVENT_TYPE } from "../../../src/cloudevents/event-type.ts";
import { HeartbeatTicker, StreamRegistry, encodeHeartbeatFrame, type TickerTimers } from "../../../src/server/streams/mod.ts";
import { waitFor } from "../../support/wait.ts";
import { CapturingLogger, FakeSink } from "./fake-sink.ts";

class FakeTimers implements TickerTimers {
  readonly intervals: { fn: () => void; ms: number; cleared: boolean }[] = [];
  setInterval(fn: () => void, ms: number): unknown {
    const timer = { fn, ms, cleared: false };
    this.intervals.push(timer);
    return timer;
  }
  clearInterval(handle: unknown): void {
    (handle as { cleared: boolean }).cleared = true;
  }
  fire(): void {
    for (const t of this.intervals) if (!t.cleared) t.fn();
  }
}

describe("HeartbeatTicker", () => {
  test("one timer and one encode per tick for N streams in several registries", () => {
    const sources = new StreamRegistry({ kind: "source", log: new CapturingLogger() });
    const agents = new StreamRegistry({ kind: "agent", log: new CapturingLogger() });
    const sinks: FakeSink[] = [];
    for (let i = 0; i < 50; i++) {
      const sink = new FakeSink();
      sinks.push(sink);
      (i % 2 === 0 ? sources : agents).open(`k${i % 7}`, sink, { id: `s${i}` });
    }
    const timers = new FakeTimers();
    let encodes = 0;
    const ticker = new HeartbeatTicker([sources, agents], 10_000, {
      timers,
      encode: () => {
        encodes++;
        return encodeHeartbeatFrame();
      },
    });
    ticker.start();
    expect(timers.intervals.length).toBe(1);
    expect(timers.intervals[0]!.ms).toBe(10_000);
    timers.fire();
    timers.fire();
    timers.fire();
    expect(encodes).toBe(3);
    expect(ticker.ticks).toBe(3);
    for (const sink of sinks) {
      expect(sink.frames.length).toBe(3);
      for (let tick = 0; tick < 3; tick++) expect(sink.frames[tick]).toBe(sinks[0]!.frames[tick]!); // shared, not re-encoded
    }
    ticker.stop();
    timers.fire();
    expect(encodes).toBe(3);
    expect(timers.intervals[0]!.cleared).toBe(true);
  });

  test("the default frame is Maestro's heartbeat with a fresh UUID each tick", () => {
    const a = decodeCloudEventMessage(encodeHeartbeatFrame());
    const b = decodeCloudEventMessage(encodeHeartbeatFrame());
    expect(a.type).toBe(HEARTBEAT_EVENT_TYPE);
    expect(a.specVersion).toBe("1.0");
    expect(a.source).toBe("");
    expect(a.attributes.size).toBe(0);
    expect(a.data).toBeUndefined();
    expect(a.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(b.id).not.toBe(a.id);
  });

  test("runs on real timers and stops", async () => {
    const reg = new StreamRegistry({ kind: "agent", log: new CapturingLogger() });
    const sink = new FakeSink();
    reg.open("c", sink, { id: "s" });
    const ticker = new HeartbeatTicker([reg], 5);
    ticker.start();
    await waitFor(() => sink.frames.length >= 2, 5_000, 5);
    ticker.stop();
    const seen = sink.frames.length;
    await Bun.sleep(30); // not synchronisation: checks that nothing more arrives after stop()
    expect(sink.frames.length).toBe(seen);
  });
});
