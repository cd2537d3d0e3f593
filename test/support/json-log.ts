// Reads a child process's stderr of JSON log lines: keeps every line (for failure messages) and
// resolves on the first record with a given `msg` (the server's "serving", the agent's "agent started").

/** The lines read so far, and the first record whose `msg` matched. */
export interface JsonLogFollower {
  readonly logs: string[];
  readonly found: Promise<Record<string, unknown>>;
}

/**
 * Follows `stream` until it ends. Example: `const { logs, found } = followJsonLog(proc.stderr, "serving");`
 */
export function followJsonLog(stream: ReadableStream<Uint8Array>, msg: string): JsonLogFollower {
  const logs: string[] = [];
  let resolveFound: (record: Record<string, unknown>) => void;
  const found = new Promise<Record<string, unknown>>((resolve) => (resolveFound = resolve));
  void (async () => {
    const decoder = new TextDecoder();
    let buffered = "";
    for await (const chunk of stream) {
      buffered += decoder.decode(chunk, { stream: true });
      for (let nl = buffered.indexOf("\n"); nl !== -1; nl = buffered.indexOf("\n")) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        logs.push(line);
        try {
          const record = JSON.parse(line) as Record<string, unknown>;
          if (record.msg === msg) resolveFound!(record);
        } catch {
          // Not a JSON log line (e.g. a crash trace); kept in logs for the failure message.
        }
      }
    }
  })();
  return { logs, found };
}
