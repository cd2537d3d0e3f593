// Maestro's Go pager and search texts: page sizes, limit/continue, short-page stop, sync search.

import { describe, expect, test } from "bun:test";
import { pageBundles, pageSizeFor, syncSearch, workSearch } from "../../src/client/work-pager.ts";
import type { ResourceBundle } from "../../src/client/rest-types.ts";
import { FakeRest } from "./helpers.ts";

function bundles(n: number): ResourceBundle[] {
  return Array.from({ length: n }, (_, i) => ({ id: `id-${i}`, name: `id-${i}` }) as ResourceBundle);
}

describe("search texts", () => {
  test("list/watch search", () => {
    expect(workSearch("s1", "c1", undefined)).toBe("source='s1' and consumer_name='c1'");
    expect(workSearch("s1", "", undefined)).toBe("source='s1'");
    expect(workSearch("s1", "c1", "payload->'metadata'->'labels'->>'a'<>null")).toBe(
      "source='s1' and consumer_name='c1' and payload->'metadata'->'labels'->>'a'<>null",
    );
  });

  test("sync search (Go ToSyncSearch)", () => {
    expect(syncSearch("maestro-1", ["c1"])).toBe("source='maestro-1' and (consumer_name='c1')");
    expect(syncSearch("maestro-2", ["c1", "c2"])).toBe("source='maestro-2' and (consumer_name='c1' or consumer_name='c2')");
    expect(syncSearch("maestro-2", ["c1", ""])).toBe("source='maestro-2'");
  });
});

describe("pageBundles", () => {
  test("page size: 0 and above 400 mean 400", () => {
    expect([0, 1, 400, 401, 10_000].map(pageSizeFor)).toEqual([400, 1, 400, 400, 400]);
  });

  test("no limit: pages of 400 until a short page", async () => {
    const rest = new FakeRest();
    rest.listItems = bundles(900);
    const result = await pageBundles(rest, "source='s'");
    expect(result.items).toHaveLength(900);
    expect(result.continue).toBe("");
    expect(rest.calls).toEqual(["LIST source='s' page=1 size=400", "LIST source='s' page=2 size=400", "LIST source='s' page=3 size=400"]);
  });

  test("an exact multiple costs one more (empty) page, as in Go", async () => {
    const rest = new FakeRest();
    rest.listItems = bundles(400);
    expect((await pageBundles(rest, "x")).items).toHaveLength(400);
    expect(rest.calls).toHaveLength(2);
  });

  test("limit and continue walk the pages", async () => {
    const rest = new FakeRest();
    rest.listItems = bundles(25);
    const first = await pageBundles(rest, "x", { limit: 10 });
    expect(first.items.map((b) => b.id)).toEqual(bundles(10).map((b) => b.id));
    expect(first.continue).toBe("2");
    const second = await pageBundles(rest, "x", { limit: 10, continue: first.continue });
    expect(second.items[0]!.id).toBe("id-10");
    expect(second.continue).toBe("3");
    const third = await pageBundles(rest, "x", { limit: 10, continue: second.continue });
    expect(third.items).toHaveLength(5);
    expect(third.continue).toBe("");
    expect(rest.calls).toEqual(["LIST x page=1 size=10", "LIST x page=2 size=10", "LIST x page=3 size=10"]);
  });

  test("a limit that ends exactly at the total gives no continue", async () => {
    const rest = new FakeRest();
    rest.listItems = bundles(20);
    expect((await pageBundles(rest, "x", { limit: 10, continue: "2" })).continue).toBe("");
  });

  test("bad options", async () => {
    const rest = new FakeRest();
    await expect(pageBundles(rest, "x", { limit: -1 })).rejects.toThrow("limit cannot be less than 0");
    await expect(pageBundles(rest, "x", { continue: "abc" })).rejects.toThrow("a page number is required");
    await expect(pageBundles(rest, "x", { continue: "-2" })).rejects.toThrow("an invalid page number -2");
    expect(rest.calls).toEqual([]);
  });
});
