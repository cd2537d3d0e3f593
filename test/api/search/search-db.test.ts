// Integration: compiled searches and orderings run against a real migrated database (PGlite, or
// PostgreSQL when DATABASE_URL is set), including every label-selector form the Go client sends,
// and hostile searches that must leave the tables untouched.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { asc } from "drizzle-orm";
import type { SQL } from "drizzle-orm";
import { consumersSearchTable, parseOrderBy, resourcesSearchTable, searchToSql } from "../../../src/api/search/mod.ts";
import { MaestroError } from "../../../src/errors.ts";
import type { Database } from "../../../src/store/database.ts";
import { consumers, resources } from "../../../src/store/schema.ts";
import { openTestDatabase, storeKind } from "../../support/database.ts";

let db: Database;

const CONSUMERS = [
  { id: "c1", name: "cluster1", labels: { env: "prod", tier: "gold" } },
  { id: "c2", name: "cluster2", labels: { env: "dev" } },
  { id: "c3", name: "cluster3", labels: null },
];

const RESOURCES = [
  { id: "r1", source: "s1", consumer: "cluster1", version: 1, labels: { app: "test", env: "prod" }, created: "2020-01-01T00:00:00Z", deleted: null },
  { id: "r2", source: "s1", consumer: "cluster1", version: 2, labels: { app: "test", env: "dev" }, created: "2021-06-01T00:00:00Z", deleted: null },
  { id: "r3", source: "s1", consumer: "cluster2", version: 3, labels: { app: "other" }, created: "2022-01-01T00:00:00Z", deleted: null },
  { id: "r4", source: "s2", consumer: "cluster1", version: 4, labels: undefined, created: "2023-01-01T00:00:00Z", deleted: "2024-01-01T00:00:00Z" },
  { id: "r5", source: "s1", consumer: "cluster3", version: 50, labels: { quote: "it's", "example.com/part-of": "x" }, created: "2024-01-01T00:00:00Z", deleted: null },
];

beforeAll(async () => {
  db = await openTestDatabase();
  for (const c of CONSUMERS) {
    await db.query("INSERT INTO consumers (id, name, labels) VALUES ($1, $2, $3::text::jsonb)", [c.id, c.name, c.labels ? JSON.stringify(c.labels) : null]);
  }
  for (const r of RESOURCES) {
    const metadata = r.labels ? { name: r.id, labels: r.labels } : { name: r.id };
    const payload = { id: `ev-${r.id}`, source: r.source, metadata, data: { manifests: [{ kind: "ConfigMap" }] } };
    const status = r.version === 2 ? { resourceversion: 2, sequenceid: "7" } : null;
    await db.query(
      `INSERT INTO resources (id, name, source, consumer_name, version, payload, metadata, status, created_at, deleted_at)
       VALUES ($1, $1, $2, $3, $4, $5::text::json, ($5::text::jsonb) -> 'metadata', $6::text::json, $7::text::timestamptz, $8::text::timestamptz)`,
      [r.id, r.source, r.consumer, r.version, JSON.stringify(payload), status ? JSON.stringify(status) : null, r.created, r.deleted],
    );
  }
}, 60_000);

afterAll(async () => {
  await db?.close();
});

async function resourceIds(search: string, orderBy = ""): Promise<string[]> {
  const order: SQL[] = parseOrderBy(orderBy, resourcesSearchTable);
  const rows = await db.orm
    .select({ id: resources.id })
    .from(resources)
    .where(searchToSql(search, resourcesSearchTable))
    .orderBy(...(order.length > 0 ? order : [asc(resources.id)]));
  return rows.map((r) => r.id);
}

async function consumerNames(search: string): Promise<string[]> {
  const rows = await db.orm
    .select({ name: consumers.name })
    .from(consumers)
    .where(searchToSql(search, consumersSearchTable))
    .orderBy(asc(consumers.name));
  return rows.map((r) => r.name);
}

const L = `payload->'metadata'->'labels'`;

describe(`search against ${storeKind}: the Go client's searches`, () => {
  const cases: [string, string[]][] = [
    ["source='s1'", ["r1", "r2", "r3", "r5"]],
    ["source='s1' and consumer_name='cluster1'", ["r1", "r2"]],
    ["source='s1' and (consumer_name='cluster1' or consumer_name='cluster2')", ["r1", "r2", "r3"]],
    ["source='s1' or consumer_name='cluster1' or consumer_name='cluster2'", ["r1", "r2", "r3", "r4", "r5"]],
    [`source='s1' and consumer_name='cluster1' and ${L}@>'{"app":"test"}'`, ["r1", "r2"]],
    [`source='s1' and ${L}@>'{"app":"test","env":"prod"}'`, ["r1"]],
    [`${L}->>'env'<>'prod'`, ["r2"]],
    [`${L}->>'app'<>'test' and ${L}->>'app'<>'other'`, []],
    [`${L}->>'app'<>null`, ["r1", "r2", "r3"]],
    [`${L}->>'env'in('prod','dev')`, ["r1", "r2"]],
    [`${L}->>'env'in('dev')`, ["r2"]],
    [`source='s1' and consumer_name='cluster1' and ${L}@>'{"app":"test"}' and ${L}->>'env'in('dev') and ${L}->>'app'<>'x' and ${L}->>'env'<>null`, ["r2"]],
    [`${L}->>'example.com/part-of'<>null`, ["r5"]],
    [`${L}->>'quote' = 'it''s'`, ["r5"]],
    [`${L}->>'quote' = 'it\\'s'`, ["r5"]],
  ];
  for (const [search, expected] of cases) {
    test(search, async () => {
      expect(await resourceIds(search)).toEqual(expected);
    });
  }
});

