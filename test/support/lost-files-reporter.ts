/**
 * A Vitest reporter for one failure that is not a test's: a worker process that dies (Vitest 4 then says only
 * "Worker exited unexpectedly", with no file, code or signal, and counts the file's tests as neither passed nor
 * failed). At the end of a run it names every test file that never reported, on stderr, and, when
 * `VITEST_LOST_FILES` names a file, writes there `{ lost: [paths], failedTests, failedFiles, otherErrors }` (the
 * other failures: tests, files whose hook or import failed, unhandled errors that are not a dead worker's) so that
 * scripts/vitest-rerun-lost.sh can run the lost files once more when nothing else failed. It changes nothing else:
 * the run still fails.
 */
import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

/** The states of a module whose result arrived; any other (`pending`, `queued`) means its worker is gone. */
const REPORTED = new Set(['passed', 'failed', 'skipped']);

/** The pool's error for a worker that died ("Worker exited unexpectedly" is its cause). */
function isWorkerExit(error: unknown): boolean {
  const cause = (error as { cause?: { message?: unknown } } | null)?.cause;
  return typeof cause?.message === 'string' && cause.message.includes('Worker exited unexpectedly');
}

export default class LostFilesReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    const lost = testModules
      .filter((module) => !REPORTED.has(module.state()))
      .map((module) => relative(process.cwd(), module.moduleId));
    // Anything else that failed: a test, a file (a hook, an import), or an error that is not a dead worker's.
    // Then the run failed on its own account, and nothing is run again.
    let failedTests = 0;
    for (const module of testModules) {
      for (const test of module.children.allTests()) if (test.result().state === 'failed') failedTests++;
    }
    const failedFiles = testModules.filter((module) => module.state() === 'failed').length;
    const otherErrors = unhandledErrors.filter((error) => !isWorkerExit(error)).length;
    if (lost.length > 0) {
      process.stderr.write(
        `\nvitest: ${lost.length} test file(s) never reported a result (their worker process exited): ` +
          `${lost.join(', ')}\n`,
      );
    }
    const target = process.env.VITEST_LOST_FILES;
    if (target) writeFileSync(target, JSON.stringify({ lost, failedTests, failedFiles, otherErrors }));
  }
}
