import { type Command, InvalidArgumentError } from 'commander';
import { parseInstant } from '../../as-known-at/instant.js';
import { UsageError } from '../../errors.js';
import { isIsoDate } from '../../market/dates.js';
import { OBJECT_KINDS, type ObjectKind } from '../../lake/keys.js';
import { listAllObjects } from '../../storage/listing.js';
import type { ListedObject } from '../../storage/object-store.js';
import { EXIT_FAILURE } from '../exit-codes.js';
import { formatTable, printJson } from '../output.js';
import { READ_ONLY, withRuntime, withRuntimeOptions } from '../runtime-options.js';
import type { LakeReader } from '../lake-reads.js';
import { parseTickerArgument } from '../tickers.js';
import type { ConfigFlags } from '../../config.js';
import { quote } from '../../quote.js';

function parseKind(value: string): ObjectKind {
  if (!(OBJECT_KINDS as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`unknown kind ${quote(value)} (one of ${OBJECT_KINDS.join(', ')})`);
  }
  return value as ObjectKind;
}

function parseDate(value: string): string {
  if (!isIsoDate(value)) throw new InvalidArgumentError(`${quote(value)} is not a date YYYY-MM-DD`);
  return value;
}

function parseInstantOption(value: string): Date {
  try {
    return parseInstant(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

/** A read of the lake (src/cli/lake-reads.ts), whose modules load when a read runs, not for `--help`. */
async function readLake<T>(flags: ConfigFlags, work: (reader: LakeReader) => Promise<T>): Promise<T> {
  const { withLakeReader } = await import('../lake-reads.js');
  return withLakeReader(flags, work);
}

interface ReadOptions extends ConfigFlags {
  date?: string;
  version?: string;
  asKnownAt?: Date;
  json?: boolean;
}

/** Reading the lake: get, versions, lineage, ls. */
export function registerLakeReadCommands(program: Command): void {
  withRuntimeOptions(
    program
      .command('get')
      .description('print a stored object: the latest, the latest of a date, or a given version')
      .argument('<kind>', `one of ${OBJECT_KINDS.join(', ')}`, parseKind)
      .argument('<ticker>', 'vendor symbol, e.g. NVDA, D05.SI', parseTickerArgument)
      .option('--date <date>', 'the latest object of this as-of date (fetch date for raw)', parseDate)
      .option('--version <version>', "a key timestamp (20261126_150000[_2]) or the store's version id")
      .option(
        '--as-known-at <time>',
        'the object that was the latest at this ISO time with a zone (what a report produced then saw), e.g. 2026-11-26T21:30:00Z',
        parseInstantOption,
      )
      .option('--json', 'print {key, version_id, tags, metadata, body}'),
  ).action(async (kind: ObjectKind, ticker: string, options: ReadOptions) => {
    if (options.version !== undefined && options.asKnownAt !== undefined)
      throw new UsageError('give --version or --as-known-at, not both');
    const asKnownAt = options.asKnownAt;
    const object =
      asKnownAt === undefined
        ? await readLake(options, ({ lake }) =>
            options.version
              ? lake.getByVersion(kind, ticker, options.version)
              : lake.getLatest(kind, ticker, options.date),
          )
        : // What was known when is the catalog's record (created_at): this read needs the database.
          await withRuntime(
            options,
            async ({ lake, warehouse }) => {
              const { getAsKnownAt } = await import('../../as-known-at/index.js');
              return getAsKnownAt(lake, warehouse.db, {
                kind,
                ticker,
                at: asKnownAt,
                ...(options.date ? { date: options.date } : {}),
              });
            },
            READ_ONLY,
          );
    if (options.json) {
      return printJson({
        key: object.key,
        version_id: object.versionId,
        tags: object.tags,
        metadata: object.metadata,
        body: object.body,
      });
    }
    const lines = [
      `key:        ${object.key}`,
      `version id: ${object.versionId}`,
      `tags:       ${Object.entries(object.tags)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}`,
      ...Object.entries(object.metadata).map(([k, v]) => `meta ${k}: ${v}`),
      '',
      JSON.stringify(object.body, null, 2),
    ];
    process.stdout.write(lines.join('\n') + '\n');
  });

  withRuntimeOptions(
    program
      .command('versions')
      .description('list every stored version of a kind for a ticker, newest first')
      .argument('<kind>', `one of ${OBJECT_KINDS.join(', ')}`, parseKind)
      .argument('<ticker>', 'vendor symbol', parseTickerArgument)
      .option('--date <date>', 'only this as-of date (fetch date for raw)', parseDate)
      .option('--json', 'print an array of {key, version_id, date, computed_at, computation_version}'),
  ).action(async (kind: ObjectKind, ticker: string, options: ReadOptions) => {
    await readLake(options, async ({ lake }) => {
      const versions = await lake.listVersions(kind, ticker, options.date);
      if (options.json) return printJson(versions);
      process.stdout.write(
        formatTable([
          ['date', 'computed_at', 'version', 'key', 'version_id'],
          ...versions.map((v) => [v.date, v.computed_at ?? '-', v.computation_version ?? '-', v.key, v.version_id]),
        ]) + `\n(${versions.length} versions)\n`,
      );
    });
  });

  withRuntimeOptions(
    program
      .command('lineage')
      .description('where an object came from (processed -> raw) and what was computed from it (raw -> processed)')
      .argument('<key>', 'an object key, e.g. processed/indicators/NVDA/2026-11-25/20261126_150000.json')
      .option('--json', 'print {key, sources: [{key, version_id, sha256}], derived: [{key, version_id}]}'),
  ).action(async (key: string, options: ReadOptions) => {
    await readLake(options, async ({ lake }) => {
      const lineage = await lake.lineage(key);
      if (options.json) return printJson({ key: lineage.key, sources: lineage.sources, derived: lineage.derived });
      const lines = [`${lineage.key} (version ${lineage.version_id})`];
      for (const source of lineage.sources)
        lines.push(`  computed from ${source.key} (version ${source.version_id}, sha256 ${source.sha256})`);
      for (const derived of lineage.derived) lines.push(`  -> ${derived.key} (version ${derived.version_id})`);
      if (lineage.sources.length === 0 && lineage.derived.length === 0) lines.push('  (nothing computed from it yet)');
      process.stdout.write(lines.join('\n') + '\n');
    });
  });

  withRuntimeOptions(
    program
      .command('ls')
      .description(
        'list object keys under a prefix; an object the store cannot serve is listed marked as damaged (exit 1)',
      )
      .argument('[prefix]', 'key prefix, e.g. processed/indicators/NVDA/', '')
      .option('--json', 'print an array: a key (string) per object, {"key", "damaged": why} for a damaged one'),
  ).action(async (prefix: string, options: ReadOptions) => {
    await readLake(options, async ({ store }) => {
      const listed: ListedObject[] = [];
      for await (const object of listAllObjects(store, prefix)) listed.push(object);
      const damaged = listed.filter((object) => object.damage !== undefined).length;
      // A healthy object stays a plain key, as before; a damaged one is an object, so that a script expecting
      // keys fails on it loudly instead of going on to read something the store cannot serve.
      if (options.json)
        printJson(
          listed.map((object) =>
            object.damage === undefined ? object.key : { key: object.key, damaged: object.damage },
          ),
        );
      else
        process.stdout.write(
          listed
            .map((object) =>
              object.damage === undefined ? `${object.key}\n` : `${object.key}  DAMAGED: ${object.damage}\n`,
            )
            .join(''),
        );
      if (damaged > 0) {
        process.stderr.write(
          `ls: ${damaged} of ${listed.length} listed objects cannot be read (marked DAMAGED); \`marketlake verify\` reports them with the rest\n`,
        );
        process.exitCode = EXIT_FAILURE;
      }
    });
  });
}
