// Assertion helpers for typed errors: run code that must fail and get the MaestroError back,
// so each test checks the code and reason it cares about.

import { expect } from "bun:test";
import { MaestroError } from "../../src/errors.ts";

/**
 * Runs fn, expects it to throw a MaestroError, and returns it.
 * Example: `expect(catchMaestroError(() => parseSearch("(")).code).toBe(21)`.
 */
export function catchMaestroError(fn: () => unknown): MaestroError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(MaestroError);
  return caught as MaestroError;
}

/**
 * Awaits a promise that must reject with a MaestroError, and returns the error.
 * Example: `expect((await rejectedMaestroError(writer.submit(op))).code).toBe(6)`.
 */
export async function rejectedMaestroError(promise: Promise<unknown>): Promise<MaestroError> {
  const error = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(MaestroError);
  return error as MaestroError;
}
