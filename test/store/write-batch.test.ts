// The pure parts of a batch: op validation and encoding, rounds, and the status metadata splice.

import { describe, expect, test } from "bun:test";
import { ErrorCode, MaestroError } from "../../src/errors.ts";
import { statusWithSpecMetadata, workMetadataWithTimes } from "../../src/store/version-rules.ts";
import { encodedBytes, encodeOp, splitRounds, withMetadataJson } from "../../src/store/write-batch.ts";
import type { WriteOp } from "../../src/store/write-ops.ts";

describe("encodeOp", () => {
  test("a create defaults its name to the id and its version 0 to 1", () => {
    const encoded = encodeOp({ kind: "create", id: "a", source: "s", consumerName: "c", version: 0, payload: { x: 1 } });
    expect(encoded).toMatchObject({ name: "a", version: 1, json: '{"x":1}' });
    expect(encodedBytes(encoded)).toBe(1 + 7);
  });

  test("a status is serialized without its metadata, which is kept apart", () => {
    const op: WriteOp = {
      kind: "status",
      id: "a",
      consumerName: "c",
      resourceVersion: 1,
      sequenceId: 5n,
      status: { id: "e", metadata: { name: "m" }, data: {} },
      deleted: false,
    };
    const encoded = encodeOp(op);
    expect(encoded).toMatchObject({ json: '{"id":"e","data":{}}', metadataJson: '{"name":"m"}' });
    expect(encodedBytes(encoded)).toBe(1 + 20 + 12);
  });

  test("bad input is a BadRequest MaestroError", () => {
    const attempt = (op: unknown) => {
      try {
        encodeOp(op as WriteOp);
      } catch (err) {
        return err;
      }
      return undefined;
    };
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const op of [
      { kind: "delete", id: 5 },
      { kind: "update", id: "a", version: Number.NaN, payload: {} },
      { kind: "update", id: "a", version: 1, payload: cyclic },
      { kind: "status", id: "a", consumerName: "c", resourceVersion: 1, sequenceId: -1n, status: {}, deleted: false },
      { kind: "status", id: "a", consumerName: "c", resourceVersion: 1, sequenceId: 1n, status: {}, deleted: "yes" },
    ]) {
      const error = attempt(op);
      expect(error).toBeInstanceOf(MaestroError);
      expect((error as MaestroError).code).toBe(ErrorCode.BadRequest);
    }
  });
});

describe("splitRounds", () => {
  test("the k-th op of an id goes to round k, keeping submission order", () => {
    const ops = ["a", "b", "a", "c", "a", "b"].map((id) => encodeOp({ kind: "delete", id }));
    expect(splitRounds(ops)).toEqual([[0, 1, 3], [2, 5], [4]]);
  });
});

describe("withMetadataJson", () => {
  test("splices the metadata in as the first key", () => {
    expect(withMetadataJson('{"a":1}', '{"name":"w"}')).toBe('{"metadata":{"name":"w"},"a":1}');
    expect(withMetadataJson("{}", '{"name":"w"}')).toBe('{"metadata":{"name":"w"}}');
    expect(withMetadataJson('{"a":1}', undefined)).toBe('{"a":1}');
  });

  test("gives the same object as statusWithSpecMetadata", () => {
    const status = { id: "e", metadata: { name: "agent" }, data: { conditions: [] } };
    const payload = { metadata: { name: "spec", labels: { a: "b" } } };
    const { metadata: _ignored, ...rest } = status;
    const times = { createdAt: new Date("2026-11-26T16:11:40Z"), deletedAt: null };
    const spliced = JSON.parse(withMetadataJson(JSON.stringify(rest), JSON.stringify(workMetadataWithTimes(payload.metadata, times))));
    expect(spliced).toEqual(statusWithSpecMetadata(status, payload, times));
  });
});
