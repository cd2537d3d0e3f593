// The agent's answer to a status resync request (maestro-wire.md 3.3) as a pure decision: which
// works' statuses go back, by source, by hash list, and which are skipped.

import { describe, expect, test } from "bun:test";
import type { ManifestBundleStatus } from "../../src/cloudevents/manifest-bundle.ts";
import { workStatusHash } from "../../src/cloudevents/status-hash.ts";
import { statusResyncSelection, type StatusResyncCandidate } from "../../src/agent/status-resync.ts";

const status = (reason: string): ManifestBundleStatus => ({
  conditions: [{ type: "Applied", status: "True", lastTransitionTime: "2026-01-01T00:00:00Z", reason, message: "" }],
});
const work = (id: string, extra: Partial<StatusResyncCandidate> = {}): StatusResyncCandidate => ({ id, originalSource: "maestro", status: status(id), deleting: false, ...extra });
const ids = (works: StatusResyncCandidate[]) => works.map((w) => w.id);

describe("statusResyncSelection", () => {
  const works = [work("a"), work("b"), work("c"), work("other", { originalSource: "someone" }), work("new", { status: undefined }), work("going", { deleting: true })];

  test("an empty list selects every work of the requesting source that has a status", () => {
    expect(ids(statusResyncSelection(works, "maestro", { statusHashes: [] }))).toEqual(["a", "b", "c"]);
    expect(ids(statusResyncSelection(works, "someone", { statusHashes: [] }))).toEqual(["other"]);
    expect(statusResyncSelection(works, "nobody", { statusHashes: [] })).toEqual([]);
  });

  test("listed works are selected only when their current hash differs; unlisted works are ignored", () => {
    const hashes = [
      { resourceID: "a", statusHash: workStatusHash(status("a")) },
      { resourceID: "b", statusHash: "stale" },
      { resourceID: "missing", statusHash: "x" },
    ];
    expect(ids(statusResyncSelection(works, "maestro", { statusHashes: hashes }))).toEqual(["b"]);
  });

  test("works of another source, without a status or being deleted are never selected, even when listed", () => {
    const hashes = ["other", "new", "going"].map((resourceID) => ({ resourceID, statusHash: "stale" }));
    expect(statusResyncSelection(works, "maestro", { statusHashes: hashes })).toEqual([]);
  });

  test("the server's empty-status hash counts as stale", () => {
    const hashes = [{ resourceID: "c", statusHash: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" }];
    expect(ids(statusResyncSelection(works, "maestro", { statusHashes: hashes }))).toEqual(["c"]);
  });
});
