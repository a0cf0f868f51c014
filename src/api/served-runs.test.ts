import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.js';
import type { RunSummary } from '../pipeline/daily-run.js';
import { type RunHooks, ServedRuns } from './served-runs.js';

/** A run the test finishes by hand: recorded at once (or never), ended by `finish`. */
function manualRun(options: { recorded?: boolean } = {}) {
  const calls: RunHooks[] = [];
  let finish!: (status?: RunSummary['status']) => void;
  let fail!: (error: Error) => void;
  const run = (hooks: RunHooks) => {
    calls.push(hooks);
    const id = `run-${calls.length}`;
    if (options.recorded ?? true) hooks.onStarted(id);
    return new Promise<RunSummary>((resolve, reject) => {
      finish = (status = 'ok') => resolve({ run_id: id, status, duration_ms: 1200 } as RunSummary);
      fail = reject;
      hooks.stop.addEventListener('abort', () => finish('interrupted'));
    });
  };
  return { run, calls, finish: (status?: RunSummary['status']) => finish(status), fail: (e: Error) => fail(e) };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('ServedRuns: the daily job in the server, one run at a time', () => {
  it('starts a run and answers with its id; a second trigger meanwhile is told which run is going on', async () => {
    const job = manualRun();
    const lines: string[] = [];
    const runs = new ServedRuns({ run: job.run, log: (line) => lines.push(line) });
    expect(await runs.trigger('request', ['NVDA'])).toEqual({ started: true, runId: 'run-1' });
    expect(job.calls[0]!.tickers).toEqual(['NVDA']);
    expect(runs.running()).toEqual({ runId: 'run-1' });
    expect(await runs.trigger('request')).toEqual({ started: false, runningRunId: 'run-1' });
    expect(job.calls).toHaveLength(1);
    job.finish();
    await settle();
    expect(runs.running()).toBeUndefined();
    expect(lines).toEqual(['run run-1 started (a request)', 'run run-1 ok in 1.2 s']);
    // Once it ended, the next trigger starts the next run.
    expect(await runs.trigger('request')).toEqual({ started: true, runId: 'run-2' });
    expect(job.calls[1]!.tickers).toBeUndefined();
    job.finish();
    await runs.close();
  });

  it('a run that fails before it is recorded rejects the trigger, and frees the slot', async () => {
    const job = manualRun({ recorded: false });
    const runs = new ServedRuns({ run: job.run, log: () => undefined });
    const answer = runs.trigger('request');
    await settle(); // The run is called on the next tick.
    job.fail(new Error('marketlake data directory /h is in use'));
    await expect(answer).rejects.toThrow('is in use');
    await settle();
    expect(runs.running()).toBeUndefined();
  });

  it('a run that fails after it is recorded is logged with its stack (the trigger already answered)', async () => {
    const job = manualRun();
    const lines: string[] = [];
    const runs = new ServedRuns({ run: job.run, log: (line) => lines.push(line) });
    await runs.trigger('request');
    job.fail(new Error('the disk is full'));
    await settle();
    expect(lines[1]).toMatch(/^a run failed: Error: the disk is full\n\s+at /);
    expect(runs.running()).toBeUndefined();
  });

  it('a run that throws at once, or ends unrecorded, answers the trigger with an error and frees the slot', async () => {
    const throwing = new ServedRuns({
      run: () => {
        throw new Error('no database');
      },
      log: () => undefined,
    });
    await expect(throwing.trigger('request')).rejects.toThrow('no database');
    await settle();
    expect(throwing.running()).toBeUndefined();
    const unrecorded = new ServedRuns({
      run: () => Promise.resolve({ run_id: 'r', status: 'ok', duration_ms: 1 } as RunSummary),
      log: () => undefined,
    });
    await expect(unrecorded.trigger('request')).rejects.toThrow('run r ended without being recorded');
    await settle();
    expect(unrecorded.running()).toBeUndefined();
  });

  it('close() aborts the run in progress, waits for it to end, and refuses new runs', async () => {
    const job = manualRun();
    const lines: string[] = [];
    const runs = new ServedRuns({ run: job.run, log: (line) => lines.push(line) });
    await runs.trigger('request');
    expect(runs.closing).toBe(false);
    await runs.close('SIGINT');
    expect(job.calls[0]!.stop.aborted).toBe(true);
    // The signal that closed the server is what the run records as having interrupted it.
    expect(job.calls[0]!.stop.reason).toBe('SIGINT');
    expect(lines.at(-1)).toBe('run run-1 interrupted in 1.2 s');
    expect(runs.closing).toBe(true);
    await expect(runs.trigger('request')).rejects.toThrow('the server is closing');
  });

  it('the schedule triggers runs once started, and a tick while one runs is skipped and said', async () => {
    const job = manualRun();
    const lines: string[] = [];
    // Every second (6 fields: seconds first).
    const runs = new ServedRuns({ run: job.run, schedule: '* * * * * *', log: (line) => lines.push(line) });
    expect(runs.nextRun()).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect(job.calls).toHaveLength(0); // Paused until start().
    runs.start();
    const deadline = Date.now() + 10_000;
    while (!lines.some((line) => line.startsWith("the schedule's run skipped")) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect(lines[0]).toBe('run run-1 started (the schedule)');
    expect(lines).toContain("the schedule's run skipped: run run-1 is still running");
    expect(job.calls).toHaveLength(1);
    await runs.close();
  }, 15_000);

  it('without a schedule there is no next run; a bad schedule or time zone is a usage error naming it', () => {
    expect(new ServedRuns({ run: manualRun().run }).nextRun()).toBeNull();
    // February 30th: a valid pattern that never comes.
    expect(new ServedRuns({ run: manualRun().run, schedule: '0 0 30 2 *' }).nextRun()).toBeNull();
    const bad = (schedule: string, timezone?: string) => () =>
      new ServedRuns({ run: manualRun().run, schedule, ...(timezone ? { timezone } : {}) });
    expect(bad('every day')).toThrow(UsageError);
    expect(bad('61 * * * *')).toThrow('--schedule "61 * * * *" in time zone "UTC"');
    expect(bad('0 22 * * 1-5', 'Mars/Olympus')).toThrow(/--schedule "0 22 \* \* 1-5" in time zone "Mars\/Olympus"/);
  });
});
