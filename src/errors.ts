/**
 * Errors a user can act on. The CLI prints `message` alone (no stack) for these and exits non-zero;
 * any other error is a bug and is printed with its stack.
 */
export class UserError extends Error {
  override readonly name: string = 'UserError';
}

/** Bad input data: names the file (or source), the line when there is one, and the problem. */
export class InputError extends UserError {
  override readonly name = 'InputError';
  constructor(
    readonly source: string,
    readonly line: number | undefined,
    readonly problem: string,
  ) {
    super(line === undefined ? `${source}: ${problem}` : `${source}:${line}: ${problem}`);
  }
}

/** A command line that cannot be acted on (conflicting or missing options); exit code 2. */
export class UsageError extends UserError {
  override readonly name = 'UsageError';
}

/** The message of a thrown value, for reports that carry errors as text (Error or not). */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Runs `cleanUp` after a failure of the work it follows, without letting a failure of its own hide the first one:
 * both are then thrown together (an AggregateError whose message is the first failure's).
 */
export async function cleanUpAfter(failure: unknown, cleanUp: () => Promise<void>): Promise<never> {
  try {
    await cleanUp();
  } catch (cleanUpFailure) {
    throw new AggregateError(
      [failure, cleanUpFailure],
      `${messageOf(failure)} (then cleaning up: ${messageOf(cleanUpFailure)})`,
      { cause: cleanUpFailure },
    );
  }
  throw failure;
}
