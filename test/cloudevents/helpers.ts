// Shared test helpers for the CloudEvents core: fixture loading relative to this file and an
// assertion that a call fails with a MaestroError of a given code and text.

import { expect } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { MaestroError, type ErrorCode } from "../../src/errors.ts";
import { catchMaestroError } from "../support/errors.ts";

/** The shared fixtures folder (the repo sits at /work/main, shared at /work/shared). */
export const FIXTURES_DIR = join(import.meta.dir, "../../../shared/fixtures/maestro-events");

/** Parses one fixture file as JSON. */
export function loadFixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(FIXTURES_DIR, name), "utf8")) as Record<string, unknown>;
}

/** Every fixture that is a CloudEvent (has `specversion`), by file name. */
export function cloudEventFixtures(): [string, Record<string, unknown>][] {
  return readdirSync(FIXTURES_DIR)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f): [string, Record<string, unknown>] => [f, loadFixture(f)])
    .filter(([, v]) => typeof v.specversion === "string");
}

/** Runs `fn` and checks it throws a MaestroError with `code` whose reason contains `text`. */
export function expectMaestroError(fn: () => unknown, code: ErrorCode, text?: string | RegExp): MaestroError {
  const err = catchMaestroError(fn);
  expect(err.code).toBe(code);
  if (typeof text === "string") expect(err.reason).toContain(text);
  else if (text) expect(err.reason).toMatch(text);
  return err;
}

/** UTF-8 bytes of a string. */
export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}
