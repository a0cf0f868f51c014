import { Command, CommanderError } from 'commander';
import { UsageError, UserError } from '../errors.js';
import { rememberEnvironmentSecrets, rememberUrlSecrets } from '../secrets.js';
import { escapeControls } from '../quote.js';
import { PRODUCER_VERSION } from '../version.js';
import { registerAlertCommands } from './commands/alert-commands.js';
import { registerAuditCommands } from './commands/audit-commands.js';
import { registerBucketCommands } from './commands/bucket-commands.js';
import { registerComputeCommands } from './commands/compute-commands.js';
import { registerLakeReadCommands } from './commands/lake-commands.js';
import { registerQualityCommands } from './commands/quality-commands.js';
import { registerReprocessCommands } from './commands/reprocess-commands.js';
import { registerRestoreCommand } from './commands/restore-command.js';
import { registerRunCommands } from './commands/run-commands.js';
import { registerServeCommand } from './commands/serve-command.js';
import { registerSqlCommand } from './commands/sql-command.js';
import { registerStaleCommands } from './commands/stale-commands.js';
import { registerTableCommands } from './commands/table-commands.js';
import { registerWarehouseCommands } from './commands/warehouse-commands.js';
import { EXIT_FAILURE, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE } from './exit-codes.js';
import { redactProcessOutput } from './redacted-output.js';
import { guardStdout } from './output.js';

export function buildProgram(): Command {
  const program = new Command('marketlake')
    .description('marketlake: a market-data lake with lineage — raw snapshots, indicators, percentiles, features')
    .version(PRODUCER_VERSION)
    .showHelpAfterError('(run with --help for usage)')
    // Options before a subcommand belong to the program, after it to the subcommand (so `get --version V` works).
    .enablePositionalOptions()
    // commander's messages quote the arguments they refuse: never let one drive the terminal.
    .configureOutput({ outputError: (message, write) => write(escapeControls(message)) })
    .exitOverride();
  registerRunCommands(program);
  registerReprocessCommands(program);
  registerLakeReadCommands(program);
  registerComputeCommands(program);
  registerBucketCommands(program);
  registerRestoreCommand(program);
  registerAuditCommands(program);
  registerStaleCommands(program);
  registerQualityCommands(program);
  registerWarehouseCommands(program);
  registerTableCommands(program);
  registerSqlCommand(program);
  registerAlertCommands(program);
  registerServeCommand(program);
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
  const program = buildProgram();
  try {
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
