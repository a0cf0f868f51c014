import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** What a racing child reports for each key: whether its put won, its version id, or the error class it got. */
export interface RaceOutcome {
  key: string;
  won: boolean;
  versionId?: string;
  error?: string;
  message?: string;
}

const PROJECT_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * Starts one child per label (`node --import tsx child ...args label`), waits until every one has printed
 * `ready`, releases them together with `go` so their puts really race, and returns each child's outcomes (the
 * last line it prints, as JSON). A child exiting non-zero fails the race.
 */
export async function raceChildren(
  child: string,
  args: readonly string[],
  labels: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ label: string; results: RaceOutcome[] }[]> {
  const processes = labels.map((label) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', child, ...args, label], {
      cwd: PROJECT_ROOT,
      env,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let output = '';
    proc.stdout.setEncoding('utf8');
    const ready = new Promise<void>((resolve) =>
      proc.stdout.on('data', (chunk: string) => {
        output += chunk;
        if (output.startsWith('ready\n')) resolve();
      }),
    );
    const done = new Promise<string>((resolve, reject) =>
      proc.on('exit', (code) => (code === 0 ? resolve(output) : reject(new Error(`${label} exited with ${code}`)))),
    );
    return { label, proc, ready, done };
  });
  await Promise.all(processes.map((p) => p.ready));
  for (const p of processes) p.proc.stdin.write('go\n');
  return Promise.all(
    processes.map(async (p) => {
      const lines = (await p.done).trim().split('\n');
      return { label: p.label, results: JSON.parse(lines[lines.length - 1]!) as RaceOutcome[] };
    }),
  );
}
