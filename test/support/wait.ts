// Polling helpers for tests: wait for a condition instead of sleeping a guessed time.

/**
 * Resolves with fn's first truthy result, polling every `intervalMs`; rejects after `timeoutMs`.
 * Example: `await waitFor(async () => (await fetch(url)).ok, 5000)`.
 */
export async function waitFor<T>(fn: () => T | Promise<T>, timeoutMs = 10_000, intervalMs = 20): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value as NonNullable<T>;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`waitFor timed out after ${timeoutMs} ms${lastError ? `: ${String(lastError)}` : ""}`);
    }
    await Bun.sleep(intervalMs);
  }
}
