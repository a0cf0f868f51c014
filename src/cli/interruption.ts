/**
 * SIGINT (Ctrl-C) and SIGTERM during `run` and `reprocess`. The first signal stops the run gracefully: no new
 * ticker starts, the ones in flight finish (each is one database statement plus its lake writes, so there is
 * nothing half-done to roll back), the run is recorded `interrupted`, the home lock is released as the runtime
 * closes, and the command exits 130 (SIGINT) or 143 (SIGTERM). A second signal stops the process at once, as
 * kill -9 would: the run stays `running` until the next run (or `lake retry`) finds it dead, marks it `aborted`
 * and catalogues what it left in the lake (src/pipeline/interrupted-runs.ts); the lock file is released on exit.
 */
import { EXIT_SIGINT, EXIT_SIGTERM } from './exit-codes.js';

type StopSignal = 'SIGINT' | 'SIGTERM';
const EXIT_CODES: Record<StopSignal, number> = { SIGINT: EXIT_SIGINT, SIGTERM: EXIT_SIGTERM };

export interface Interruption {
  /** Aborted on the first signal, with the signal's name as the reason. */
  readonly signal: AbortSignal;
  /** The exit code for the signal received (130, 143), or undefined when none came. */
  exitCode(): number | undefined;
  /** Restores the default handling (call when the command is over). */
  dispose(): void;
}

/** What the command says on the first signal and on the second (after `marketlake: SIGINT: `). */
export interface InterruptionMessages {
  first: string;
  again: string;
}

/** The messages of a run or reprocess (`what` names it). */
function runMessages(what: string): InterruptionMessages {
  return {
    first: 'finishing the tickers in flight and starting no new ones (send it again to stop at once)',
    again: `stopping at once; the ${what} stays recorded as running until the next run marks it aborted and heals what it left`,
  };
}

/**
 * Listens for SIGINT and SIGTERM for the length of one command (`what` names it in the messages of a run; another
 * command gives its own `messages`).
 */
export function listenForInterruption(what: string, messages: InterruptionMessages = runMessages(what)): Interruption {
  const controller = new AbortController();
  let received: StopSignal | undefined;
  const onSignal = (signal: StopSignal): void => {
    if (received !== undefined) {
      process.stderr.write(`marketlake: ${signal} again: ${messages.again}\n`);
      process.exit(EXIT_CODES[signal]);
    }
    received = signal;
    process.stderr.write(`marketlake: ${signal}: ${messages.first}\n`);
    controller.abort(signal);
  };
  const handlers = { SIGINT: () => onSignal('SIGINT'), SIGTERM: () => onSignal('SIGTERM') };
  process.on('SIGINT', handlers.SIGINT);
  process.on('SIGTERM', handlers.SIGTERM);
  return {
    signal: controller.signal,
    exitCode: () => (received === undefined ? undefined : EXIT_CODES[received]),
    dispose: () => {
      process.off('SIGINT', handlers.SIGINT);
      process.off('SIGTERM', handlers.SIGTERM);
    },
  };
}

/**
 * What an interrupted run did, one line on stderr (after the runtime closed, so the lock is released); its exit code.
 */
export function reportInterrupted(
  what: string,
  summary: { run_id: string; interrupted_by: string | null; tickers_not_started: string[] },
  finished: number,
): number {
  process.stderr.write(
    `marketlake: ${what} ${summary.run_id} interrupted by ${summary.interrupted_by}: ${finished} ticker(s) finished, ` +
      `${summary.tickers_not_started.length} not started; recorded as interrupted\n`,
  );
  return summary.interrupted_by === 'SIGTERM' ? EXIT_SIGTERM : EXIT_SIGINT;
}
