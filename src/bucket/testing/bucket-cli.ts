/**
 * Runs `marketlake bucket ...` in this process and captures its output, the way src/cli/main.ts runs commands
 * (UserError: message on stderr, exit 1; usage errors: exit 2), so the bucket tests do not depend on where the
 * lead registers the command.
 */
import { Command, CommanderError } from 'commander';
import { registerBucketCommands } from '../../cli/commands/bucket-commands.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from '../../cli/exit-codes.js';
import { UserError } from '../../errors.js';

export interface BucketCliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runBucketCli(...args: string[]): Promise<BucketCliResult> {
  const program = new Command('marketlake').enablePositionalOptions().exitOverride();
  registerBucketCommands(program);
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
    let code: number;
    try {
      await program.parseAsync(['node', 'marketlake', ...args]);
      code = typeof process.exitCode === 'number' ? process.exitCode : EXIT_OK;
    } catch (error) {
      if (error instanceof CommanderError) code = error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
      else if (error instanceof UserError) {
        stderr.push(`marketlake: ${error.message}\n`);
        code = EXIT_FAILURE;
      } else throw error;
    }
    return { code, stdout: stdout.join(''), stderr: stderr.join('') };
  } finally {
    process.stdout.write = originalOut;
    process.stderr.write = originalErr;
    process.exitCode = savedExitCode;
  }
}
