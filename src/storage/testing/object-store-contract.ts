import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidObjectKeyError, ObjectExistsError, ObjectNotFoundError, ObjectStoreError } from '../errors.js';
import { collect, listAllCommonPrefixes, listAllKeys } from '../listing.js';
import type { ListObjectsInput, ListObjectsPage, ObjectStore } from '../object-store.js';

/**
 * The behaviour every ObjectStore must show, written once against the interface and run for each backend
 * (fs-object-store.test.ts; the S3 store will call it with a bucket). Every test works under its own fresh
 * prefix and lists nothing outside it, so the suite can run against one shared, non-empty bucket, repeatedly
 * and in parallel with other runs.
 */
export interface OpenedObjectStore {
  store: ObjectStore;
  close(): Promise<void>;
}

const encoder = new TextEncoder();
const text = (body: Uint8Array): string => new TextDecoder().decode(body);
/** S3 order: by UTF-8 bytes. Computed here with Buffer.compare, independently of the library's compareKeys. */
const s3Order = (keys: readonly string[]): string[] =>
  [...keys].sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));

export async function listPages(store: ObjectStore, input: ListObjectsInput): Promise<ListObjectsPage[]> {
  const pages: ListObjectsPage[] = [];
  let continuationToken = input.continuationToken;
  do {
    const page = await store.list({ ...input, continuationToken });
    pages.push(page);
    continuationToken = page.nextContinuationToken;
    if (pages.length > 10_000) throw new Error('pagination does not end');
  } while (continuationToken !== undefined);
  return pages;
}

