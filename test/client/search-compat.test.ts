// Every search text the client builds must be accepted by our REST API's search parser (the
// same texts Maestro's Go client sends); a guard against the two sides drifting apart.

import { describe, expect, test } from "bun:test";
import { resourcesSearchTable, searchToSql } from "../../src/api/search/mod.ts";
import { toLabelSearch } from "../../src/client/label-selector.ts";
import { syncSearch, workSearch } from "../../src/client/work-pager.ts";

const selectors = ["a=b", "a=b,c==d", "a!=b,c!=d", "a", "env in (a,b)", "env notin (a,b)", "example.com/tier=web,z, y notin (b,a), w in (q,p)"];

describe("client search texts parse on the server", () => {
  for (const selector of selectors) {
    test(`list with ${JSON.stringify(selector)}`, () => {
      const text = workSearch("s1", "cluster1", toLabelSearch(selector));
      expect(searchToSql(text, resourcesSearchTable)).toBeDefined();
    });
  }
  test("list across namespaces and sync searches", () => {
    for (const text of [workSearch("s1", "", undefined), syncSearch("s1", ["a", "b"]), syncSearch("s1", [""])]) {
      expect(searchToSql(text, resourcesSearchTable)).toBeDefined();
    }
  });
});