describe(`search against ${storeKind}: other constructs`, () => {
  const cases: [string, string[]][] = [
    ["version > 2", ["r3", "r4", "r5"]],
    ["version >= '3' and version <= 4", ["r3", "r4"]],
    ["version between 2 and 4", ["r2", "r3", "r4"]],
    ["version not between 2 and 4", ["r1", "r5"]],
    ["version in (1, 50)", ["r1", "r5"]],
    ["version = 9223372036854775807", []],
    ["version > 1.5", ["r2", "r3", "r4", "r5"]],
    ["id in ()", []],
    ["id not in ()", ["r1", "r2", "r3", "r4", "r5"]],
    ["name like 'r%' and not name in ('r1', 'r2')", ["r3", "r4", "r5"]],
    ["id ilike 'R_'", ["r1", "r2", "r3", "r4", "r5"]],
    ["id not like 'r1'", ["r2", "r3", "r4", "r5"]],
    ["deleted_at is not null", ["r4"]],
    ["deleted_at is null and status is not null", ["r2"]],
    ["status = null", ["r1", "r3", "r4", "r5"]],
    ["created_at >= '2022-01-01'", ["r3", "r4", "r5"]],
    ["created_at < '2021-06-01T00:00:00Z'", ["r1"]],
    ["created_at between '2021-01-01T00:00:00+02:00' and '2022-01-01T00:00Z'", ["r2", "r3"]],
    ["deleted_at > '2023-12-31T23:59:59.999999Z'", ["r4"]],
    ["status->>'sequenceid' = '7'", ["r2"]],
    ["status->>'resourceversion' = 2", ["r2"]],
    [`payload->'data'->'manifests' @> '[{"kind":"ConfigMap"}]' and payload->>'source' = 's2'`, ["r4"]],
    [`payload @> '{"source":"s2"}'`, ["r4"]],
    [`payload->'metadata'->'labels' is null`, ["r4"]],
    ["not (source = 's1' and version < 3) and type = ''", ["r3", "r4", "r5"]],
    ["resources.source = 's2' or resources.version = 3", ["r3", "r4"]],
  ];
  for (const [search, expected] of cases) {
    test(search, async () => {
      expect(await resourceIds(search)).toEqual(expected);
    });
  }

  test("orderBy", async () => {
    expect(await resourceIds("", "version desc")).toEqual(["r5", "r4", "r3", "r2", "r1"]);
    expect(await resourceIds("source = 's1'", "consumer_name desc, created_at")).toEqual(["r5", "r3", "r1", "r2"]);
    expect(await resourceIds("", "payload")).toHaveLength(5);
  });

  test("consumers", async () => {
    expect(await consumerNames("name = 'cluster1'")).toEqual(["cluster1"]);
    expect(await consumerNames("labels->>'env' = 'prod'")).toEqual(["cluster1"]);
    expect(await consumerNames(`labels @> '{"env":"dev"}'`)).toEqual(["cluster2"]);
    expect(await consumerNames("labels is null")).toEqual(["cluster3"]);
    expect(await consumerNames("labels->>'tier' <> null or id = 'c3'")).toEqual(["cluster1", "cluster3"]);
    expect(await consumerNames("created_at < '2000-01-01'")).toEqual([]);
    expect(await consumerNames("created_at > '2000-01-01' and name like 'cluster_'")).toEqual(["cluster1", "cluster2", "cluster3"]);
  });
});

describe(`search against ${storeKind}: hostile input`, () => {
  async function counts(): Promise<[number, number]> {
    const r = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM resources");
    const c = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM consumers");
    return [r[0]!.n, c[0]!.n];
  }

  test("refused searches throw 400 before any SQL runs", async () => {
    const hostile = [
      "'; DROP TABLE resources; --",
      "name = 'x'; DROP TABLE resources; --",
      "name = 'x' or 1=1",
      "name = 'x' /* */ or id = 'r1'",
      "id in (select id from consumers)",
      "name = 'a\u0000b'",
      `labels @> '{"a":"\\u0000"}'`,
      "created_at > 'now()'",
      "version = 'NaN'",
      "(".repeat(1 << 20),
    ];
    for (const search of hostile) {
      let caught: unknown;
      try {
        await resourceIds(search);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(MaestroError);
      expect((caught as MaestroError).httpStatus).toBe(400);
    }
    expect(await counts()).toEqual([5, 3]);
  });

  test("SQL inside quoted values, keys and JSON is only data", async () => {
    const accepted = [
      "name = '''; DROP TABLE resources; --'",
      "name like '%''; DELETE FROM consumers; --%'",
      `payload->'x'' OR ''1''=''1'->>'y' = 'z'`,
      `payload->'metadata'->>'name' in ('r1''); DROP TABLE consumers; --')`,
      `${L} @> '{"app":"'');DROP TABLE resources;--"}'`,
      `${L}->>'x\\' OR \\'1\\'=\\'1' <> null`,
    ];
    for (const search of accepted) expect(await resourceIds(search)).toEqual([]);
    expect(await counts()).toEqual([5, 3]);
  });
});
