/**
 * A Vitest reporter for one failure that is not a test's: a worker process that dies (Vitest 4 then says only
 * "Worker exited unexpectedly", with no file, code or signal, and counts the file's tests as neither passed nor
 * failed). At the end of a run it names every test file that never reported, on stderr, and, when
 * `VITEST_LOST_FILES` names a file, writes there `{ lost: [paths], failedTests: n }` so that
 * scripts/vitest-rerun-lost.sh can run those files once more. It changes nothing else: the run still fails.
 */
import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

/** The states of a module whose result arrived; any other (`pending`, `queued`) means its worker is gone. */
const REPORTED = new Set(['passed', 'failed', 'skipped']);

export default class LostFilesReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const lost = testModules
      .filter((module) => !REPORTED.has(module.state()))
      .map((module) => relative(process.cwd(), module.moduleId));
    let failedTests = 0;
    for (const module of testModules) {
      for (const test of module.children.allTests()) if (test.result().state === 'failed') failedTests++;
    }
    if (lost.length > 0) {
      process.stderr.write(
        `\nvitest: ${lost.length} test file(s) never reported a result (their worker process exited): ` +
          `${lost.join(', ')}\n`,
      );
    }
    const target = process.env.VITEST_LOST_FILES;
    if (target) writeFileSync(target, JSON.stringify({ lost, failedTests }));
  }
}
