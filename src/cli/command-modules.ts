import type { Command } from 'commander';

type Register = (program: Command) => void;

/**
 * The CLI's top-level commands by the module that registers them (src/cli/commands/), in the order `--help` lists
 * them. A run of one command loads its module alone: loading all of them (about 60 modules) cost every command
 * about 50 ms of start-up (docs/benchmarks.md "Read latency"). test/cli/command-modules.test.ts checks each entry
 * against what its module registers.
 */
export const COMMAND_MODULES: readonly { commands: readonly string[]; load: () => Promise<Register> }[] = [
  { commands: ['run', 'lake'], load: async () => (await import('./commands/run-commands.js')).registerRunCommands },
  {
    commands: ['reprocess', 'diff'],
    load: async () => (await import('./commands/reprocess-commands.js')).registerReprocessCommands,
  },
  {
    commands: ['get', 'versions', 'lineage', 'ls'],
    load: async () => (await import('./commands/lake-commands.js')).registerLakeReadCommands,
  },
  {
    commands: ['indicators', 'percentiles', 'features'],
    load: async () => (await import('./commands/compute-commands.js')).registerComputeCommands,
  },
  { commands: ['bucket'], load: async () => (await import('./commands/bucket-commands.js')).registerBucketCommands },
  { commands: ['restore'], load: async () => (await import('./commands/restore-command.js')).registerRestoreCommand },
  {
    commands: ['verify', 'catalog'],
    load: async () => (await import('./commands/audit-commands.js')).registerAuditCommands,
  },
  { commands: ['stale'], load: async () => (await import('./commands/stale-commands.js')).registerStaleCommands },
  {
    commands: ['quality'],
    load: async () => (await import('./commands/quality-commands.js')).registerQualityCommands,
  },
  {
    commands: ['warehouse'],
    load: async () => (await import('./commands/warehouse-commands.js')).registerWarehouseCommands,
  },
  { commands: ['tables'], load: async () => (await import('./commands/table-commands.js')).registerTableCommands },
  { commands: ['sql'], load: async () => (await import('./commands/sql-command.js')).registerSqlCommand },
  { commands: ['alerts'], load: async () => (await import('./commands/alert-commands.js')).registerAlertCommands },
  { commands: ['serve'], load: async () => (await import('./commands/serve-command.js')).registerServeCommand },
];

/**
 * The registrations a run needs: the module of the command named first in `args` (the arguments after the
 * script), or every one (`--help`, `--version`, `help`, a name that is no command, which commander then answers
 * with its suggestions).
 */
export async function registrationsFor(args: readonly string[] | undefined): Promise<Register[]> {
  const named = args?.[0];
  const entry = COMMAND_MODULES.find((candidate) => named !== undefined && candidate.commands.includes(named));
  return Promise.all((entry === undefined ? COMMAND_MODULES : [entry]).map((candidate) => candidate.load()));
}
