/**
 * How much the lake grows per day, stored plain and gzipped (issue 12, item 2): the decision to offer
 * MARKETLAKE_LAKE_COMPRESSION=gzip and the trade-off in docs/benchmarks.md, "Lake growth per day".
 *
 *   npm run build && npm run bench:lake-growth -- [--tickers 500] [--json file] [--keep]
 *
 * Two embedded homes, made in the same run: each gets day 1 (a first run) and day 2 with the same tickers and the
 * built CLI (`node bin/marketlake.js run`, the clock pinned with MARKETLAKE_NOW), one with the setting off, one
 * with gzip. Day 2's growth is measured three ways, because they bill differently:
 *   - object bytes: the bodies as stored, the sum of the listing's sizes (what S3 stores and bills);
 *   - file bytes: the file lake's object files (each also holds a JSON header line, src/storage/fs/object-file.ts);
 *   - disk bytes: allocated blocks (st_blocks x 512: a small file still takes a whole block).
 * The ratio plain / gzip of each is the saving; the issue asks for 4x or more. The CPU side: the runs' wall times,
 * and, in this process, the time to gzip and to gunzip day 2's bodies (what a writer and a reader pay).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { decodeBody, encodeBody, type LakeCompression } from '../src/lake/compression.js';
import { FsObjectStore } from '../src/storage/fs/fs-object-store.js';
import { listAllObjects } from '../src/storage/listing.js';
import { benchTickers, loadavg, machineInfo, msSince, now } from './pipeline/common.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin', 'marketlake.js');
const DAYS = ['2026-12-01T22:00:00Z', '2026-12-02T22:00:00Z'];

interface LakeSize {
  objects: number;
  gzipped: number;
  objectBytes: number;
  rawObjectBytes: number;
  processedObjectBytes: number;
  fileBytes: number;
  diskBytes: number;
}

interface Day {
  wallMs: number;
  after: LakeSize;
  growth: LakeSize;
}

function option(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at < 0 ? undefined : process.argv[at + 1];
}

async function main(): Promise<void> {
  const count = Number(option('--tickers') ?? 500);
  if (!Number.isInteger(count) || count < 1) throw new Error(`--tickers must be a positive integer`);
  const jsonPath = option('--json');
  const keep = process.argv.includes('--keep');
  if (!existsSync(join(ROOT, 'dist', 'lake', 'compression.js'))) {
    throw new Error('the built CLI has no compressed lake: run `npm run build` first');
  }
  const work = await mkdtemp(join(tmpdir(), 'marketlake-lake-growth-'));
  const universe = join(work, 'universe.txt');
  await writeFile(universe, `${benchTickers(count).join('\n')}\n`);
  console.log(`lake growth: ${count} tickers, days ${DAYS.join(', ')}, homes under ${work}`);

  const results: Record<LakeCompression, Day[]> = { none: [], gzip: [] };
  const modes = ['none', 'gzip'] as const;
  try {
    const before: Record<LakeCompression, LakeSize> = { none: emptySize(), gzip: emptySize() };
    // Day by day, the two modes back to back: both runs of a day meet the same machine load.
    for (const day of DAYS) {
      for (const compression of modes) {
        const home = join(work, compression);
        const t0 = now();
        await runCli(['run', '--home', home, '--universe', universe, '--json'], {
          MARKETLAKE_NOW: day,
          MARKETLAKE_LAKE_COMPRESSION: compression,
        });
        const wallMs = msSince(t0);
        const after = await lakeSize(join(home, 'lake'));
        results[compression].push({ wallMs, after, growth: difference(after, before[compression]) });
        console.log(
          `  ${compression} ${day.slice(0, 10)}: ${(wallMs / 1000).toFixed(1)} s, +${after.objects - before[compression].objects} objects (load ${loadavg()[0].toFixed(1)})`,
        );
        before[compression] = after;
      }
    }
    const codec = await codecCost(join(work, 'gzip', 'lake'), DAYS[1].slice(0, 10));
    report(results, codec, count);
    if (jsonPath !== undefined) {
      await writeFile(
        jsonPath,
        `${JSON.stringify({ machine: machineInfo(), tickers: count, results, codec }, null, 2)}\n`,
      );
    }
  } finally {
    if (!keep) await rm(work, { recursive: true, force: true });
  }
}

function runCli(args: string[], env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`marketlake ${args.join(' ')} exited ${code}: ${stderr}`)),
    );
  });
}

function emptySize(): LakeSize {
  return {
    objects: 0,
    gzipped: 0,
    objectBytes: 0,
    rawObjectBytes: 0,
    processedObjectBytes: 0,
    fileBytes: 0,
    diskBytes: 0,
  };
}

function difference(a: LakeSize, b: LakeSize): LakeSize {
  const out = emptySize();
  for (const field of Object.keys(out) as (keyof LakeSize)[]) out[field] = a[field] - b[field];
  return out;
}

/** The lake's objects (through the store's listing) and its files (every file under the folder). */
async function lakeSize(root: string): Promise<LakeSize> {
  const size = emptySize();
  for await (const object of listAllObjects(new FsObjectStore(root), '')) {
    size.objects++;
    size.objectBytes += object.size;
    if (object.key.startsWith('raw/')) size.rawObjectBytes += object.size;
    if (object.key.startsWith('processed/')) size.processedObjectBytes += object.size;
    if (object.key.endsWith('.gz')) size.gzipped++;
  }
  for (const file of await filesUnder(root)) {
    const facts = await stat(file);
    size.fileBytes += facts.size;
    size.diskBytes += facts.blocks * 512;
  }
  return size;
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

/** Gzip and gunzip of one day's data objects, in this process: the CPU a writer and a reader add. */
async function codecCost(root: string, date: string) {
  const store = new FsObjectStore(root);
  const bodies: string[] = [];
  for await (const object of listAllObjects(store, '')) {
    if (!/^(raw|processed)\//.test(object.key) || !object.key.includes(`/${date}/`)) continue;
    const stored = await store.get(object.key);
    bodies.push(Buffer.from(decodeBody(object.key, stored)).toString('utf8'));
  }
  const gzipped: Uint8Array[] = [];
  let t0 = now();
  for (const body of bodies) gzipped.push(encodeBody(body, 'gzip') as Uint8Array);
  const gzipMs = msSince(t0);
  t0 = now();
  for (const bytes of gzipped) decodeBody('x.json.gz', { body: bytes });
  const gunzipMs = msSince(t0);
  // The level the writer uses (6, zlib's default) against the fastest and the smallest.
  const levels = [1, 6, 9].map((level) => {
    const start = now();
    let bytes = 0;
    for (const body of bodies) bytes += gzipSync(Buffer.from(body, 'utf8'), { level }).length;
    return { level, bytes, ms: msSince(start) };
  });
  return { objects: bodies.length, gzipMs, gunzipMs, levels };
}

function report(results: Record<LakeCompression, Day[]>, codec: Awaited<ReturnType<typeof codecCost>>, count: number) {
  const mb = (bytes: number) => (bytes / 1e6).toFixed(2);
  const plain = results.none[1];
  const gzip = results.gzip[1];
  const rows: [string, number, number][] = [
    ['object bytes (S3 billed)', plain.growth.objectBytes, gzip.growth.objectBytes],
    ['  of which raw snapshots', plain.growth.rawObjectBytes, gzip.growth.rawObjectBytes],
    ['  of which processed results', plain.growth.processedObjectBytes, gzip.growth.processedObjectBytes],
    [
      '  of which other (lineage events, never compressed)',
      plain.growth.objectBytes - plain.growth.rawObjectBytes - plain.growth.processedObjectBytes,
      gzip.growth.objectBytes - gzip.growth.rawObjectBytes - gzip.growth.processedObjectBytes,
    ],
    ['file bytes (file lake)', plain.growth.fileBytes, gzip.growth.fileBytes],
    ['disk bytes (4 KiB blocks)', plain.growth.diskBytes, gzip.growth.diskBytes],
  ];
  console.log(
    `\nday 2 growth, ${count} tickers (${plain.growth.objects} objects plain, ${gzip.growth.objects} gzipped: ${gzip.growth.gzipped} .json.gz)`,
  );
  console.log('| measure | plain MB | gzip MB | plain / gzip |');
  console.log('|---|---:|---:|---:|');
  for (const [name, a, b] of rows) console.log(`| ${name} | ${mb(a)} | ${mb(b)} | ${(a / b).toFixed(2)}x |`);
  console.log(`\nrun wall time (the CLI, one process each)`);
  console.log('| day | plain s | gzip s | gzip / plain |');
  console.log('|---|---:|---:|---:|');
  for (let i = 0; i < DAYS.length; i++) {
    const a = results.none[i].wallMs / 1000;
    const b = results.gzip[i].wallMs / 1000;
    console.log(`| ${i + 1} | ${a.toFixed(1)} | ${b.toFixed(1)} | ${(b / a).toFixed(2)}x |`);
  }
  console.log(
    `\ncodec, in process, ${codec.objects} day-2 bodies: gzip -6 ${codec.gzipMs.toFixed(0)} ms ` +
      `(${((codec.gzipMs * 1000) / codec.objects).toFixed(0)} us each), gunzip ${codec.gunzipMs.toFixed(0)} ms ` +
      `(${((codec.gunzipMs * 1000) / codec.objects).toFixed(0)} us each)`,
  );
  for (const { level, bytes, ms } of codec.levels)
    console.log(`  gzip -${level}: ${(bytes / 1e6).toFixed(2)} MB in ${ms.toFixed(0)} ms`);
}

await main();
