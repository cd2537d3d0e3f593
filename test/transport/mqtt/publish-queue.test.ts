// Unit tests of the MQTT publish queue with a fake transport: the in-flight window (and the
// broker's Receive Maximum), bounds, deadlines, packet ids held after a timeout, close.

import { describe, expect, test } from "bun:test";
import { MqttTransportError } from "../../../src/transport/mqtt/errors.ts";
import { PublishQueue, type PublishDone, type PublishQueueLimits, type PublishRequest, type PublishTransport } from "../../../src/transport/mqtt/publish-queue.ts";
import { waitFor } from "../../support/wait.ts";

class FakeTransport implements PublishTransport {
  ready = true;
  live = true;
  receiveMax: number | undefined;
  sent: { request: PublishRequest; done: PublishDone; id: number }[] = [];
  dropped: number[] = [];
  #nextId = 1;

  canSend(): boolean {
    return this.ready;
  }
  connectionLive(): boolean {
    return this.live;
  }
  receiveMaximum(): number | undefined {
    return this.receiveMax;
  }
  send(request: PublishRequest, done: PublishDone): number {
    const id = this.#nextId++;
    this.sent.push({ request, done, id });
    return id;
  }
  drop(messageId: number | undefined): void {
    if (messageId !== undefined) this.dropped.push(messageId);
  }
  /** Acknowledges the i-th sent publish (null = PUBACK success, as mqtt.js reports it). */
  ack(i: number, err: Error | null = null): void {
    this.sent[i]!.done(err);
  }
}

const LIMITS: PublishQueueLimits = { timeoutMs: 60_000, packetBytesMax: 1_000, queueMax: 10, queueBytesMax: 5_000, inflightMax: 2 };

function request(bytes = 100): PublishRequest {
  return { topic: "sources/maestro/consumers/c1/sourceevents", payload: Buffer.alloc(0), properties: {}, bytes };
}

async function rejection(promise: Promise<unknown>): Promise<MqttTransportError> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(MqttTransportError);
  return err as MqttTransportError;
}

describe("PublishQueue", () => {
  test("sends at most the window, then one more per acknowledgement", async () => {
    const transport = new FakeTransport();
    const queue = new PublishQueue(transport, LIMITS);
    const results = [queue.push(request()), queue.push(request()), queue.push(request())];
    expect(transport.sent.length).toBe(2);
    expect(queue.stats).toEqual({ queued: 1, queuedBytes: 100, inflight: 2 });
    transport.ack(0);
    await results[0];
    expect(transport.sent.length).toBe(3);
    transport.ack(1);
    transport.ack(2);
    await Promise.all(results);
    expect(queue.stats).toEqual({ queued: 0, queuedBytes: 0, inflight: 0 });
    queue.close();
  });

  test("the broker's Receive Maximum narrows the window", () => {
    const transport = new FakeTransport();
    transport.receiveMax = 1;
    const queue = new PublishQueue(transport, LIMITS);
    void queue.push(request()).catch(() => undefined);
    void queue.push(request()).catch(() => undefined);
    expect(transport.sent.length).toBe(1);
    queue.close();
  });

  test("nothing goes out until the transport can send; pump() starts it", () => {
    const transport = new FakeTransport();
    transport.ready = false;
    const queue = new PublishQueue(transport, LIMITS);
    void queue.push(request()).catch(() => undefined);
    expect(transport.sent.length).toBe(0);
    transport.ready = true;
    queue.pump();
    expect(transport.sent.length).toBe(1);
    queue.close();
  });

  test("refuses an oversized publish and a full queue at once", async () => {
    const transport = new FakeTransport();
    transport.ready = false;
    const queue = new PublishQueue(transport, { ...LIMITS, queueMax: 2, queueBytesMax: 250 });
    expect((await rejection(queue.push(request(1_001)))).code).toBe("PublishTooLarge");
    const kept = [queue.push(request()), queue.push(request())];
    expect((await rejection(queue.push(request()))).code).toBe("PublishQueueFull");
    queue.close();
    for (const p of kept) expect((await rejection(p)).code).toBe("Closed");
    expect((await rejection(queue.push(request()))).code).toBe("Closed");
  });

  test("a queue over its byte bound refuses even with room in its count", async () => {
    const transport = new FakeTransport();
    transport.ready = false;
    const queue = new PublishQueue(transport, { ...LIMITS, queueBytesMax: 250 });
    const kept = [queue.push(request(200))];
    expect((await rejection(queue.push(request(100)))).code).toBe("PublishQueueFull");
    queue.close();
    await rejection(kept[0]!);
  });

  test("a PUBACK reason code is PublishRefused; another error is PublishFailed", async () => {
    const transport = new FakeTransport();
    const queue = new PublishQueue(transport, LIMITS);
    const refused = queue.push(request());
    const failed = queue.push(request());
    transport.ack(0, Object.assign(new Error("Publish error: Not authorized"), { code: 135 }));
    transport.ack(1, new Error("client disconnecting"));
    const r = await rejection(refused);
    expect([r.code, r.reasonCode]).toEqual(["PublishRefused", 135]);
    expect((await rejection(failed)).code).toBe("PublishFailed");
    queue.close();
  });

  test("a timed-out publish keeps its packet id (and window slot) until its late PUBACK", async () => {
    const transport = new FakeTransport();
    const queue = new PublishQueue(transport, { ...LIMITS, timeoutMs: 50, inflightMax: 1 });
    const first = queue.push(request());
    expect((await rejection(first)).code).toBe("PublishTimeout");
    const second = queue.push(request());
    expect(queue.stats).toMatchObject({ queued: 1, inflight: 1 });
    expect(transport.sent.length).toBe(1);
    transport.ack(0); // the late PUBACK
    expect(transport.sent.length).toBe(2);
    transport.ack(1);
    await second;
    expect(transport.dropped).toEqual([]);
    queue.close();
  });

  test("timed-out publishes are dropped from the store when the connection is lost, or at once without one", async () => {
    const transport = new FakeTransport();
    const queue = new PublishQueue(transport, { ...LIMITS, timeoutMs: 50 });
    await rejection(queue.push(request()));
    expect(transport.dropped).toEqual([]);
    transport.live = false;
    transport.ready = false;
    queue.connectionLost();
    expect(transport.dropped).toEqual([1]);
    expect(queue.stats.inflight).toBe(0);
    transport.live = true;
    transport.ready = true;
    const second = queue.push(request());
    transport.live = false;
    await rejection(second);
    await waitFor(() => transport.dropped.length === 2, 1_000);
    expect(transport.dropped).toEqual([1, 2]);
    queue.close();
  });

  test("queued publishes time out in order while the transport cannot send", async () => {
    const transport = new FakeTransport();
    transport.ready = false;
    const queue = new PublishQueue(transport, { ...LIMITS, timeoutMs: 50 });
    const all = [queue.push(request()), queue.push(request())];
    for (const p of all) {
      const err = await rejection(p);
      expect(err.code).toBe("PublishTimeout");
      expect(err.message).toContain("unreachable");
    }
    expect(queue.stats).toEqual({ queued: 0, queuedBytes: 0, inflight: 0 });
    queue.close();
  });

  test("close rejects in-flight publishes and drops them from the store", async () => {
    const transport = new FakeTransport();
    const queue = new PublishQueue(transport, LIMITS);
    const inflight = queue.push(request());
    queue.close();
    expect((await rejection(inflight)).code).toBe("Closed");
    expect(transport.dropped).toEqual([1]);
    transport.ack(0); // a late callback after close changes nothing
    expect(queue.stats).toEqual({ queued: 0, queuedBytes: 0, inflight: 0 });
  });
});
