/**
 * The terraform binary, for the Terraform modules' tests when one is on the PATH (none can be installed here; a
 * developer machine may have one): its version, and `terraform plan` over a module's variables alone, which needs
 * no provider, so their validation blocks are evaluated offline.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);
// No version check against HashiCorp's servers, no colour, no prompts.
const TF_ENV = { ...process.env, CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1', TF_INPUT: '0' };

export function runTerraform(args: readonly string[], cwd?: string): Promise<{ stdout: string; stderr: string }> {
  return exec('terraform', [...args], { env: TF_ENV, timeout: 60_000, ...(cwd ? { cwd } : {}) });
}

/** `terraform version`'s first line, or undefined when there is no terraform (the tests then skip, saying so). */
export const terraformVersion: string | undefined = await runTerraform(['version']).then(
  (out) => out.stdout.split('\n')[0],
  () => undefined,
);
if (terraformVersion === undefined) {
  console.warn('terraform is not on the PATH: skipping `terraform fmt -check` and the variable validation tests');
}

/** A work folder holding a module's variables.tf, initialised; `plan` evaluates tfvars against it. */
export interface VariablesPlan {
  /** '' when the values are accepted, else terraform's output on one line. */
  plan(tfvars: string): Promise<string>;
  close(): Promise<void>;
}

export async function openVariablesPlan(moduleDir: string): Promise<VariablesPlan> {
  const workDir = await mkdtemp(join(tmpdir(), 'marketlake-tfvars-'));
  await copyFile(join(moduleDir, 'variables.tf'), join(workDir, 'variables.tf'));
  await runTerraform(['init', '-backend=false', '-input=false', '-no-color'], workDir);
  return {
    async plan(tfvars) {
      const file = join(workDir, 'case.tfvars');
      await writeFile(file, `${tfvars}\n`);
      try {
        await runTerraform(['plan', '-input=false', '-no-color', `-var-file=${file}`], workDir);
        return '';
      } catch (error) {
        const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
        return `${stdout}\n${stderr}`.replace(/\s+/g, ' ');
      }
    },
    close: () => rm(workDir, { recursive: true, force: true }),
  };
}
