import { Command, CommanderError } from 'commander';
import { UsageError, UserError } from '../errors.js';
import { rememberEnvironmentSecrets, rememberUrlSecrets } from '../secrets.js';
import { escapeControls } from '../quote.js';
import { PRODUCER_VERSION } from '../version.js';
import { registrationsFor } from './command-modules.js';
import { EXIT_FAILURE, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE } from './exit-codes.js';
import { redactProcessOutput } from './redacted-output.js';
import { guardStdout } from './output.js';

/**
 * The program: with `args` (the arguments after the script), only the command they name is registered, so only its
 * module is loaded (src/cli/command-modules.ts); without, every command.
 */
export async function buildProgram(args?: readonly string[]): Promise<Command> {
  const program = new Command('marketlake')
    .description('marketlake: a market-data lake with lineage — raw snapshots, indicators, percentiles, features')
    .version(PRODUCER_VERSION)
    .showHelpAfterError('(run with --help for usage)')
    // Options before a subcommand belong to the program, after it to the subcommand (so `get --version V` works).
    .enablePositionalOptions()
    // commander's messages quote the arguments they refuse: never let one drive the terminal.
    .configureOutput({ outputError: (message, write) => write(escapeControls(message)) })
    .exitOverride();
  for (const register of await registrationsFor(args)) register(program);
  return program;
}

/**
 * Runs the CLI and returns the exit code; it never calls process.exit, so output is always flushed. Whatever it
 * prints is redacted (src/secrets.ts): the secrets of the environment and of the command line are known before
 * anything is parsed, since even a usage error may echo an argument.
 */
export async function main(argv: readonly string[]): Promise<number> {
  rememberEnvironmentSecrets(process.env);
  for (const argument of argv) rememberUrlSecrets(argument);
  guardStdout();
  const restoreOutput = redactProcessOutput();
  try {
    return await runProgram(argv);
  } finally {
    restoreOutput();
  }
}

async function runProgram(argv: readonly string[]): Promise<number> {
  try {
    const program = await buildProgram(argv.slice(2));
    await program.parseAsync([...argv]);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here too, with exit code 0; commander has already printed its message.
      return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    // Messages quote user input (src/quote.ts); escaping here too keeps any that does not from reaching the terminal
    // raw.
    if (error instanceof UsageError) {
      process.stderr.write(`marketlake: ${escapeControls(error.message)}\n`);
      return EXIT_USAGE;
    }
    if (error instanceof UserError) {
      process.stderr.write(`marketlake: ${escapeControls(error.message)}\n`);
      return EXIT_FAILURE;
    }
    process.stderr.write(`marketlake: internal error: ${escapeControls((error as Error)?.stack ?? String(error))}\n`);
    return EXIT_INTERNAL;
  }
}
