// The read coalescer: keys asked together share one batch, batches are chunked and bounded in
// flight, repeated keys are read once, missing keys get the default, and a failed batch
// rejects exactly its own waiters.

import { describe, expect, test } from "bun:test";
import { CoalescedReads } from "../../src/server/coalesced-reads.ts";
import { waitFor } from "../support/wait.ts";

/** A batch reader whose calls are recorded and released by hand. */
function gatedReader() {
  const calls: { keys: readonly string[]; release(fail?: Error): void }[] = [];
  const read = (keys: readonly string[]) =>
    new Promise<ReadonlyMap<string, string>>((resolve, reject) => {
      calls.push({ keys, release: (fail) => (fail ? reject(fail) : resolve(new Map(keys.filter((k) => !k.startsWith("none")).map((k) => [k, `v:${k}`])))) });
    });
  return { calls, read };
}

describe("CoalescedReads", () => {
  test("keys asked in one tick share one batch; a repeated key is read once", async () => {
    const { calls, read } = gatedReader();
    const reads = new CoalescedReads(read, { keysPerBatch: 100, batchesInFlight: 1 }, "missing");
    const results = Promise.all(["a", "b", "a", "none-1"].map((k) => reads.load(k)));
    await waitFor(() => calls.length === 1);
    expect(calls[0]!.keys).toEqual(["a", "b", "none-1"]);
    calls[0]!.release();
    expect(await results).toEqual(["v:a", "v:b", "v:a", "missing"]);
  });

  test("batches are chunked and at most batchesInFlight run; waiting keys join the next batch", async () => {
    const { calls, read } = gatedReader();
    const reads = new CoalescedReads(read, { keysPerBatch: 2, batchesInFlight: 2 }, "missing");
    const first = ["k1", "k2", "k3", "k4", "k5"].map((k) => reads.load(k));
    await waitFor(() => calls.length === 2);
    expect(calls.map((c) => c.keys)).toEqual([["k1", "k2"], ["k3", "k4"]]);
    expect(reads.pendingKeys).toBe(1);
    const late = reads.load("k6");
    calls[0]!.release();
    await waitFor(() => calls.length === 3);
    expect(calls[2]!.keys).toEqual(["k5", "k6"]);
    calls[1]!.release();
    calls[2]!.release();
    expect(await Promise.all([...first, late])).toEqual(["v:k1", "v:k2", "v:k3", "v:k4", "v:k5", "v:k6"]);
    expect(reads.pendingKeys).toBe(0);
  });

  test("a failed batch rejects its own waiters only, and later reads go on", async () => {
    const { calls, read } = gatedReader();
    const reads = new CoalescedReads(read, { keysPerBatch: 1, batchesInFlight: 2 }, "missing");
    const failing = reads.load("x");
    const fine = reads.load("y");
    await waitFor(() => calls.length === 2);
    calls[0]!.release(new Error("connection lost"));
    calls[1]!.release();
    await expect(failing).rejects.toThrow("connection lost");
    expect(await fine).toBe("v:y");
    const again = reads.load("x");
    await waitFor(() => calls.length === 3);
    calls[2]!.release();
    expect(await again).toBe("v:x");
  });
});
