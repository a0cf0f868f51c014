/**
 * Terraform files parsed with HashiCorp's own HCL parser (compiled to WebAssembly in @cdktn/hcl2json, the maintained
 * continuation of @cdktf/hcl2json; it runs offline). The result is Terraform's JSON syntax: blocks are arrays of
 * objects, and every expression that is not a plain literal is a string "${...}".
 */
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';

interface Reference {
  value: string;
  startPosition: number;
  endPosition: number;
}

interface Hcl2Json {
  parse(filename: string, contents: string): Promise<Record<string, unknown>>;
  getReferencesInExpression(filename: string, expression: string): Promise<Reference[]>;
}

// Loaded through require with a local type: the package's own .d.ts pulls the DOM lib into the whole program.
const hcl2json = createRequire(import.meta.url)('@cdktn/hcl2json') as Hcl2Json;

export type Block = Record<string, unknown>;

/** A Terraform module: every .tf file of one directory, merged as Terraform merges them. */
export interface TerraformModule {
  dir: string;
  files: string[];
  variable: Record<string, Block>;
  locals: Block;
  resource: Record<string, Record<string, Block>>;
  data: Record<string, Record<string, Block>>;
  output: Record<string, Block>;
  module: Record<string, Block>;
  provider: Record<string, Block>;
  terraform: Block[];
}

export async function parseHclFile(path: string): Promise<Record<string, unknown>> {
  return hcl2json.parse(path, await readFile(path, 'utf8'));
}

/** Every *.tf file under `dir`, recursively, skipping .terraform directories. */
export async function findTfFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.tf'))
    .map((e) => join(e.parentPath, e.name))
    .filter((path) => !relative(dir, path).split('/').includes('.terraform'))
    .sort();
}

/** The only block of a labelled block list (`variable "x" {}` parses to `{x: [{...}]}`). */
function one(blocks: unknown, what: string): Block {
  if (!Array.isArray(blocks) || blocks.length !== 1) throw new Error(`expected exactly one ${what}`);
  return blocks[0] as Block;
}

export async function loadModule(dir: string): Promise<TerraformModule> {
  const files = (await readdir(dir)).filter((name) => name.endsWith('.tf')).sort();
  const module: TerraformModule = {
    dir,
    files,
    variable: {},
    locals: {},
    resource: {},
    data: {},
    output: {},
    module: {},
    provider: {},
    terraform: [],
  };
  for (const file of files) {
    const parsed = await parseHclFile(join(dir, file));
    for (const [name, blocks] of Object.entries((parsed.variable ?? {}) as Record<string, unknown>)) {
      module.variable[name] = one(blocks, `variable "${name}"`);
    }
    for (const [name, blocks] of Object.entries((parsed.output ?? {}) as Record<string, unknown>)) {
      module.output[name] = one(blocks, `output "${name}"`);
    }
    for (const [name, blocks] of Object.entries((parsed.module ?? {}) as Record<string, unknown>)) {
      module.module[name] = one(blocks, `module "${name}"`);
    }
    for (const [name, blocks] of Object.entries((parsed.provider ?? {}) as Record<string, unknown>)) {
      module.provider[name] = one(blocks, `provider "${name}"`);
    }
    for (const locals of (parsed.locals ?? []) as Block[]) Object.assign(module.locals, locals);
    module.terraform.push(...((parsed.terraform ?? []) as Block[]));
    for (const kind of ['resource', 'data'] as const) {
      for (const [type, byName] of Object.entries((parsed[kind] ?? {}) as Record<string, Record<string, unknown>>)) {
        for (const [name, blocks] of Object.entries(byName)) {
          (module[kind][type] ??= {})[name] = one(blocks, `${kind} "${type}" "${name}"`);
        }
      }
    }
  }
  return module;
}

/** The references (var.x, local.y, each.value, ...) in one expression string. */
export async function references(expression: string): Promise<string[]> {
  const refs = await hcl2json.getReferencesInExpression('expression.tf', expression);
  return [...new Set(refs.map((r) => r.value))].sort();
}

/** `${var.name}` -> `name`; anything else (a literal, a longer expression) -> undefined. */
export async function soleVariable(expression: unknown): Promise<string | undefined> {
  if (typeof expression !== 'string') return undefined;
  const refs = await hcl2json.getReferencesInExpression('expression.tf', expression);
  if (refs.length !== 1) return undefined;
  const [ref] = refs;
  // The reference must be the whole expression: "${" + ref + "}".
  if (ref.startPosition !== 2 || ref.endPosition !== expression.length - 1 || !ref.value.startsWith('var.'))
    return undefined;
  return ref.value.slice('var.'.length);
}

/** Blocks of a nested block type: `rule { ... }` parses to `rule: [{...}]`. */
export function blocks(parent: Block, name: string): Block[] {
  const value = parent[name];
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new Error(`"${name}" is an attribute, not a block`);
  return value as Block[];
}

/** `dynamic "name" { ... }` blocks of a parent block. */
export function dynamicBlocks(parent: Block, name: string): Block[] {
  // hcl2json gives `dynamic` as one object keyed by block type; accept a list of such objects as well.
  const dynamic = parent.dynamic;
  if (dynamic === undefined) return [];
  const groups = (Array.isArray(dynamic) ? dynamic : [dynamic]) as Record<string, Block[] | undefined>[];
  return groups.flatMap((group) => group[name] ?? []);
}
