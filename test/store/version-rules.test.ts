// The pure write rules: versions, optimistic updates, snowflake comparison, status decisions.

import { describe, expect, test } from "bun:test";
import { ErrorCode } from "../../src/errors.ts";
import {
  checkSpecUpdate,
  compareSequenceIds,
  createVersion,
  decideStatus,
  snowflakeNode,
  statusWithSpecMetadata,
  workMetadataWithTimes,
  type StatusInput,
  type StatusState,
} from "../../src/store/version-rules.ts";

/** A snowflake id as bwmarrin/snowflake lays it out: ms since epoch, node, step. */
function snowflake(ms: number, node: number, step = 0): bigint {
  return (BigInt(ms) << 22n) | (BigInt(node) << 12n) | BigInt(step);
}

describe("createVersion", () => {
  test("0 becomes 1, anything else is kept", () => {
    expect(createVersion(0)).toBe(1);
    expect(createVersion(1)).toBe(1);
    expect(createVersion(42)).toBe(42);
  });
});

describe("checkSpecUpdate", () => {
  test("a missing row is NotFound with Maestro's text", () => {
    const error = checkSpecUpdate("r1", 1, undefined);
    expect(error?.code).toBe(ErrorCode.NotFound);
    expect(error?.message).toBe("maestro-7: Resource with id='r1' not found");
  });

  test("a deleting row is a Conflict, checked before the version", () => {
    const error = checkSpecUpdate("r1", 9, { version: 3, deleting: true });
    expect(error?.code).toBe(ErrorCode.Conflict);
    expect(error?.reason).toBe("the resource is under deletion, id: r1");
  });

  test("a stale version is a Conflict naming the latest version", () => {
    const error = checkSpecUpdate("r1", 2, { version: 3, deleting: false });
    expect(error?.code).toBe(ErrorCode.Conflict);
    expect(error?.message).toBe("maestro-6: the resource version is not the latest, the latest version: 3");
  });

  test("the stored version or 0 is accepted", () => {
    expect(checkSpecUpdate("r1", 3, { version: 3, deleting: false })).toBeNull();
    expect(checkSpecUpdate("r1", 0, { version: 3, deleting: false })).toBeNull();
  });
});

describe("snowflake sequence ids", () => {
  test("the node is bits 12-21", () => {
    expect(snowflakeNode(snowflake(1_000, 1, 7))).toBe(1);
    expect(snowflakeNode(snowflake(1_000, 1023, 4095))).toBe(1023);
    // A sequenceid from a real agent status (maestro-wire.md 2.4): node 1.
    expect(snowflakeNode(2000808179721572352n)).toBe(1);
  });

  test("anything is newer than nothing stored", () => {
    expect(compareSequenceIds(snowflake(5, 1), null)).toBe("newer");
  });

  test("same node: strictly greater (time, then step) is newer", () => {
    expect(compareSequenceIds(snowflake(6, 1), snowflake(5, 1, 4000))).toBe("newer");
    expect(compareSequenceIds(snowflake(5, 1, 2), snowflake(5, 1, 1))).toBe("newer");
    expect(compareSequenceIds(snowflake(5, 1, 1), snowflake(5, 1, 1))).toBe("not-newer");
    expect(compareSequenceIds(snowflake(4, 1, 9), snowflake(5, 1, 0))).toBe("not-newer");
  });

  test("ids from different nodes are not comparable", () => {
    expect(compareSequenceIds(snowflake(9, 2), snowflake(5, 1))).toBe("other-node");
  });

  test("values above 2^53 compare exactly", () => {
    const stored = (1n << 62n) | (1n << 12n);
    expect(compareSequenceIds(stored + 1n, stored)).toBe("newer");
    expect(compareSequenceIds(stored, stored + 1n)).toBe("not-newer");
  });
});

