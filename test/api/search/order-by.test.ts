// orderBy tests: Maestro's accepted forms, its exact error text, and the column whitelist.

import { describe, expect, test } from "bun:test";
import { consumersSearchTable, parseOrderBy, resourcesSearchTable } from "../../../src/api/search/mod.ts";
import { orderByTermsMax } from "../../../src/limits.ts";
import { expectBadRequest, render } from "./helpers.ts";

const R = resourcesSearchTable;
const sqlOf = (text: string, table = R) => parseOrderBy(text, table).map((s) => render(s).sql);

describe("parseOrderBy", () => {
  test("blank is no ordering", () => {
    expect(parseOrderBy("", R)).toEqual([]);
    expect(parseOrderBy("   ", R)).toEqual([]);
  });

  test("field, field asc, field desc, table prefix, several terms", () => {
    expect(sqlOf("name")).toEqual([`"resources"."name" ASC`]);
    expect(sqlOf("created_at desc")).toEqual([`"resources"."created_at" DESC`]);
    expect(sqlOf("resources.version asc, id")).toEqual([`"resources"."version" ASC`, `"resources"."id" ASC`]);
    expect(sqlOf(" consumer_name desc ,  updated_at ")).toEqual([`"resources"."consumer_name" DESC`, `"resources"."updated_at" ASC`]);
    expect(sqlOf("Name desc", consumersSearchTable)).toEqual([`"consumers"."name" DESC`]);
  });

  test("JSON columns are orderable, as in Maestro, ordered as jsonb", () => {
    expect(sqlOf("payload")).toEqual([`("resources"."payload")::jsonb ASC`]);
    expect(sqlOf("labels desc", consumersSearchTable)).toEqual([`("consumers"."labels")::jsonb DESC`]);
  });

  test("no parameters, ever", () => {
    for (const s of parseOrderBy("name desc, id", R)) expect(render(s).params).toEqual([]);
  });

  test("bad items get Maestro's `bad order value '<item>'` with the item as split", () => {
    const bad: [string, string][] = [
      ["name up", "name up"],
      ["name DESC", "name DESC"],
      ["name  desc", "name  desc"],
      ["name desc extra", "name desc extra"],
      ["foo", "foo"],
      ["name, foo desc", " foo desc"],
      ["name,", ""],
      ["consumers.name", "consumers.name"],
      ["a.b.name", "a.b.name"],
      ["payload->>'a'", "payload->>'a'"],
      ["name; drop table resources", "name; drop table resources"],
      ["name\tdesc", "name\tdesc"],
      ["status_sequence_id", "status_sequence_id"],
      ["constructor", "constructor"],
    ];
    for (const [text, item] of bad) expectBadRequest(() => parseOrderBy(text, R), `bad order value '${item}'`);
    expectBadRequest(() => parseOrderBy("source", consumersSearchTable), "bad order value 'source'");
  });

  test(`at most ${orderByTermsMax} terms`, () => {
    const many = Array.from({ length: orderByTermsMax + 1 }, () => "id").join(",");
    expect(parseOrderBy(Array.from({ length: orderByTermsMax }, () => "id").join(","), R)).toHaveLength(orderByTermsMax);
    expectBadRequest(() => parseOrderBy(many, R), `bad order value '${many}': more than ${orderByTermsMax} terms`);
  });
});
