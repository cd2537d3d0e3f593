// Shared checks for the search tests: catching the MaestroError a call throws, and rendering a
// compiled fragment with drizzle's PostgreSQL dialect.

import { expect } from "bun:test";
import type { SQL } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import { MaestroError } from "../../../src/errors.ts";
import { catchMaestroError } from "../../support/errors.ts";

const dialect = new PgDialect();

/** The SQL text and parameters drizzle sends for a fragment. */
export function render(fragment: SQL): { sql: string; params: unknown[] } {
  const q = dialect.sqlToQuery(fragment);
  return { sql: q.sql, params: q.params };
}

/** Runs fn, expects it to throw a MaestroError, and returns it. */
export const thrown = catchMaestroError;

/** Expects fn to throw Maestro's 400 maestro-21 with exactly `reason`. */
export function expectBadRequest(fn: () => unknown, reason: string): void {
  const err = thrown(fn);
  expect(err.code).toBe(21);
  expect(err.httpStatus).toBe(400);
  expect(err.reason).toBe(reason);
}

/** Expects fn to fail with `Failed to parse search query: <search>`. */
export function expectParseError(fn: () => unknown, search: string): void {
  expectBadRequest(fn, `Failed to parse search query: ${search}`);
}