describe("decideStatus", () => {
  const current: StatusState = { version: 2, consumerName: "c1", statusSequenceId: snowflake(100, 1) };
  const input: StatusInput = { id: "r1", consumerName: "c1", resourceVersion: 2, sequenceId: snowflake(101, 1), deleted: false };

  test("a missing row is ignored", () => {
    expect(decideStatus(input, undefined)).toEqual({ action: "ignore", reason: "missing" });
  });

  test("another consumer is rejected with BadRequest", () => {
    const decision = decideStatus({ ...input, consumerName: "c2" }, current);
    expect(decision.action).toBe("reject");
    if (decision.action !== "reject") return;
    expect(decision.error.code).toBe(ErrorCode.BadRequest);
    expect(decision.error.reason).toBe("unmatched consumer name c2 for resource r1");
  });

  test("Deleted=True deletes whatever the version and sequence", () => {
    const stale = { ...input, deleted: true, resourceVersion: 1, sequenceId: snowflake(1, 1) };
    expect(decideStatus(stale, current)).toEqual({ action: "delete" });
  });

  test("a version other than the stored one is ignored as stale", () => {
    expect(decideStatus({ ...input, resourceVersion: 1 }, current)).toEqual({ action: "ignore", reason: "stale-version" });
    expect(decideStatus({ ...input, resourceVersion: 3 }, current)).toEqual({ action: "ignore", reason: "stale-version" });
  });

  test("an older or equal sequence id is ignored", () => {
    expect(decideStatus({ ...input, sequenceId: snowflake(100, 1) }, current)).toEqual({ action: "ignore", reason: "older-sequence" });
    expect(decideStatus({ ...input, sequenceId: snowflake(99, 1) }, current)).toEqual({ action: "ignore", reason: "older-sequence" });
  });

  test("a sequence id from another node is a General error with Maestro's text", () => {
    const decision = decideStatus({ ...input, sequenceId: snowflake(200, 3) }, current);
    expect(decision.action).toBe("reject");
    if (decision.action !== "reject") return;
    expect(decision.error.code).toBe(ErrorCode.General);
    expect(decision.error.reason).toBe("Unable to compare sequence IDs: maestro-9: Sequence IDs are not from the same node");
  });

  test("a newer status of the current version is stored, also as the first status", () => {
    expect(decideStatus(input, current)).toEqual({ action: "store" });
    expect(decideStatus(input, { ...current, statusSequenceId: null })).toEqual({ action: "store" });
  });
});

describe("statusWithSpecMetadata", () => {
  const times = { createdAt: new Date("2026-11-26T16:11:40.771Z"), deletedAt: null };

  test("the spec's metadata replaces the status's, with the row's creation time", () => {
    const status = { id: "e1", metadata: { name: "agent-side" }, data: { conditions: [] } };
    const merged = statusWithSpecMetadata(status, { metadata: { name: "w", uid: "u" }, data: {} }, times);
    expect(merged).toEqual({ id: "e1", metadata: { name: "w", uid: "u", creationTimestamp: "2026-11-26T16:11:40Z" }, data: { conditions: [] } });
    expect(status.metadata).toEqual({ name: "agent-side" });
  });

  test("without spec metadata the status is kept as it is", () => {
    const status = { id: "e1", metadata: { name: "agent-side" } };
    expect(statusWithSpecMetadata(status, { data: {} }, times)).toBe(status);
  });
});

describe("workMetadataWithTimes (Maestro's syncTimestampsFromResourceMeta)", () => {
  test("created_at overrides the source's creationTimestamp; deleted_at adds deletionTimestamp", () => {
    const deletedAt = new Date("2026-11-26T16:12:01.5Z");
    expect(workMetadataWithTimes({ name: "w", creationTimestamp: null }, { createdAt: new Date("2026-11-26T16:11:40.771Z"), deletedAt })).toEqual({
      name: "w",
      creationTimestamp: "2026-11-26T16:11:40Z",
      deletionTimestamp: "2026-11-26T16:12:01Z",
    });
  });

  test("a metadata value that is not an object is kept", () => {
    const times = { createdAt: new Date(0), deletedAt: null };
    expect(workMetadataWithTimes("x", times)).toBe("x");
    expect(workMetadataWithTimes(null, times)).toBeNull();
    expect(workMetadataWithTimes([1], times)).toEqual([1]);
  });
});
