/**
 * The daily job run by `marketlake serve --schedule` in the server's own process (docs/design.md "The HTTP API"):
 * on its schedule and on `POST /v1/runs`, one run at a time. The server then owns the database (an embedded home's
 * lock is held by the server for its whole life), so its reads that need the database answer during a run instead
 * of a 503: they share the run's connection, statement by statement, and a reader sees each ticker's commit whole
 * or not at all, as a reader of PostgreSQL does.
 */
import { Cron } from 'croner';
import { UsageError } from '../errors.js';
import type { RunSummary } from '../pipeline/daily-run.js';
import { quote } from '../quote.js';

/** How a run was asked for: by the schedule or by a request (`POST /v1/runs`). */
export type RunTrigger = 'schedule' | 'request';

export interface RunHooks {
  /** Called once the run is recorded (its `computation_runs` row written). */
  onStarted: (runId: string) => void;
  /** Aborted when the server closes: no new ticker starts, and the run ends `interrupted`. */
  stop: AbortSignal;
  /** The tickers asked for by the request, else the job's own. */
  tickers?: readonly string[];
}

export interface ServedRunsOptions {
  /** Starts one run of the job with the given hooks and resolves with its summary. */
  run: (hooks: RunHooks) => Promise<RunSummary>;
  /** A cron expression (5 fields, or 6 with seconds first), evaluated in `timezone`; none: runs on request only. */
  schedule?: string;
  /** An IANA time zone for the schedule (default UTC). */
  timezone?: string;
  /** One line a run: started, finished (with its status), or failed; default stderr. */
  log?: (line: string) => void;
}

/** The answer to a trigger: the run started, or the one already running. */
export type TriggerAnswer = { started: true; runId: string } | { started: false; runningRunId: string | undefined };

export class ServedRuns {
  private cron: Cron | undefined;
  private readonly stopAll = new AbortController();
  private current: { runId: string | undefined; done: Promise<void> } | undefined;
  private readonly log: (line: string) => void;

  constructor(private readonly options: ServedRunsOptions) {
    this.log = options.log ?? ((line) => process.stderr.write(`marketlake serve: ${line}\n`));
    if (options.schedule !== undefined) {
      // Checked now (a time zone only when a time is computed), and stopped at once: a Cron keeps a timer even
      // while paused, which would hold the process open if the server never started.
      const checked = this.newCron();
      checked?.stop();
    }
  }

  /** The schedule's Cron, paused, or undefined without a schedule; a bad pattern or zone is a usage error. */
  private newCron(): Cron | undefined {
    const { schedule } = this.options;
    if (schedule === undefined) return undefined;
    const timezone = this.options.timezone ?? 'UTC';
    let cron: Cron | undefined;
    try {
      cron = new Cron(schedule, { timezone, paused: true }, () => {
        void this.trigger('schedule').then((answer) => {
          if (!answer.started)
            this.log(`the schedule's run skipped: run ${answer.runningRunId ?? '(starting)'} is still running`);
        }, this.logFailure);
      });
      cron.nextRun();
      return cron;
    } catch (error) {
      cron?.stop();
      throw new UsageError(
        `--schedule ${quote(schedule)} in time zone ${quote(timezone)}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  /** Starts the schedule (if any). */
  start(): void {
    if (this.stopAll.signal.aborted) return;
    this.cron ??= this.newCron();
    this.cron?.resume();
  }

  /** When the schedule runs the job next (ISO 8601), or null without a schedule (or one that never comes). */
  nextRun(): string | null {
    const cron = this.cron ?? this.newCron();
    const next = cron?.nextRun()?.toISOString() ?? null;
    if (cron !== this.cron) cron?.stop();
    return next;
  }

  /** Whether the server is closing (no new run is started). */
  get closing(): boolean {
    return this.stopAll.signal.aborted;
  }

  /** The run in progress, if any (its id is unknown until it is recorded). */
  running(): { runId: string | undefined } | undefined {
    return this.current === undefined ? undefined : { runId: this.current.runId };
  }

  /**
   * Starts a run unless one is running, and answers once it is recorded (or with the running one). A run that
   * fails before it is recorded (the database or the lake refused it) rejects, so the caller can say why.
   */
  trigger(by: RunTrigger, tickers?: readonly string[]): Promise<TriggerAnswer> {
    if (this.current !== undefined) return Promise.resolve({ started: false, runningRunId: this.current.runId });
    if (this.stopAll.signal.aborted) return Promise.reject(new Error('the server is closing: no new run'));
    const slot: { runId: string | undefined; done: Promise<void> } = { runId: undefined, done: Promise.resolve() };
    this.current = slot;
    return new Promise<TriggerAnswer>((resolve, reject) => {
      // Through a promise: a run that throws at once, before any promise, still ends here and frees the slot.
      const running = Promise.resolve().then(() =>
        this.options.run({
          onStarted: (runId) => {
            slot.runId = runId;
            this.log(`run ${runId} started (${by === 'schedule' ? 'the schedule' : 'a request'})`);
            resolve({ started: true, runId });
          },
          stop: this.stopAll.signal,
          ...(tickers ? { tickers } : {}),
        }),
      );
      slot.done = running.then(
        (summary) => {
          // A run always records itself first; one that did not would leave its trigger unanswered.
          if (slot.runId === undefined) reject(new Error(`run ${summary.run_id} ended without being recorded`));
          this.log(`run ${summary.run_id} ${summary.status} in ${(summary.duration_ms / 1000).toFixed(1)} s`);
        },
        (error: unknown) => {
          // Before the run was recorded the trigger's caller hears of it; after, only the log can.
          if (slot.runId === undefined) reject(error instanceof Error ? error : new Error(String(error)));
          else this.logFailure(error);
        },
      );
      void slot.done.finally(() => {
        if (this.current === slot) this.current = undefined;
      });
    });
  }

  /**
   * Stops the schedule, stops the run in progress (its tickers in flight finish; it records `reason`, the signal
   * that closes the server, as what interrupted it) and waits for it to end. New triggers are refused from now on.
   */
  async close(reason: string = 'SIGTERM'): Promise<void> {
    this.cron?.stop();
    if (!this.stopAll.signal.aborted) this.stopAll.abort(reason);
    await this.current?.done;
  }

  private readonly logFailure = (error: unknown) => {
    this.log(`a run failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  };
}
