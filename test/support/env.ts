/**
 * Environment variables set for the length of one piece of work and restored after it (the CLI runs in the test's
 * process: `runCli`), e.g. `MARKETLAKE_NOW` to pin the clock of a run.
 */
export async function withEnv<T>(values: Record<string, string | undefined>, work: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(values).map((name) => [name, process.env[name]]));
  const assign = (entries: Record<string, string | undefined>) => {
    for (const [name, value] of Object.entries(entries)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  assign(values);
  try {
    return await work();
  } finally {
    assign(saved);
  }
}

/** The work with the CLI's clock pinned to `now` (an ISO instant), through `MARKETLAKE_NOW`. */
export function withNow<T>(now: string, work: () => Promise<T>): Promise<T> {
  return withEnv({ MARKETLAKE_NOW: now }, work);
}
