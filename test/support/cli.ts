import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI in this process and captures what it writes, so tests exercise the real command parsing and
 * output without paying a Node start-up per call (the unit tests of src/ use it too, e.g. the bucket commands
 * against RGW). `spawnCli` below runs it as a separate process instead.
 */
export async function runCli(...args: string[]): Promise<CliResult> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const originalOut = process.stdout.write.bind(process.stdout);
  const originalErr = process.stderr.write.bind(process.stderr);
  const savedExitCode = process.exitCode;
  process.exitCode = undefined;
  const capture = (sink: string[]) =>
    ((chunk: string | Uint8Array) => {
      sink.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    }) as typeof process.stdout.write;
  process.stdout.write = capture(stdout);
  process.stderr.write = capture(stderr);
  try {
    const code = await main(['node', 'marketlake', ...args]);
    return { code, stdout: stdout.join(''), stderr: stderr.join('') };
  } finally {
    process.stdout.write = originalOut;
    process.stderr.write = originalErr;
    process.exitCode = savedExitCode;
  }
}

const ENTRY = fileURLToPath(new URL('./cli-entry.ts', import.meta.url));

/** Who the child runs as (root tests run it as `nobody` to meet real permission errors). */
export interface CliUser {
  uid: number;
  gid: number;
}

/** Runs the CLI as a separate Node process (from the sources, through tsx). */
export async function spawnCli(args: string[], env: NodeJS.ProcessEnv = {}, user?: CliUser): Promise<CliResult> {
  const { code, stdout, stderr } = await startCli(args, env, user).result;
  return { code, stdout, stderr };
}

/** A CLI child process started by startCli: the process (to signal it) and its result once it exits. */
export interface StartedCli {
  child: ChildProcess;
  result: Promise<CliResult & { signal: NodeJS.Signals | null }>;
  /** What it has written so far. */
  stdout(): string;
  stderr(): string;
}

/** Like spawnCli, but returns at once with the child, for tests that signal or kill it mid-way. */
export function startCli(args: string[], env: NodeJS.ProcessEnv = {}, user?: CliUser): StartedCli {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // `--import tsx` is resolved from the working directory, which stays this one.
    ...(user ? { uid: user.uid, gid: user.gid } : {}),
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const result = new Promise<CliResult & { signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? -1, signal, stdout, stderr }));
  });
  return { child, result, stdout: () => stdout, stderr: () => stderr };
}