export function describeObjectStoreContract(name: string, open: () => Promise<OpenedObjectStore>): void {
  describe(`ObjectStore contract: ${name}`, () => {
    let opened: OpenedObjectStore | undefined;
    const run = `${new Date().toISOString().slice(0, 10)}-${randomUUID()}`;
    let tests = 0;

    beforeAll(async () => {
      opened = await open();
    });
    afterAll(async () => {
      await opened?.close();
    });

    const store = (): ObjectStore => {
      if (opened === undefined) throw new Error('store not opened');
      return opened.store;
    };
    /** A prefix no other test (of this or any other run) uses. */
    const freshPrefix = (): string => `contract-tests/${run}/${++tests}/`;
    const putText = (key: string, body: string, contentType = 'text/plain') => store().put({ key, body, contentType });
    const keysUnder = async (prefix: string) =>
      (await listPages(store(), { prefix })).flatMap((p) => p.objects.map((o) => o.key));

    it('round-trips bytes', async () => {
      const key = `${freshPrefix()}bytes.bin`;
      // every byte value, NUL and 0x0a included
      const body = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) % 256);
      const put = await store().put({ key, body, contentType: 'application/octet-stream' });
      expect(put.key).toBe(key);
      expect(put.versionId).toEqual(expect.any(String));
      expect(put.versionId.length).toBeGreaterThan(0);

      const got = await store().get(key);
      expect(got.key).toBe(key);
      expect(got.versionId).toBe(put.versionId);
      expect(got.size).toBe(body.length);
      expect(got.body).toBeInstanceOf(Uint8Array);
      expect(Buffer.from(got.body).equals(Buffer.from(body))).toBe(true);
      expect(got.contentType).toBe('application/octet-stream');
    });

    it('stores a string body as UTF-8', async () => {
      const key = `${freshPrefix()}text.json`;
      const body = '{"name":"Grüße 📈 ¥€","line":"a\\nb"}\n';
      await putText(key, body, 'application/json');
      const got = await store().get(key);
      expect(Buffer.from(got.body).equals(Buffer.from(encoder.encode(body)))).toBe(true);
      expect(got.size).toBe(Buffer.byteLength(body, 'utf8'));
      expect(text(got.body)).toBe(body);
      expect(got.contentType).toBe('application/json');
    });

    it('keeps an encoded body byte for byte and records its content encoding (absent when none was given)', async () => {
      const prefix = freshPrefix();
      const gzipped = gzipSync(Buffer.from('{"a":1}\n'));
      await store().put({
        key: `${prefix}doc.json.gz`,
        body: gzipped,
        contentType: 'application/json',
        contentEncoding: 'gzip',
      });
      await putText(`${prefix}doc.json`, '{"a":1}\n', 'application/json');
      const got = await store().get(`${prefix}doc.json.gz`);
      // Stored, not decoded: the reader decides (a client that decodes on the fly would break the lake's hashes).
      expect(Buffer.from(got.body).equals(gzipped)).toBe(true);
      expect(got.size).toBe(gzipped.length);
      expect(got.contentEncoding).toBe('gzip');
      expect((await store().head(`${prefix}doc.json.gz`)).contentEncoding).toBe('gzip');
      expect((await store().get(`${prefix}doc.json`)).contentEncoding).toBeUndefined();
      expect((await store().head(`${prefix}doc.json`)).contentEncoding).toBeUndefined();
      await expect(
        store().put({ key: `${prefix}bad`, body: 'x', contentType: 'text/plain', contentEncoding: 'gzip\r\nX: y' }),
      ).rejects.toThrow(/contentEncoding/);
    });

    it('stores an empty body', async () => {
      const key = `${freshPrefix()}empty`;
      await store().put({ key, body: new Uint8Array(0), contentType: 'application/octet-stream' });
      const got = await store().get(key);
      expect(got.size).toBe(0);
      expect(got.body.length).toBe(0);
      expect((await store().head(key)).size).toBe(0);
    });

    it('round-trips content type, tags and metadata', async () => {
      const prefix = freshPrefix();
      const key = `${prefix}processed/indicators/EURUSD=X/2026-11-26/20261126_120000.json`;
      const tags = {
        source: 'computed',
        ticker: 'EURUSD=X',
        computed_at: '2026-11-26',
        source_raw_data: `${prefix}raw/yfinance/EURUSD=X/2026-11-26/20261126_115959.json`,
        computation_version: '2.0',
        'with space': 'a b+c-d=e.f_g:h/i@j',
      };
      const metadata = {
        computed_at: '2026-11-26T12:00:00.000Z',
        source_raw_data_key: 'raw/yfinance/EURUSD=X/2026-11-26/20261126_115959.json',
        content_sha256: 'ab'.repeat(32),
        producer: 'marketlake/0.1.0',
        indicators_computed: 'sma_20,rsi_14',
      };
      const contentType = 'application/json; charset=utf-8';
      await store().put({ key, body: '{}', contentType, tags, metadata });

      const got = await store().get(key);
      expect(got.contentType).toBe(contentType);
      expect(got.metadata).toEqual(metadata);
      const head = await store().head(key);
      expect(head.contentType).toBe(contentType);
      expect(head.metadata).toEqual(metadata);
      expect(await store().getTags(key)).toEqual(tags);
    });

    it('puts without tags or metadata read back empty', async () => {
      const key = `${freshPrefix()}plain.txt`;
      await putText(key, 'x');
      expect((await store().get(key)).metadata).toEqual({});
      expect(await store().getTags(key)).toEqual({});
    });

    it('head describes an object without reading its body', async () => {
      const key = `${freshPrefix()}head.txt`;
      const before = Date.now();
      const put = await putText(key, 'hello, head');
      const head = await store().head(key);
      expect(head.key).toBe(key);
      expect(head.versionId).toBe(put.versionId);
      expect(head.size).toBe(11);
      expect(head.contentType).toBe('text/plain');
      expect(head.lastModified).toBeInstanceOf(Date);
      // Whole seconds on S3, and another machine's clock: allow generous skew.
      expect(Math.abs(head.lastModified.getTime() - before)).toBeLessThan(5 * 60_000);
      expect('body' in head).toBe(false);
      if (put.etag !== undefined && head.etag !== undefined) expect(head.etag).toBe(put.etag);
      const got = await store().get(key);
      expect(got.lastModified.getTime()).toBe(head.lastModified.getTime());
    });

    it('reads a given version', async () => {
      const key = `${freshPrefix()}versioned.txt`;
      const put = await putText(key, 'v1');
      const got = await store().get(key, { versionId: put.versionId });
      expect(text(got.body)).toBe('v1');
      expect(got.versionId).toBe(put.versionId);
      expect((await store().head(key, { versionId: put.versionId })).versionId).toBe(put.versionId);
      await store().put({ key: `${key}.tagged`, body: 'x', contentType: 'text/plain', tags: { a: 'b' } });
      const tagged = await store().head(`${key}.tagged`);
      expect(await store().getTags(`${key}.tagged`, { versionId: tagged.versionId })).toEqual({ a: 'b' });
    });

    it('a version id of another object is not found', async () => {
      const prefix = freshPrefix();
      await putText(`${prefix}one`, '1');
      const two = await putText(`${prefix}two`, '2');
      const error = await store()
        .get(`${prefix}one`, { versionId: two.versionId })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ObjectNotFoundError);
      expect((error as ObjectNotFoundError).key).toBe(`${prefix}one`);
      await expect(store().head(`${prefix}one`, { versionId: two.versionId })).rejects.toBeInstanceOf(
        ObjectNotFoundError,
      );
    });

    it('missing objects are ObjectNotFoundError', async () => {
      const prefix = freshPrefix();
      await putText(`${prefix}present/child`, 'x'); // a "folder" is not an object
      for (const key of [`${prefix}absent`, `${prefix}present`, `${prefix}present/child/deeper`]) {
        for (const read of [() => store().get(key), () => store().head(key), () => store().getTags(key)]) {
          const error = await read().catch((e: unknown) => e);
          expect(error).toBeInstanceOf(ObjectNotFoundError);
          expect(error).toBeInstanceOf(ObjectStoreError);
          expect((error as ObjectNotFoundError).key).toBe(key);
        }
      }
    });

    it('put is create-only: a second put of a key fails and changes nothing', async () => {
      const key = `${freshPrefix()}once.json`;
      const first = await store().put({
        key,
        body: '{"first":true}',
        contentType: 'application/json',
        tags: { n: '1' },
        metadata: { n: '1' },
      });
      const error = await store()
        .put({ key, body: '{"second":true}', contentType: 'text/plain', tags: { n: '2' }, metadata: { n: '2' } })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ObjectExistsError);
      expect(error).toBeInstanceOf(ObjectStoreError);
      expect((error as ObjectExistsError).key).toBe(key);

      const got = await store().get(key);
      expect(text(got.body)).toBe('{"first":true}');
      expect(got.versionId).toBe(first.versionId);
      expect(got.contentType).toBe('application/json');
      expect(got.metadata).toEqual({ n: '1' });
      expect(await store().getTags(key)).toEqual({ n: '1' });
      const versions = await store().listVersions({ prefix: key });
      expect(versions.versions.map((v) => v.versionId)).toEqual([first.versionId]);
    });

    it('concurrent puts of one key: exactly one wins, the others get ObjectExistsError', async () => {
      const key = `${freshPrefix()}contended`;
      const outcomes = await Promise.allSettled(
        Array.from({ length: 12 }, (_, i) => store().put({ key, body: `writer ${i}`, contentType: 'text/plain' })),
      );
      const winners = outcomes.flatMap((o, i) =>
        o.status === 'fulfilled' ? [{ i, versionId: o.value.versionId }] : [],
      );
      expect(winners).toHaveLength(1);
      for (const outcome of outcomes) {
        if (outcome.status === 'rejected') expect(outcome.reason).toBeInstanceOf(ObjectExistsError);
      }
      const got = await store().get(key);
      expect(text(got.body)).toBe(`writer ${winners[0]!.i}`);
      expect(got.versionId).toBe(winners[0]!.versionId);
    });

    it('concurrent puts of distinct keys all land', async () => {
      const prefix = freshPrefix();
      const keys = Array.from({ length: 40 }, (_, i) => `${prefix}${i % 4}/item-${i}.json`);
      await Promise.all(keys.map((key) => putText(key, key)));
      expect(await keysUnder(prefix)).toEqual(s3Order(keys));
      for (const key of keys.slice(0, 8)) expect(text((await store().get(key)).body)).toBe(key);
    });

    it('lists keys under a prefix, which need not end at a "/"', async () => {
      const prefix = freshPrefix();
      const bodies: Record<string, string> = { a: '1', 'ab/x': '22', abc: '333', b: '4444', 'ba/a': '5' };
      for (const [key, body] of Object.entries(bodies)) await putText(prefix + key, body);

      const page = await store().list({ prefix: `${prefix}a` });
      expect(page.objects.map((o) => o.key)).toEqual([`${prefix}a`, `${prefix}ab/x`, `${prefix}abc`]);
      expect(page.objects.map((o) => o.size)).toEqual([1, 2, 3]);
      expect(page.commonPrefixes).toEqual([]);
      expect(page.nextContinuationToken).toBeUndefined();
      for (const object of page.objects) {
        expect(object.lastModified).toBeInstanceOf(Date);
        expect(Math.abs(object.lastModified.getTime() - Date.now())).toBeLessThan(5 * 60_000);
      }
      expect(await keysUnder(`${prefix}ab`)).toEqual([`${prefix}ab/x`, `${prefix}abc`]);
      expect(await keysUnder(`${prefix}ab/`)).toEqual([`${prefix}ab/x`]);
      expect(await keysUnder(`${prefix}b`)).toEqual([`${prefix}b`, `${prefix}ba/a`]);
      expect(await keysUnder(`${prefix}abc`)).toEqual([`${prefix}abc`]);
      const none = await store().list({ prefix: `${prefix}zzz` });
      expect(none).toEqual({ objects: [], commonPrefixes: [] });
    });

    it('lists in UTF-8 binary order', async () => {
      const prefix = freshPrefix();
      // '-' (2D) < '.' (2E) < '/' (2F) < digits < '=' < upper < '_' < lower < '~' < 'é' < U+FF01 < U+1F600:
      // the last two are where UTF-16 order (what `<` compares) and UTF-8 order disagree.
      const names = [
        'a',
        'a-b',
        'a.b',
        'a/b',
        'a=b',
        'a_b',
        'aB',
        'a~',
        'A',
        'Z',
        '0',
        '9.x',
        'é',
        '\uff01',
        '😀',
        'a b',
        'EURUSD=X',
        'BRK-B',
        'D05.SI',
      ];
      await Promise.all(names.map((name) => putText(prefix + name, name)));
      expect(await keysUnder(prefix)).toEqual(s3Order(names.map((name) => prefix + name)));
      const pages = await listPages(store(), { prefix, maxKeys: 3 });
      expect(pages.flatMap((p) => p.objects.map((o) => o.key))).toEqual(s3Order(names.map((name) => prefix + name)));
    });

    it('a key and a folder of the same name coexist', async () => {
      const prefix = freshPrefix();
      const keys = ['a', 'a/b', 'a/b/c', 'a-b', 'a.b'].map((k) => prefix + k);
      for (const key of keys) await putText(key, `body of ${key}`);
      for (const key of keys) expect(text((await store().get(key)).body)).toBe(`body of ${key}`);
      expect(await keysUnder(prefix)).toEqual(s3Order(keys));
      const level = await store().list({ prefix, delimiter: '/' });
      expect(level.objects.map((o) => o.key)).toEqual([`${prefix}a`, `${prefix}a-b`, `${prefix}a.b`]);
      expect(level.commonPrefixes).toEqual([`${prefix}a/`]);
      const inner = await store().list({ prefix: `${prefix}a/`, delimiter: '/' });
      expect(inner.objects.map((o) => o.key)).toEqual([`${prefix}a/b`]);
      expect(inner.commonPrefixes).toEqual([`${prefix}a/b/`]);
    });

    it('a delimiter folds keys into common prefixes', async () => {
      const prefix = freshPrefix();
      const ticker = `${prefix}raw/yfinance/NVDA/`;
      const keys = [
        `${ticker}2026-11-24/20261124_210000.json`,
        `${ticker}2026-11-25/20261125_210000.json`,
        `${ticker}2026-11-26/20261126_120000.json`,
        `${ticker}2026-11-26/20261126_120000_2.json`,
        `${ticker}notes.txt`,
        `${prefix}raw/yfinance/NVDA=X/2026-11-26/20261126_120000.json`,
        `${prefix}raw/yfinance/README`,
      ];
      await Promise.all(keys.map((key) => putText(key, '{}')));

      const dates = await store().list({ prefix: ticker, delimiter: '/' });
      expect(dates.commonPrefixes).toEqual([`${ticker}2026-11-24/`, `${ticker}2026-11-25/`, `${ticker}2026-11-26/`]);
      expect(dates.objects.map((o) => o.key)).toEqual([`${ticker}notes.txt`]);
      expect(dates.nextContinuationToken).toBeUndefined();

      const tickers = await store().list({ prefix: `${prefix}raw/yfinance/`, delimiter: '/' });
      expect(tickers.commonPrefixes).toEqual([`${prefix}raw/yfinance/NVDA/`, `${prefix}raw/yfinance/NVDA=X/`]);
      expect(tickers.objects.map((o) => o.key)).toEqual([`${prefix}raw/yfinance/README`]);

      const partial = await store().list({ prefix: `${prefix}raw/yfinance/NV`, delimiter: '/' });
      expect(partial.commonPrefixes).toEqual([`${prefix}raw/yfinance/NVDA/`, `${prefix}raw/yfinance/NVDA=X/`]);

      // Any string can be the delimiter.
      const dashes = await store().list({ prefix: ticker, delimiter: '-' });
      expect(dashes.commonPrefixes).toEqual([`${ticker}2026-`]);
      expect(dashes.objects.map((o) => o.key)).toEqual([`${ticker}notes.txt`]);
      const days = await store().list({ prefix: `${ticker}2026-11-2`, delimiter: '/2026112' });
      expect(days.commonPrefixes).toEqual([
        `${ticker}2026-11-24/2026112`,
        `${ticker}2026-11-25/2026112`,
        `${ticker}2026-11-26/2026112`,
      ]);
      expect(days.objects).toEqual([]);
    });

    it('pagination visits every key exactly once, in order', async () => {
      const prefix = freshPrefix();
      const keys = Array.from(
        { length: 25 },
        (_, i) => `${prefix}${i % 3 === 0 ? `d${i % 2}/` : ''}k${String(i).padStart(2, '0')}`,
      );
      await Promise.all(keys.map((key) => putText(key, key)));
      const expected = s3Order(keys);
      for (const maxKeys of [1, 4, 7, 24, 25, 26, 1000]) {
        const pages = await listPages(store(), { prefix, maxKeys });
        expect(pages.flatMap((p) => p.objects.map((o) => o.key))).toEqual(expected);
        expect(pages).toHaveLength(Math.max(1, Math.ceil(25 / maxKeys)));
        pages.forEach((page, i) => {
          const last = i === pages.length - 1;
          if (!last) expect(page.objects).toHaveLength(maxKeys);
          expect(page.nextContinuationToken === undefined).toBe(last);
        });
      }
    });

    it('pagination with a delimiter counts common prefixes toward maxKeys', async () => {
      const prefix = freshPrefix();
      const keys: string[] = [];
      for (let folder = 0; folder < 6; folder++) {
        keys.push(`${prefix}f${folder}`); // an object beside the folder of the same name
        for (let i = 0; i < 3; i++) keys.push(`${prefix}f${folder}/k${i}`);
      }
      keys.push(`${prefix}g`, `${prefix}e/x/y`);
      await Promise.all(keys.map((key) => putText(key, 'x')));

      const whole = await store().list({ prefix, delimiter: '/' });
      expect(whole.commonPrefixes).toEqual(['e/', 'f0/', 'f1/', 'f2/', 'f3/', 'f4/', 'f5/'].map((p) => prefix + p));
      expect(whole.objects.map((o) => o.key)).toEqual(['f0', 'f1', 'f2', 'f3', 'f4', 'f5', 'g'].map((k) => prefix + k));
      const wholeInOrder = s3Order([...whole.objects.map((o) => o.key), ...whole.commonPrefixes]);

      for (const maxKeys of [1, 2, 3, 5]) {
        const pages = await listPages(store(), { prefix, delimiter: '/', maxKeys });
        const items = pages.flatMap((p) => s3Order([...p.objects.map((o) => o.key), ...p.commonPrefixes]));
        expect(items).toEqual(wholeInOrder);
        pages.forEach((page, i) => {
          const count = page.objects.length + page.commonPrefixes.length;
          if (i < pages.length - 1) expect(count).toBe(maxKeys);
          else expect(count).toBeLessThanOrEqual(maxKeys);
        });
      }
    });

    it('a continuation token stays valid while keys are added', async () => {
      const prefix = freshPrefix();
      for (const name of ['b', 'd', 'f', 'h']) await putText(prefix + name, name);
      const first = await store().list({ prefix, maxKeys: 2 });
      expect(first.objects.map((o) => o.key)).toEqual([`${prefix}b`, `${prefix}d`]);
      await putText(`${prefix}a`, 'behind the position');
      await putText(`${prefix}e`, 'ahead of the position');
      const rest = await listPages(store(), { prefix, maxKeys: 2, continuationToken: first.nextContinuationToken });
      expect(rest.flatMap((p) => p.objects.map((o) => o.key))).toEqual([`${prefix}e`, `${prefix}f`, `${prefix}h`]);
    });

    it('listVersions lists every key with its version, in key order, across pages', async () => {
      const prefix = freshPrefix();
      const names = ['c', 'a', 'b/x', 'b', 'a-'];
      const versionOf = new Map<string, string>();
      for (const name of names) versionOf.set(prefix + name, (await putText(prefix + name, name)).versionId);

      const all = await store().listVersions({ prefix });
      expect(all.versions.map((v) => v.key)).toEqual(s3Order([...versionOf.keys()]));
      for (const version of all.versions) {
        expect(version.versionId).toBe(versionOf.get(version.key));
        expect(version.isLatest).toBe(true);
        expect(version.lastModified).toBeInstanceOf(Date);
      }
      expect(all.versions.find((v) => v.key === `${prefix}b/x`)?.size).toBe(3);
      expect(all.nextKeyMarker).toBeUndefined();

      const paged: string[] = [];
      let markers: { keyMarker?: string; versionIdMarker?: string } = {};
      for (let request = 0; request < 10; request++) {
        const page = await store().listVersions({ prefix, maxKeys: 2, ...markers });
        expect(page.versions.length).toBeLessThanOrEqual(2);
        paged.push(...page.versions.map((v) => `${v.key}@${v.versionId}`));
        if (page.nextKeyMarker === undefined) break;
        markers = { keyMarker: page.nextKeyMarker, versionIdMarker: page.nextVersionIdMarker };
      }
      expect(paged).toEqual(all.versions.map((v) => `${v.key}@${v.versionId}`));
      expect((await store().listVersions({ prefix: `${prefix}nothing` })).versions).toEqual([]);
    });

    it('startAfter lists only what sorts after a key: objects, and folders holding such objects', async () => {
      const prefix = freshPrefix();
      const keys = [
        '2026-11-20/a.json',
        '2026-11-24/a.json',
        '2026-11-24/b.json',
        '2026-11-25/a.json',
        '2026-11-26/a.json',
        'z',
      ];
      await Promise.all(keys.map((key) => putText(prefix + key, key)));
      const folders = await store().list({ prefix, delimiter: '/', startAfter: `${prefix}2026-11-24` });
      // The folder named by startAfter sorts after it ("2026-11-24/..." > "2026-11-24"), the earlier one does not.
      expect(folders.commonPrefixes).toEqual([`${prefix}2026-11-24/`, `${prefix}2026-11-25/`, `${prefix}2026-11-26/`]);
      expect(folders.objects.map((o) => o.key)).toEqual([`${prefix}z`]);
      const flat = await store().list({ prefix, startAfter: `${prefix}2026-11-24/a.json`, maxKeys: 2 });
      expect(flat.objects.map((o) => o.key)).toEqual([`${prefix}2026-11-24/b.json`, `${prefix}2026-11-25/a.json`]);
      // A continuation token wins over startAfter: the next page resumes where the first stopped.
      const next = await store().list({
        prefix,
        startAfter: `${prefix}2026-11-24/a.json`,
        maxKeys: 2,
        continuationToken: flat.nextContinuationToken,
      });
      expect(next.objects.map((o) => o.key)).toEqual([`${prefix}2026-11-26/a.json`, `${prefix}z`]);
      expect(
        await collect(listAllCommonPrefixes(store(), prefix, '/', { startAfter: `${prefix}2026-11-25`, pageSize: 1 })),
      ).toEqual([`${prefix}2026-11-25/`, `${prefix}2026-11-26/`]);
      expect((await store().list({ prefix, startAfter: `${prefix}zz` })).objects).toEqual([]);
    });

    it('listAllKeys and listAllCommonPrefixes follow pagination', async () => {
      const prefix = freshPrefix();
      const keys = Array.from({ length: 10 }, (_, i) => `${prefix}day-${i}/snapshot.json`);
      await Promise.all(keys.map((key) => putText(key, '{}')));
      expect(await collect(listAllKeys(store(), prefix, { pageSize: 3 }))).toEqual(s3Order(keys));
      expect(await collect(listAllKeys(store(), prefix))).toEqual(s3Order(keys));
      expect(await collect(listAllCommonPrefixes(store(), prefix, '/', { pageSize: 4 }))).toEqual(
        s3Order(keys.map((key) => key.slice(0, key.lastIndexOf('/') + 1))),
      );
    });

    it('takes keys with the characters of lake keys', async () => {
      const prefix = freshPrefix();
      const keys = ['EURUSD=X', 'BRK-B', 'D05.SI', '0700.HK', 'MSN.HM'].map(
        (ticker) => `${prefix}raw/yfinance/${ticker}/2026-11-26/20261126_120000_2.json`,
      );
      for (const key of keys) await putText(key, key);
      for (const key of keys) expect(text((await store().get(key)).body)).toBe(key);
      expect(await keysUnder(prefix)).toEqual(s3Order(keys));
    });

    it('refuses invalid keys with InvalidObjectKeyError', async () => {
      const prefix = freshPrefix();
      const invalid = [
        '',
        '/abs',
        `${prefix}a//b`,
        `${prefix}dir/`,
        `${prefix}../x`,
        `${prefix}./x`,
        '..',
        `${prefix}nul\u0000`,
        `${prefix}nl\n`,
        `${prefix}${'x'.repeat(1025)}`,
        `${prefix}\ud800`,
      ];
      for (const key of invalid) {
        const error = await putText(key, 'x').catch((e: unknown) => e);
        expect(error, JSON.stringify(key)).toBeInstanceOf(InvalidObjectKeyError);
        await expect(store().get(key)).rejects.toBeInstanceOf(ObjectStoreError);
      }
      expect(await keysUnder(prefix)).toEqual([]);
    });
  });
}
