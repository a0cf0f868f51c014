/**
 * `marketlake quality check` over a lake made by real runs (sample source, two days): a clean lake passes every
 * error check; a vendor fault written as a later raw snapshot is found and named (ticker, check, date, key);
 * `--tickers` narrows the findings but not the peer calendar; `--date` judges the older snapshot; a damaged raw
 * object is reported by its key while the others are still judged; the quality config is read from the flag, the
 * variable or the home. Each test that changes the lake works on its own copy of the home. Once more on S3 (RGW)
 * with gzipped objects.
 */
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataLake, rawKeyParts } from '../../src/lake/data-lake.js';
import { renderRaw } from '../../src/lake/formats/raw.js';
import type { RawSnapshot } from '../../src/lake/formats/raw.js';
import { objectKey } from '../../src/lake/keys.js';
import { CHECKS } from '../../src/quality/catalog.js';
import type { S3ObjectStore } from '../../src/storage/s3/s3-object-store.js';
import { FsObjectStore } from '../../src/storage/fs/fs-object-store.js';
import { type CliResult, runCli } from '../support/cli.js';
import { replaceBody, scribble } from '../support/fs-tamper.js';
import { describeOnRgw, type RgwTestContext } from '../support/rgw.js';
import { withEnv } from '../support/env.js';

/** Six tickers of one market (min_peers is 3: the US has a peer calendar), and two others. */
const US = ['AAPL', 'AMZN', 'GOOGL', 'META', 'MSFT', 'NVDA'];
const TICKERS = [...US, '7203.T', 'D05.SI'].sort();
const DAY_1 = '2026-12-01T22:00:00Z';
const DAY_2 = '2026-12-02T22:00:00Z';
const DAY_3 = '2026-12-03T22:00:00Z';
/** The checks that judge a snapshot found in the lake (vendor.payload_shape is the run's, for a failed fetch). */
const LAKE_CHECKS = CHECKS.filter((check) => check.phase !== 'vendor').map((check) => check.id);

interface Finding {
  ticker: string;
  market: string;
  check: string;
  severity: 'error' | 'warn';
  passed: boolean;
  observed: unknown;
  expected: unknown;
  details: string;
  as_of: string | null;
  raw_key: string | null;
  raw_version_id: string | null;
  raw_sha256: string | null;
}

interface Report {
  date: string | null;
  policy: string;
  tickers: number;
  errors: number;
  warnings: number;
  findings: Finding[];
  problems: { ticker: string; key: string | null; reason: string }[];
}

function report(result: CliResult): Report {
  return JSON.parse(result.stdout) as Report;
}

function rawKey(ticker: string, day: string): string {
  const stamp = day.replace(/[-:]/g, '').replace('T', '_').slice(0, 15);
  return objectKey('raw', ticker, day.slice(0, 10), stamp, 1, 'sample', 'none');
}

