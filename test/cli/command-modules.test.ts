/**
 * The table of src/cli/command-modules.ts, by which a run loads only the module of its command: each module
 * registers exactly the commands the table names for it, every command is in it, and a program built for one
 * command has that command alone (so a name missing from the table would make that command unknown).
 */
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { COMMAND_MODULES } from '../../src/cli/command-modules.js';
import { buildProgram } from '../../src/cli/main.js';

describe('the commands by module (lazy registration)', () => {
  it('each module registers exactly the commands the table names for it, in --help order', async () => {
    for (const entry of COMMAND_MODULES) {
      const program = new Command('marketlake');
      (await entry.load())(program);
      expect(program.commands.map((command) => command.name())).toEqual(entry.commands);
    }
    const all = await buildProgram();
    expect(all.commands.map((command) => command.name())).toEqual(COMMAND_MODULES.flatMap((entry) => entry.commands));
  });

  it('a program built for one command registers its module alone; help and unknown names get every command', async () => {
    for (const entry of COMMAND_MODULES) {
      for (const name of entry.commands) {
        const program = await buildProgram([name, '--help']);
        expect(program.commands.map((command) => command.name())).toEqual(entry.commands);
      }
    }
    const everyCommand = COMMAND_MODULES.flatMap((entry) => entry.commands);
    for (const args of [['--help'], ['help', 'sql'], ['--version'], ['sqll'], []]) {
      const program = await buildProgram(args);
      expect(program.commands.map((command) => command.name())).toEqual(everyCommand);
    }
  });
});