describe('marketlake quality check', () => {
  let scratch: string;
  let home: string;
  let copies = 0;

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'marketlake-quality-check-'));
    home = join(scratch, 'home');
    for (const now of [DAY_1, DAY_2]) {
      const run = await withEnv({ MARKETLAKE_NOW: now }, () =>
        runCli('run', '--home', home, '--tickers', TICKERS.join(','), '--json'),
      );
      expect(run.code, run.stderr).toBe(0);
    }
  }, 180_000);
  afterAll(async () => rm(scratch, { recursive: true, force: true }));

  /** A home holding a copy of the lake, to change; the lake folder is `<copy>/lake`. */
  async function copyOfHome(): Promise<{ home: string; lake: string }> {
    const copy = join(scratch, `copy-${++copies}`);
    // The lake alone: the command never opens the database.
    await cp(join(home, 'lake'), join(copy, 'lake'), { recursive: true });
    return { home: copy, lake: join(copy, 'lake') };
  }

  /** Writes a later raw snapshot of `ticker` (DAY_3) made from its DAY_2 one by `fault`, as a vendor's answer. */
  async function writeFaultySnapshot(lake: string, ticker: string, fault: (snapshot: RawSnapshot) => void) {
    const store = new FsObjectStore(lake);
    const dataLake = new DataLake(store);
    const { body } = await dataLake.get<RawSnapshot>(rawKey(ticker, DAY_2));
    const snapshot: RawSnapshot = { ...body, fetched_at: new Date(DAY_3).toISOString(), bars: [...body.bars] };
    fault(snapshot);
    const parts = rawKeyParts(snapshot);
    const key = objectKey('raw', ticker, parts.date, parts.timestamp, 1, 'sample', 'none');
    const written = await dataLake.write(parts, renderRaw(key, snapshot));
    expect(written.key).toBe(key);
    return written;
  }

  it('passes a clean lake: exit 0, every check of every ticker, each naming the snapshot it judged', async () => {
    const result = await runCli('quality', 'check', '--home', home, '--json');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const clean = report(result);
    expect(clean).toMatchObject({ date: null, policy: 'block', tickers: TICKERS.length, errors: 0 });
    // An audit: every verdict is listed, passed ones too, ordered by ticker then check.
    expect(clean.findings).toHaveLength(TICKERS.length * LAKE_CHECKS.length);
    const order = clean.findings.map((finding) => `${finding.ticker} ${finding.check}`);
    expect(order).toEqual(TICKERS.flatMap((ticker) => [...LAKE_CHECKS].sort().map((check) => `${ticker} ${check}`)));
    expect(clean.findings.filter((finding) => finding.severity === 'error' && !finding.passed)).toEqual([]);
    const store = new FsObjectStore(join(home, 'lake'));
    for (const ticker of TICKERS) {
      const key = rawKey(ticker, DAY_2);
      const head = await store.head(key);
      for (const finding of clean.findings.filter((one) => one.ticker === ticker)) {
        expect(finding.raw_key).toBe(key);
        expect(finding.raw_version_id).toBe(head.versionId);
        expect(finding.raw_sha256).toBe(head.metadata.content_sha256);
        expect(finding.as_of).toBe(head.metadata.last_date);
      }
    }
    // The previous snapshot (DAY_1) was compared with, and the US has a peer calendar.
    const nvda = (check: string) => clean.findings.find((one) => one.ticker === 'NVDA' && one.check === check)!;
    expect(nvda('stability.history_shrank')).toMatchObject({ passed: true, observed: 0, details: '' });
    expect(nvda('completeness.peer_dates')).toMatchObject({ passed: true, observed: 0, details: '' });

    const text = await runCli('quality', 'check', '--home', home);
    expect(text.code).toBe(0);
    expect(text.stdout).toBe(`quality check: ${TICKERS.length} tickers, 0 error findings, 0 warnings\n`);
  });

  it('finds a vendor fault in a later snapshot (high below low): exit 1, naming ticker, check, date and key', async () => {
    const copy = await copyOfHome();
    let faultDate = '';
    const written = await writeFaultySnapshot(copy.lake, 'AAPL', (snapshot) => {
      const index = snapshot.bars.length - 10;
      const bar = snapshot.bars[index];
      faultDate = bar.date;
      snapshot.bars[index] = { ...bar, high: bar.low * 0.9 };
    });

    const result = await runCli('quality', 'check', '--home', copy.home, '--json');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1);
    const faulty = report(result);
    expect(faulty.errors).toBe(1);
    const failed = faulty.findings.filter((finding) => !finding.passed && finding.severity === 'error');
    expect(failed).toEqual([
      expect.objectContaining({
        ticker: 'AAPL',
        market: 'US',
        check: 'consistency.high_low',
        observed: 1,
        expected: 0,
        raw_key: written.key,
        raw_version_id: written.versionId,
        raw_sha256: written.sha256,
      }),
    ]);
    expect(failed[0].details).toContain(faultDate);
    // The other tickers were judged on their own snapshots, and pass.
    expect(new Set(faulty.findings.map((finding) => finding.ticker))).toEqual(new Set(TICKERS));

    const failedOnly = report(await runCli('quality', 'check', '--home', copy.home, '--json', '--failed'));
    expect(failedOnly.findings.every((finding) => !finding.passed)).toBe(true);
    expect(failedOnly.findings.map((finding) => finding.check)).toContain('consistency.high_low');

    const text = await runCli('quality', 'check', '--home', copy.home);
    expect(text.code).toBe(1);
    const line = text.stdout.split('\n').find((one) => one.startsWith('ERROR AAPL consistency.high_low: '));
    expect(line).toContain(faultDate);
    expect(line).toContain(written.key);
    expect(text.stdout).toMatch(/\nquality check: 8 tickers, 1 error findings, \d+ warnings\n$/);

    // --tickers narrows the findings: without AAPL, nothing fails; the peer calendar is still the market's.
    const narrowed = await runCli('quality', 'check', '--home', copy.home, '--tickers', 'NVDA,msft', '--json');
    expect(narrowed.code).toBe(0);
    const few = report(narrowed);
    expect(few.tickers).toBe(2);
    expect(new Set(few.findings.map((finding) => finding.ticker))).toEqual(new Set(['MSFT', 'NVDA']));
    const peerDates = few.findings.find((one) => one.ticker === 'NVDA' && one.check === 'completeness.peer_dates');
    expect(peerDates).toMatchObject({ passed: true, observed: 0, details: '' });

    // --date picks the snapshot of that day: AAPL's DAY_2 one, before the fault.
    const before = await runCli('quality', 'check', '--home', copy.home, '--date', DAY_2.slice(0, 10), '--json');
    expect(before.code).toBe(0);
    const aapl = report(before).findings.filter((finding) => finding.ticker === 'AAPL');
    expect(new Set(aapl.map((finding) => finding.raw_key))).toEqual(new Set([rawKey('AAPL', DAY_2)]));
  });

  it('judges the older snapshot with --date, without a previous one to compare with', async () => {
    const result = await runCli('quality', 'check', '--home', home, '--date', DAY_1.slice(0, 10), '--json');
    expect(result.code).toBe(0);
    const older = report(result);
    expect(older.date).toBe(DAY_1.slice(0, 10));
    for (const finding of older.findings) expect(finding.raw_key).toBe(rawKey(finding.ticker, DAY_1));
    const shrank = older.findings.find((one) => one.ticker === 'NVDA' && one.check === 'stability.history_shrank');
    expect(shrank).toMatchObject({ passed: true, observed: null });
    expect(shrank!.details).toMatch(/no previous snapshot/);

    // Before any snapshot: nothing to judge; a named ticker without one is a problem, not a silent pass.
    const none = await runCli('quality', 'check', '--home', home, '--date', '2026-11-30', '--json');
    expect(none.code).toBe(0);
    expect(report(none)).toMatchObject({ tickers: 0, findings: [], problems: [] });
    const named = await runCli('quality', 'check', '--home', home, '--date', '2026-11-30', '--tickers', 'NVDA');
    expect(named.code).toBe(1);
    expect(named.stdout).toContain('PROBLEM NVDA -: no raw snapshot fetched on or before 2026-11-30 in the lake');
  });

  it('refuses a bad command line with exit 2 before any I/O', async () => {
    const nowhere = join(scratch, 'no-such-home');
    for (const args of [
      ['--date', '2026-02-30'],
      ['--date', 'yesterday'],
      ['--tickers', ''],
      ['--tickers', 'NVDA,,AAPL'],
      ['--quality-policy', 'maybe'],
      ['--computation-version', '9.9'],
    ]) {
      const result = await runCli('quality', 'check', '--home', nowhere, ...args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stdout).toBe('');
    }
    expect(existsSync(nowhere)).toBe(false);
    // A good command line on a home without a lake is a failure (1), and creates nothing either.
    const absent = await runCli('quality', 'check', '--home', nowhere);
    expect(absent.code).toBe(1);
    expect(absent.stderr).toContain('there is no lake at');
    expect(existsSync(nowhere)).toBe(false);
  });

  it('reports a damaged raw object by its key and still judges the others', async () => {
    const copy = await copyOfHome();
    const unservable = rawKey('MSFT', DAY_2);
    const notJson = rawKey('AMZN', DAY_2);
    const damagedPrevious = rawKey('NVDA', DAY_1);
    await scribble(copy.lake, unservable);
    await replaceBody(copy.lake, notJson, () => '{"schema": "marketlake.raw/1", "bars": [');
    await replaceBody(copy.lake, damagedPrevious, (body) => body.replace('"bars"', '"barz"'));

    const result = await runCli('quality', 'check', '--home', copy.home, '--json');
    expect(result.code).toBe(1);
    const damaged = report(result);
    expect(damaged.problems.map((problem) => [problem.ticker, problem.key])).toEqual([
      ['AMZN', notJson],
      ['MSFT', unservable],
      ['NVDA', damagedPrevious],
    ]);
    for (const problem of damaged.problems) expect(problem.reason).toContain(problem.key);
    expect(damaged.problems[0].reason).toMatch(/not JSON/);
    // The two whose latest snapshot is unreadable are not judged; NVDA is, without a previous snapshot.
    expect(damaged.tickers).toBe(TICKERS.length - 2);
    const judged = new Set(damaged.findings.map((finding) => finding.ticker));
    expect(judged).toEqual(new Set(TICKERS.filter((ticker) => ticker !== 'MSFT' && ticker !== 'AMZN')));
    expect(damaged.errors).toBe(0);
    const nvdaShrank = damaged.findings.find(
      (one) => one.ticker === 'NVDA' && one.check === 'stability.history_shrank',
    );
    expect(nvdaShrank?.details).toMatch(/no previous snapshot/);

    const text = await runCli('quality', 'check', '--home', copy.home);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain(`PROBLEM AMZN ${notJson}: cannot read the raw snapshot`);
    expect(text.stdout).toContain(
      'quality check: 6 tickers, 0 error findings, 0 warnings, 3 problem(s) reading the lake',
    );

    // A named ticker's peer that cannot be read is reported too (the calendar was made without it).
    const narrowed = report(await runCli('quality', 'check', '--home', copy.home, '--tickers', 'AAPL', '--json'));
    expect(narrowed.tickers).toBe(1);
    expect(narrowed.problems.map((problem) => problem.key)).toEqual([notJson, unservable]);
    expect(narrowed.problems[0].reason).toContain('a peer left out of the US peer calendar');
  });

  it('reads the quality config from the flag, the variable or the home; the policy flag overrides it', async () => {
    const copy = await copyOfHome();
    await writeFaultySnapshot(copy.lake, 'AAPL', (snapshot) => {
      const index = snapshot.bars.length - 10;
      snapshot.bars[index] = { ...snapshot.bars[index], high: snapshot.bars[index].low * 0.9 };
    });
    // quality.json in the home: the check is off for AAPL, so the fault is not judged, and the policy is warn.
    await writeFile(
      join(copy.home, 'quality.json'),
      JSON.stringify({
        policy: 'warn',
        tickers: { AAPL: { checks: { 'consistency.high_low': { enabled: false } } } },
      }),
    );
    const fromHome = await runCli('quality', 'check', '--home', copy.home, '--json');
    expect(fromHome.code).toBe(0);
    const relaxed = report(fromHome);
    expect(relaxed.policy).toBe('warn');
    expect(relaxed.findings.filter((one) => one.ticker === 'AAPL').map((one) => one.check)).not.toContain(
      'consistency.high_low',
    );
    expect(relaxed.findings.filter((one) => one.ticker === 'NVDA').map((one) => one.check)).toContain(
      'consistency.high_low',
    );
    const policy = await runCli('quality', 'check', '--home', copy.home, '--json', '--quality-policy', 'block');
    expect(report(policy).policy).toBe('block');

    // The flag, then the variable, come before the home's file: the defaults find the fault again.
    const defaults = join(scratch, 'defaults.json');
    await writeFile(defaults, '{}');
    const fromFlag = await runCli('quality', 'check', '--home', copy.home, '--quality-config', defaults, '--json');
    expect(fromFlag.code).toBe(1);
    expect(report(fromFlag).policy).toBe('block');
    const typo = join(scratch, 'typo.json');
    await writeFile(typo, JSON.stringify({ checks: { 'consistency.hi_lo': { enabled: false } } }));
    const fromEnv = await withEnv({ MARKETLAKE_QUALITY_CONFIG: typo }, () =>
      runCli('quality', 'check', '--home', copy.home, '--json'),
    );
    expect(fromEnv.code).toBe(1);
    expect(fromEnv.stdout).toBe('');
    expect(fromEnv.stderr).toContain(typo);
    expect(fromEnv.stderr).toContain('consistency.hi_lo');
  });
});

describeOnRgw('marketlake quality check on an S3 lake with gzipped objects', (rgw: RgwTestContext) => {
  let home: string;
  const saved = { ...process.env };
  let store: S3ObjectStore;
  const lakeFlags = () => ['--lake', `s3://${rgw.bucket()}/lake`, '--s3-endpoint', rgw.settings.endpoint];
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'marketlake-quality-s3-'));
    process.env.AWS_ACCESS_KEY_ID = rgw.settings.credentials.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = rgw.settings.credentials.secretAccessKey;
    process.env.AWS_REGION = rgw.settings.region;
    store = rgw.openStore({ prefix: 'lake' });
    for (const [now, compression] of [
      [DAY_1, 'none'],
      [DAY_2, 'gzip'],
    ]) {
      const run = await withEnv({ MARKETLAKE_NOW: now }, () =>
        runCli('run', '--home', home, ...lakeFlags(), '--tickers', US.join(','), '--lake-compression', compression),
      );
      expect(run.code, run.stderr).toBe(0);
    }
  }, 180_000);
  afterAll(async () => {
    process.env = saved;
    await rm(home, { recursive: true, force: true });
  });

  it('judges the gzipped snapshots by their documents, and reports a truncated one by its key', async () => {
    const result = await runCli('quality', 'check', ...lakeFlags(), '--json');
    expect(result.code, result.stderr).toBe(0);
    const clean = report(result);
    expect(clean).toMatchObject({ tickers: US.length, errors: 0, problems: [] });
    for (const ticker of US) {
      const key = `${rawKey(ticker, DAY_2)}.gz`;
      const head = await store.head(key);
      const finding = clean.findings.find((one) => one.ticker === ticker && one.check === 'consistency.high_low')!;
      // The sha256 of the uncompressed document, as the lake records it, and the previous (plain) day compared with.
      expect(finding).toMatchObject({ passed: true, raw_key: key, raw_sha256: head.metadata.content_sha256 });
      const shrank = clean.findings.find((one) => one.ticker === ticker && one.check === 'stability.history_shrank');
      expect(shrank).toMatchObject({ passed: true, observed: 0 });
    }

    // A later snapshot of META whose gzip stream is cut short: a problem naming it; the others are still judged.
    const truncated = `${rawKey('META', DAY_3)}.gz`;
    const whole = gzipSync(Buffer.from('{"schema": "marketlake.raw/1"}'));
    await store.put({
      key: truncated,
      body: whole.subarray(0, whole.length - 8),
      contentType: 'application/json',
      contentEncoding: 'gzip',
    });
    const damaged = await runCli('quality', 'check', ...lakeFlags(), '--json');
    expect(damaged.code).toBe(1);
    const after = report(damaged);
    expect(after.tickers).toBe(US.length - 1);
    expect(after.problems).toEqual([
      { ticker: 'META', key: truncated, reason: expect.stringMatching(/cannot decompress .*not a complete gzip/) },
    ]);
  });
});
