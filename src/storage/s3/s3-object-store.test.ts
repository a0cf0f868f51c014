import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import {
  DeleteObjectCommand,
  HeadObjectCommand,
  InvalidObjectState,
  ListObjectsV2Command,
  PutBucketLifecycleConfigurationCommand,
  PutObjectCommand,
  type S3Client,
  type ServiceInputTypes,
  type ServiceOutputTypes,
} from '@aws-sdk/client-s3';
import type { DeserializeMiddleware } from '@smithy/types';
import { describe, expect, it } from 'vitest';
import { createTestBucket, describeOnRgw } from '../../../test/support/rgw.js';
import { ObjectArchivedError, parseRestoreHeader, restoreStatusOf } from '../archived.js';
import { InvalidObjectKeyError, ObjectExistsError, ObjectNotFoundError, ObjectStoreError } from '../errors.js';
import { collect, listAllKeys } from '../listing.js';
import { describeObjectStoreContract } from '../testing/object-store-contract.js';
import { raceChildren } from '../testing/race.js';
import { describeRestoreReport, restoreKeys } from './restore.js';
import { encodeTagging, isAmazonS3Host, S3ObjectStore } from './s3-object-store.js';

const text = (body: Uint8Array): string => Buffer.from(body).toString('utf8');

// ---- Faking single responses with the SDK's own middleware stack -------------------------------------------

interface FakeResponse {
  statusCode: number;
  headers?: Record<string, string>;
  body?: string;
}

/**
 * Answers `commandName` requests with `respond` instead of the server. The middleware sits right after the
 * SDK's deserializer (innermost, where the HTTP handler would be called), so the SDK parses the fake response
 * exactly as a real one: its error parsing, modeled exceptions and header deserialization all run.
 * `respond` may return undefined to let the request through; `patch` edits the real response's headers.
 */
function intercept(
  client: S3Client,
  commandName: string,
  handlers: { respond?: () => FakeResponse | undefined; patch?: (headers: Record<string, string>) => void },
): { calls: () => number; remove: () => void } {
  const name = `fake-${commandName}-${Math.random().toString(36).slice(2)}`;
  let calls = 0;
  const middleware: DeserializeMiddleware<ServiceInputTypes, ServiceOutputTypes> = (next, context) => async (args) => {
    if (context.commandName !== commandName) return next(args);
    calls++;
    const fake = handlers.respond?.();
    if (fake !== undefined) {
      const response = {
        statusCode: fake.statusCode,
        headers: { 'x-amz-request-id': 'fake', ...fake.headers },
        body: Readable.from([Buffer.from(fake.body ?? '')]),
      };
      return { response };
    }
    const result = await next(args);
    handlers.patch?.((result.response as { headers: Record<string, string> }).headers);
    return result;
  };
  client.middlewareStack.addRelativeTo(middleware, { name, relation: 'after', toMiddleware: 'deserializerMiddleware' });
  return { calls: () => calls, remove: () => void client.middlewareStack.remove(name) };
}

/**
 * Records the name of every HTTP request the client sends, in order. It sits just outside the SDK's deserializer,
 * inside the retry middleware (so each retry counts as the request it is) and outside `intercept`'s fakes (so a
 * faked answer counts too). `take` returns the names recorded since the last `take`.
 */
function countRequests(client: S3Client): { take: () => string[]; remove: () => void } {
  const name = `count-requests-${Math.random().toString(36).slice(2)}`;
  let seen: string[] = [];
  const middleware: DeserializeMiddleware<ServiceInputTypes, ServiceOutputTypes> = (next, context) => async (args) => {
    seen.push(String(context.commandName).replace(/Command$/, ''));
    return next(args);
  };
  client.middlewareStack.addRelativeTo(middleware, {
    name,
    relation: 'before',
    toMiddleware: 'deserializerMiddleware',
  });
  return {
    take: () => {
      const taken = seen;
      seen = [];
      return taken;
    },
    remove: () => void client.middlewareStack.remove(name),
  };
}

const s3ErrorXml = (code: string, message: string, extra = ''): string =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message>${extra}` +
  '<RequestId>FAKE0000000000000</RequestId><HostId>fake-host-id</HostId></Error>';

// ---- Unit tests (no server) ------------------------------------------------------------------------------------

describe('S3ObjectStore configuration', () => {
  it('normalizes the key prefix and describes itself as an s3:// URL', () => {
    expect(new S3ObjectStore({ bucket: 'my-lake', region: 'us-east-1' }).description).toBe('s3://my-lake/');
    const store = new S3ObjectStore({ bucket: 'my-lake', prefix: '/team/lake/', region: 'us-east-1' });
    expect(store.prefix).toBe('team/lake/');
    expect(store.description).toBe('s3://my-lake/team/lake/');
    expect(new S3ObjectStore({ bucket: 'my-lake', prefix: 'lake', region: 'us-east-1' }).prefix).toBe('lake/');
  });

  it('refuses bad bucket names and prefixes before any request', () => {
    expect(() => new S3ObjectStore({ bucket: 'My_Bucket' })).toThrow(/invalid S3 bucket name/);
    expect(() => new S3ObjectStore({ bucket: 'lake', prefix: 'a//b' })).toThrow(/invalid S3 key prefix/);
    expect(() => new S3ObjectStore({ bucket: 'lake', prefix: 'a/../b' })).toThrow(ObjectStoreError);
  });

  it('refuses a key that the prefix makes too long', async () => {
    const store = new S3ObjectStore({
      bucket: 'lake',
      prefix: 'p'.repeat(20),
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:1',
    });
    await expect(store.get('k'.repeat(1010))).rejects.toBeInstanceOf(InvalidObjectKeyError);
    store.close();
  });

  it('encodes tags as a URL query, spaces as %20 and "+" as %2B', () => {
    expect(encodeTagging({ source: 'computed', 'with space': 'a b+c-d=e.f_g:h/i@j' })).toBe(
      'source=computed&with%20space=a%20b%2Bc-d%3De.f_g%3Ah%2Fi%40j',
    );
    expect(encodeTagging({})).toBe('');
  });

  it('refuses metadata that S3 servers cannot keep, before any request', async () => {
    const store = new S3ObjectStore({
      bucket: 'lake',
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:9',
      maxAttempts: 1,
    });
    const put = (metadata: Record<string, string>) =>
      store.put({ key: 'k', body: 'x', contentType: 'text/plain', metadata });
    await expect(put({ 'content-sha256': 'ab' })).rejects.toThrow(
      /metadata key "content-sha256": use lower-case letters, digits, "_"/,
    );
    await expect(put({ note: ' padded ' })).rejects.toThrow(/must not start or end with blanks/);
    store.close();
  });

  it('an unreachable endpoint is an ObjectStoreError naming the bucket and key', async () => {
    const store = new S3ObjectStore({
      bucket: 'lake',
      endpoint: 'http://127.0.0.1:9',
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'very-secret-value' },
      maxAttempts: 1,
    });
    const error = await store.get('raw/x.json').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ObjectStoreError);
    expect(error).not.toBeInstanceOf(ObjectNotFoundError);
    expect((error as Error).message).toContain('s3://lake/raw/x.json');
    expect((error as Error).message).toMatch(/ECONNREFUSED/);
    expect((error as Error).message).not.toContain('very-secret-value');
    store.close();
  });
});

describe('create-only puts on Amazon S3 (faked responses, no server)', () => {
  const awsStore = (options: { endpoint?: string; createOnly?: 'verify' | 'server' | 'auto' } = {}) =>
    new S3ObjectStore({
      bucket: 'my-lake',
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-real-secret' },
      maxAttempts: 1,
      ...options,
    });
  const putOk: FakeResponse = { statusCode: 200, headers: { 'x-amz-version-id': 'v-aws-1', etag: '"abc"' } };
  const taken: FakeResponse = {
    statusCode: 412,
    headers: { 'content-type': 'application/xml' },
    body: s3ErrorXml('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold'),
  };

  it('recognises Amazon S3 hosts and nothing else', () => {
    for (const host of [
      's3.amazonaws.com',
      'my-lake.s3.eu-west-1.amazonaws.com',
      's3.dualstack.us-east-1.amazonaws.com',
      'bucket.vpce-0a1b.s3.us-east-1.vpce.amazonaws.com',
      's3.cn-north-1.amazonaws.com.cn',
    ]) {
      expect(isAmazonS3Host(host), host).toBe(true);
    }
    for (const host of [
      '127.0.0.1',
      'localhost',
      'rgw.example.com',
      'amazonaws.com.evil.example',
      'notamazonaws.com',
      's3.amazonaws.com.example.org',
    ]) {
      expect(isAmazonS3Host(host), host).toBe(false);
    }
  });

  it('by default (auto) a put to Amazon S3 is the conditional PUT alone: 1 request, a 412 is ObjectExistsError', async () => {
    // Without an endpoint (virtual-hosted my-lake.s3.eu-west-1.amazonaws.com) and with an explicit AWS one.
    for (const store of [awsStore(), awsStore({ endpoint: 'https://s3.eu-west-1.amazonaws.com' })]) {
      const requests = countRequests(store.client);
      let answer = putOk;
      const fake = intercept(store.client, 'PutObjectCommand', { respond: () => answer });
      const put = await store.put({ key: 'raw/x.json', body: '{}', contentType: 'application/json' });
      expect(put).toEqual({ key: 'raw/x.json', versionId: 'v-aws-1', etag: '"abc"' });
      expect(requests.take()).toEqual(['PutObject']);
      answer = taken;
      await expect(
        store.put({ key: 'raw/x.json', body: '{}', contentType: 'application/json' }),
      ).rejects.toBeInstanceOf(ObjectExistsError);
      expect(requests.take()).toEqual(['PutObject']);
      fake.remove();
      requests.remove();
      store.close();
    }
  });

  it('verify on Amazon S3 still lists after a successful PUT, but a 412 needs nothing more', async () => {
    const store = awsStore({ createOnly: 'verify' });
    const requests = countRequests(store.client);
    let answer = taken;
    const put = intercept(store.client, 'PutObjectCommand', { respond: () => answer });
    await expect(store.put({ key: 'raw/x.json', body: '{}', contentType: 'application/json' })).rejects.toBeInstanceOf(
      ObjectExistsError,
    );
    expect(requests.take()).toEqual(['PutObject']);
    answer = putOk;
    const listing =
      '<?xml version="1.0" encoding="UTF-8"?><ListVersionsResult><Name>my-lake</Name><Prefix>raw/x.json</Prefix><IsTruncated>false</IsTruncated>' +
      '<Version><Key>raw/x.json</Key><VersionId>v-aws-1</VersionId><IsLatest>true</IsLatest><Size>2</Size></Version></ListVersionsResult>';
    const list = intercept(store.client, 'ListObjectVersionsCommand', {
      respond: () => ({ statusCode: 200, headers: { 'content-type': 'application/xml' }, body: listing }),
    });
    await expect(store.put({ key: 'raw/x.json', body: '{}', contentType: 'application/json' })).resolves.toMatchObject({
      versionId: 'v-aws-1',
    });
    expect(requests.take()).toEqual(['PutObject', 'ListObjectVersions']);
    put.remove();
    list.remove();
    requests.remove();
    store.close();
  });
});

describe('restore status parsing', () => {
  it('reads the x-amz-restore header', () => {
    expect(parseRestoreHeader(undefined)).toEqual({ restore: 'none' });
    expect(parseRestoreHeader('ongoing-request="true"')).toEqual({ restore: 'in-progress' });
    expect(parseRestoreHeader('ongoing-request="false", expiry-date="Fri, 21 Dec 2012 00:00:00 GMT"')).toEqual({
      restore: 'restored',
      expiresAt: new Date('2012-12-21T00:00:00Z'),
    });
    expect(parseRestoreHeader('garbage')).toEqual({ restore: 'none' });
  });

  it('combines storage class, archive status and restore into readability', () => {
    const base = {
      key: 'k',
      versionId: 'v',
      archiveStatus: undefined,
      restoreHeader: undefined,
      now: new Date('2026-01-01T00:00:00Z'),
    };
    expect(restoreStatusOf({ ...base, storageClass: undefined })).toMatchObject({
      storageClass: 'STANDARD',
      archived: false,
      readable: true,
    });
    expect(restoreStatusOf({ ...base, storageClass: 'GLACIER_IR' })).toMatchObject({ archived: false, readable: true });
    expect(restoreStatusOf({ ...base, storageClass: 'GLACIER' })).toMatchObject({
      archived: true,
      restore: 'none',
      readable: false,
    });
    expect(
      restoreStatusOf({ ...base, storageClass: 'INTELLIGENT_TIERING', archiveStatus: 'ARCHIVE_ACCESS' }),
    ).toMatchObject({ archived: true });
    const restored = restoreStatusOf({
      ...base,
      storageClass: 'DEEP_ARCHIVE',
      restoreHeader: 'ongoing-request="false", expiry-date="Fri, 02 Jan 2026 00:00:00 GMT"',
    });
    expect(restored).toMatchObject({
      archived: true,
      restore: 'restored',
      readable: true,
      expiresAt: new Date('2026-01-02T00:00:00Z'),
    });
    const expired = restoreStatusOf({
      ...base,
      storageClass: 'GLACIER',
      restoreHeader: 'ongoing-request="false", expiry-date="Wed, 31 Dec 2025 00:00:00 GMT"',
    });
    expect(expired).toMatchObject({ restore: 'none', readable: false });
  });
});

// ---- Against Ceph RGW -------------------------------------------------------------------------------------------

describeOnRgw('S3ObjectStore', (rgw) => {
  describeObjectStoreContract('S3ObjectStore on RGW', async () => ({
    store: rgw.openStore(),
    close: async () => undefined,
  }));
  describeObjectStoreContract('S3ObjectStore on RGW under a key prefix', async () => ({
    store: rgw.openStore({ prefix: 'lakes/contract' }),
    close: async () => undefined,
  }));

  describe('the bucket check at open', () => {
    it('opens a versioned bucket', async () => {
      const store = await S3ObjectStore.open({ bucket: rgw.bucket(), ...rgw.settings, prefix: 'x' });
      expect(store.description).toBe(`s3://${rgw.bucket()}/x/`);
      store.close();
    });

    it('refuses a missing bucket, naming it', async () => {
      const error = await S3ObjectStore.open({ bucket: `${rgw.bucket()}-missing`, ...rgw.settings }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ObjectStoreError);
      expect((error as Error).message).toContain(
        `S3 bucket ${rgw.bucket()}-missing does not exist at ${rgw.settings.endpoint}`,
      );
    });

    it('refuses a bucket without versioning, saying how to enable it', async () => {
      const plain = await createTestBucket({ versioning: false });
      try {
        const error = await S3ObjectStore.open({ bucket: plain.bucket, ...rgw.settings }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ObjectStoreError);
        expect((error as Error).message).toMatch(/does not have versioning enabled/);
        expect((error as Error).message).toContain('put-bucket-versioning');
        // And a store made without the check refuses to report a put it cannot version.
        const unchecked = new S3ObjectStore({ bucket: plain.bucket, ...rgw.settings });
        await expect(unchecked.put({ key: 'a', body: 'x', contentType: 'text/plain' })).rejects.toThrow(
          /returned no version id/,
        );
        unchecked.close();
      } finally {
        await plain.dispose();
      }
    });

    it('refuses wrong credentials without echoing them', async () => {
      const secret = 'not-the-right-secret-0123456789';
      const error = await S3ObjectStore.open({
        bucket: rgw.bucket(),
        ...rgw.settings,
        credentials: { accessKeyId: rgw.settings.credentials.accessKeyId, secretAccessKey: secret },
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ObjectStoreError);
      expect((error as Error).message).toMatch(/denied|SignatureDoesNotMatch|403/);
      expect((error as Error).message).not.toContain(secret);
      const store = new S3ObjectStore({
        bucket: rgw.bucket(),
        ...rgw.settings,
        credentials: { accessKeyId: rgw.settings.credentials.accessKeyId, secretAccessKey: secret },
      });
      const readError = await store.get('some/key').catch((e: unknown) => e);
      expect(readError).toBeInstanceOf(ObjectStoreError);
      expect(readError).not.toBeInstanceOf(ObjectNotFoundError);
      expect((readError as Error).message).toContain(`s3://${rgw.bucket()}/some/key`);
      expect((readError as Error).message).toMatch(/HTTP 403/);
      expect((readError as Error).message).not.toContain(secret);
      store.close();
    });
  });

  describe('keys under a prefix', () => {
    it('are stored under the prefix and returned without it', async () => {
      const outside = rgw.openStore();
      const store = rgw.openStore({ prefix: 'prefixed/lake/' });
      await outside.put({ key: 'prefixed/lakeside', body: 'a neighbour', contentType: 'text/plain' });
      await outside.put({ key: 'prefixed/other/raw/x', body: 'not ours', contentType: 'text/plain' });
      const put = await store.put({
        key: 'raw/yfinance/NVDA/2026-11-26/20261126_120000.json',
        body: '{}',
        contentType: 'application/json',
      });
      expect(put.key).toBe('raw/yfinance/NVDA/2026-11-26/20261126_120000.json');

      const raw = await rgw.client().send(new ListObjectsV2Command({ Bucket: rgw.bucket(), Prefix: 'prefixed/' }));
      expect((raw.Contents ?? []).map((o) => o.Key)).toEqual([
        'prefixed/lake/raw/yfinance/NVDA/2026-11-26/20261126_120000.json',
        'prefixed/lakeside',
        'prefixed/other/raw/x',
      ]);
      expect((await store.list({})).objects.map((o) => o.key)).toEqual([
        'raw/yfinance/NVDA/2026-11-26/20261126_120000.json',
      ]);
      expect((await store.list({ delimiter: '/' })).commonPrefixes).toEqual(['raw/']);
      expect((await store.listVersions({})).versions.map((v) => v.key)).toEqual([
        'raw/yfinance/NVDA/2026-11-26/20261126_120000.json',
      ]);
      expect(text((await outside.get('prefixed/lake/raw/yfinance/NVDA/2026-11-26/20261126_120000.json')).body)).toBe(
        '{}',
      );
      await expect(store.get('../lakeside')).rejects.toBeInstanceOf(InvalidObjectKeyError);
    });

    it('page through small pages with a delimiter', async () => {
      const store = rgw.openStore({ prefix: 'paged' });
      const days = Array.from({ length: 9 }, (_, i) => `2026-11-${String(i + 10)}`);
      await Promise.all(
        days.map((day) => store.put({ key: `raw/NVDA/${day}/snap.json`, body: day, contentType: 'text/plain' })),
      );
      await store.put({ key: 'raw/NVDA/notes', body: 'x', contentType: 'text/plain' });
      const seen: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const page = await store.list({ prefix: 'raw/NVDA/', delimiter: '/', maxKeys: 2, continuationToken: token });
        expect(page.objects.length + page.commonPrefixes.length).toBeLessThanOrEqual(2);
        seen.push(...page.commonPrefixes, ...page.objects.map((o) => o.key));
        token = page.nextContinuationToken;
        pages++;
      } while (token !== undefined);
      expect(pages).toBe(5);
      expect(seen.sort()).toEqual([...days.map((day) => `raw/NVDA/${day}/`), 'raw/NVDA/notes'].sort());
    });
  });

  describe('metadata', () => {
    it('metadata names with "_" round-trip although RGW turns them into "-"', async () => {
      const store = rgw.openStore();
      const metadata = { content_sha256: 'ab', source_raw_data_version_id: 'v1', 'a.b': 'c', x: 'inner  blanks kept' };
      await store.put({ key: 'meta/names', body: 'x', contentType: 'text/plain', metadata });
      expect((await store.head('meta/names')).metadata).toEqual(metadata);
      const raw = await rgw.client().send(new HeadObjectCommand({ Bucket: rgw.bucket(), Key: 'meta/names' }));
      expect(Object.keys(raw.Metadata ?? {}).sort()).toEqual([
        'a.b',
        'content-sha256',
        'source-raw-data-version-id',
        'x',
      ]);
    });
  });

  describe('create-only puts', () => {
    it('RGW ignores If-None-Match on a versioned bucket: the reason put verifies (a canary)', async () => {
      const key = 'canary/if-none-match';
      const send = (body: string) =>
        rgw
          .client()
          .send(new PutObjectCommand({ Bucket: rgw.bucket(), Key: key, Body: Buffer.from(body), IfNoneMatch: '*' }));
      const first = await send('one');
      const second = await send('two'); // Amazon S3 would answer 412 here
      expect(second.VersionId).not.toBe(first.VersionId);
      // A store that trusted the server ('server') would therefore let a duplicate through.
      const trusting = rgw.openStore({ createOnly: 'server' });
      await trusting.put({ key: 'canary/trusting', body: 'one', contentType: 'text/plain' });
      await trusting.put({ key: 'canary/trusting', body: 'two', contentType: 'text/plain' });
      expect((await trusting.listVersions({ prefix: 'canary/trusting' })).versions).toHaveLength(2);
    });

    it('requests per put on RGW: 2 for a free key, 3 for a taken one (verify and the default, auto); server: 1', async () => {
      // The figure the daily run's speed depends on (docs/benchmarks.md): a change that adds a request fails here.
      for (const [label, store] of [
        ['default (auto)', rgw.openStore()],
        ['verify', rgw.openStore({ createOnly: 'verify' })],
        ['default (auto) under a prefix', rgw.openStore({ prefix: 'counted/lake' })],
      ] as const) {
        const requests = countRequests(store.client);
        const key = `counted/${label.replaceAll(' ', '-').replace(/[()]/g, '')}.json`;
        const first = await store.put({ key, body: 'one', contentType: 'text/plain' });
        expect(requests.take(), label).toEqual(['PutObject', 'ListObjectVersions']);
        await expect(store.put({ key, body: 'two', contentType: 'text/plain' })).rejects.toBeInstanceOf(
          ObjectExistsError,
        );
        expect(requests.take(), label).toEqual(['PutObject', 'ListObjectVersions', 'DeleteObject']);
        requests.remove();
        expect(
          (await store.listVersions({ prefix: key })).versions.map((v) => v.versionId),
          label,
        ).toEqual([first.versionId]);
      }
      // 'server' sends the PUT alone, which is exactly why it is unsafe on RGW (see the canary above).
      const trusting = rgw.openStore({ createOnly: 'server' });
      const requests = countRequests(trusting.client);
      await trusting.put({ key: 'counted/server.json', body: 'one', contentType: 'text/plain' });
      expect(requests.take()).toEqual(['PutObject']);
      requests.remove();
    });

    it('a second put of a key fails, and its duplicate version is removed again', async () => {
      const store = rgw.openStore();
      const key = 'once/sequential.json';
      const first = await store.put({
        key,
        body: '{"n":1}',
        contentType: 'application/json',
        tags: { n: '1' },
        metadata: { n: '1' },
      });
      // Each refused put writes a version (RGW ignores If-None-Match), lists, and deletes that version by its id.
      const written: string[] = [];
      const capture = intercept(store.client, 'PutObjectCommand', {
        patch: (headers) => void written.push(headers['x-amz-version-id']!),
      });
      for (let i = 0; i < 3; i++) {
        const body = `{"n":${i + 2}}`;
        await expect(
          store.put({ key, body, contentType: 'application/json', tags: { n: String(i + 2) } }),
        ).rejects.toBeInstanceOf(ObjectExistsError);
      }
      capture.remove();
      expect(written).toHaveLength(3);
      for (const versionId of written) {
        expect(versionId).not.toBe(first.versionId);
        await expect(store.head(key, { versionId })).rejects.toBeInstanceOf(ObjectNotFoundError);
      }
      const versions = (await store.listVersions({ prefix: key })).versions;
      expect(versions.map((v) => [v.versionId, v.isLatest])).toEqual([[first.versionId, true]]);
      const got = await store.get(key);
      expect(text(got.body)).toBe('{"n":1}');
      expect(got.versionId).toBe(first.versionId);
      expect(got.metadata).toEqual({ n: '1' });
      expect(await store.getTags(key)).toEqual({ n: '1' });
    });

    it("two writers whose PUTs overlap: exactly one wins, the loser's version is deleted", async () => {
      // Separate clients, as separate processes would have. Middleware holds each PUT until both are ready to
      // go, and each listing until both PUTs have returned, so both versions exist when either writer checks:
      // the race itself, made deterministic rather than left to timing.
      const key = 'race/two-writers.json';
      const writers = ['a', 'b'].map((label) => ({ label, store: rgw.openStore() }));
      const barrier = (count: number) => {
        let arrived = 0;
        let open!: () => void;
        const opened = new Promise<void>((resolve) => (open = resolve));
        return async () => {
          if (++arrived === count) open();
          await opened;
        };
      };
      const bothPutting = barrier(2);
      const bothPut = barrier(2);
      const versionOf: Record<string, string> = {};
      const requests = writers.map(({ label, store }) => {
        const hold: DeserializeMiddleware<ServiceInputTypes, ServiceOutputTypes> = (next, context) => async (args) => {
          if (context.commandName === 'PutObjectCommand') {
            await bothPutting();
            const result = await next(args);
            versionOf[label] = (result.response as { headers: Record<string, string> }).headers['x-amz-version-id']!;
            await bothPut();
            return result;
          }
          if (context.commandName === 'ListObjectVersionsCommand') await bothPut();
          return next(args);
        };
        store.client.middlewareStack.addRelativeTo(hold, {
          name: 'hold-for-race',
          relation: 'after',
          toMiddleware: 'deserializerMiddleware',
        });
        return countRequests(store.client);
      });
      const outcomes = await Promise.allSettled(
        writers.map(({ label, store }) => store.put({ key, body: label, contentType: 'text/plain' })),
      );
      for (const { store } of writers) store.client.middlewareStack.remove('hold-for-race');

      const winners = outcomes.flatMap((o, i) =>
        o.status === 'fulfilled' ? [{ label: writers[i]!.label, versionId: o.value.versionId }] : [],
      );
      expect(winners).toHaveLength(1);
      const winner = winners[0]!;
      const loser = writers.find((w) => w.label !== winner.label)!.label;
      const loserOutcome = outcomes[writers.findIndex((w) => w.label === loser)]!;
      expect(loserOutcome.status === 'rejected' && loserOutcome.reason).toBeInstanceOf(ObjectExistsError);
      expect(versionOf[winner.label]).toBe(winner.versionId);
      expect(versionOf[loser]).toEqual(expect.any(String));
      expect(versionOf[loser]).not.toBe(winner.versionId);

      const reader = rgw.openStore();
      await expect(reader.head(key, { versionId: versionOf[loser] })).rejects.toBeInstanceOf(ObjectNotFoundError);
      expect((await reader.listVersions({ prefix: key })).versions.map((v) => [v.versionId, v.isLatest])).toEqual([
        [winner.versionId, true],
      ]);
      expect(text((await reader.get(key)).body)).toBe(winner.label);
      const sent = Object.fromEntries(writers.map(({ label }, i) => [label, requests[i]!.take()]));
      expect(sent[winner.label]).toEqual(['PutObject', 'ListObjectVersions']);
      expect(sent[loser]).toEqual(['PutObject', 'ListObjectVersions', 'DeleteObject']);
      for (const r of requests) r.remove();
    });

    it('a key once written stays taken even behind a delete marker', async () => {
      const store = rgw.openStore();
      const key = 'once/deleted.json';
      const first = await store.put({ key, body: 'original', contentType: 'text/plain' });
      await rgw.client().send(new DeleteObjectCommand({ Bucket: rgw.bucket(), Key: key })); // adds a delete marker
      await expect(store.get(key)).rejects.toBeInstanceOf(ObjectNotFoundError);
      await expect(store.put({ key, body: 'reuse', contentType: 'text/plain' })).rejects.toBeInstanceOf(
        ObjectExistsError,
      );
      expect((await store.listVersions({ prefix: key })).versions.map((v) => v.versionId)).toEqual([first.versionId]);
      expect(text((await store.get(key, { versionId: first.versionId })).body)).toBe('original');
    });

    it('writers on separate clients racing for the same keys: exactly one body survives per key', async () => {
      // Separate clients (separate connection pools), as separate processes would have.
      const stores = Array.from({ length: 3 }, () => rgw.openStore());
      const keys = Array.from(
        { length: 8 },
        (_, i) => `race/raw/NVDA/2026-11-26/20261126_1200${String(i).padStart(2, '0')}.json`,
      );
      const attempts = keys.flatMap((key) =>
        stores.flatMap((store, s) =>
          [0, 1].map(async (w) => {
            const label = `store${s}-writer${w}`;
            try {
              const put = await store.put({
                key,
                body: `${label}:${key}`,
                contentType: 'text/plain',
                metadata: { writer: label },
              });
              return { key, label, won: true as const, versionId: put.versionId };
            } catch (error) {
              return { key, label, won: false as const, error };
            }
          }),
        ),
      );
      const outcomes = await Promise.all(attempts);
      const reader = rgw.openStore();
      for (const key of keys) {
        const mine = outcomes.filter((o) => o.key === key);
        const winners = mine.filter((o) => o.won);
        expect(winners, key).toHaveLength(1);
        for (const loser of mine.filter((o) => !o.won)) expect(loser.error, key).toBeInstanceOf(ObjectExistsError);
        const winner = winners[0]!;
        const got = await reader.get(key);
        expect(text(got.body)).toBe(`${winner.label}:${key}`);
        expect(got.versionId).toBe(winner.won ? winner.versionId : undefined);
        expect(got.metadata).toEqual({ writer: winner.label });
        const versions = (await reader.listVersions({ prefix: key })).versions;
        expect(versions.map((v) => v.versionId)).toEqual([got.versionId]);
      }
    });
  });

  describe('create-only puts across processes', () => {
    it('four processes racing for the same keys: exactly one put of each key wins', async () => {
      const keys = Array.from(
        { length: 12 },
        (_, i) => `procrace/raw/NVDA/2026-11-26/20261126_1300${String(i).padStart(2, '0')}.json`,
      );
      const child = fileURLToPath(new URL('./testing/put-race-child.ts', import.meta.url));
      const env = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
      const outcomes = await raceChildren(child, [rgw.bucket(), JSON.stringify(keys)], ['p1', 'p2', 'p3', 'p4'], env);
      const store = rgw.openStore();
      for (const key of keys) {
        const attempts = outcomes.map(({ label, results }) => ({ label, result: results.find((r) => r.key === key)! }));
        const winners = attempts.filter((a) => a.result.won);
        expect(winners, key).toHaveLength(1);
        for (const loser of attempts.filter((a) => !a.result.won))
          expect(loser.result.error, loser.result.message).toBe('ObjectExistsError');
        const got = await store.get(key);
        expect(text(got.body)).toBe(`${winners[0]!.label}:${key}`);
        expect(got.versionId).toBe(winners[0]!.result.versionId);
        expect((await store.listVersions({ prefix: key })).versions).toHaveLength(1);
      }
    });
  });

  describe('listings beyond one page of 1000', () => {
    it("list and listVersions follow the server's own page limit", async () => {
      const store = rgw.openStore({ prefix: 'many' });
      const keys = Array.from({ length: 1005 }, (_, i) => `k/${String(i).padStart(4, '0')}`);
      // Seeded with plain PUTs (one request each) to keep the test quick; the store only lists them.
      for (let i = 0; i < keys.length; i += 50) {
        await Promise.all(
          keys
            .slice(i, i + 50)
            .map((key) =>
              rgw
                .client()
                .send(new PutObjectCommand({ Bucket: rgw.bucket(), Key: `many/${key}`, Body: Buffer.from('x') })),
            ),
        );
      }
      const first = await store.list({ prefix: 'k/' });
      expect(first.objects).toHaveLength(1000);
      expect(first.nextContinuationToken).toEqual(expect.any(String));
      const second = await store.list({ prefix: 'k/', continuationToken: first.nextContinuationToken });
      expect(second.objects.map((o) => o.key)).toEqual(keys.slice(1000));
      expect(second.nextContinuationToken).toBeUndefined();
      expect(await collect(listAllKeys(store, ''))).toEqual(keys);
      await expect(store.list({ maxKeys: 5000 })).resolves.toMatchObject({ objects: expect.any(Array) });

      const versions = await store.listVersions({ prefix: 'k/' });
      expect(versions.versions).toHaveLength(1000);
      expect(versions.nextKeyMarker).toBe(keys[999]);
      const rest = await store.listVersions({
        prefix: 'k/',
        keyMarker: versions.nextKeyMarker,
        versionIdMarker: versions.nextVersionIdMarker,
      });
      expect(rest.versions.map((v) => v.key)).toEqual(keys.slice(1000));
      expect(rest.nextKeyMarker).toBeUndefined();
    });
  });

  describe('error mapping', () => {
    it('a version id of nothing is ObjectNotFoundError carrying the version', async () => {
      const store = rgw.openStore();
      await store.put({ key: 'errors/present', body: 'x', contentType: 'text/plain' });
      for (const read of [
        () => store.get('errors/present', { versionId: 'no-such-version-id-000000000' }),
        () => store.head('errors/present', { versionId: 'no-such-version-id-000000000' }),
        () => store.getTags('errors/present', { versionId: 'no-such-version-id-000000000' }),
      ]) {
        const error = await read().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ObjectNotFoundError);
        expect((error as ObjectNotFoundError).versionId).toBe('no-such-version-id-000000000');
        expect((error as Error).message).toContain('errors/present');
      }
    });

    it('a missing bucket is an ObjectStoreError naming the bucket, not a missing object', async () => {
      const store = new S3ObjectStore({ bucket: `${rgw.bucket()}-gone`, ...rgw.settings, maxAttempts: 1 });
      const error = await store.get('k').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ObjectStoreError);
      expect(error).not.toBeInstanceOf(ObjectNotFoundError);
      expect((error as Error).message).toContain(`bucket ${rgw.bucket()}-gone does not exist`);
      await expect(store.list({})).rejects.toThrow(/NoSuchBucket/);
      store.close();
    });

    it('any other server error keeps its code, status and cause', async () => {
      const store = rgw.openStore({ maxAttempts: 1 });
      const fake = intercept(store.client, 'GetObjectCommand', {
        respond: () => ({
          statusCode: 500,
          headers: { 'content-type': 'application/xml' },
          body: s3ErrorXml('InternalError', 'We encountered an internal error.'),
        }),
      });
      const error = await store.get('errors/whatever').catch((e: unknown) => e);
      fake.remove();
      expect(error).toBeInstanceOf(ObjectStoreError);
      expect((error as Error).message).toBe(
        `S3 GetObject s3://${rgw.bucket()}/errors/whatever failed: InternalError (HTTP 500): We encountered an internal error.`,
      );
      expect((error as ObjectStoreError).key).toBe('errors/whatever');
      expect((error as Error).cause).toBeInstanceOf(Error);
    });
  });

  describe('archived objects', () => {
    const archivedResponse = (storageClass: string): FakeResponse => ({
      statusCode: 403,
      headers: { 'content-type': 'application/xml' },
      body: s3ErrorXml(
        'InvalidObjectState',
        "The operation is not valid for the object's storage class",
        `<StorageClass>${storageClass}</StorageClass>`,
      ),
    });

    it('a GET that S3 refuses with InvalidObjectState is an ObjectArchivedError saying how to restore', async () => {
      const store = rgw.openStore({ prefix: 'archive-lake' });
      const key = 'raw/yfinance/NVDA/2024-01-05/20240105_210000.json';
      await store.put({ key, body: '{}', contentType: 'application/json' });
      const fake = intercept(store.client, 'GetObjectCommand', { respond: () => archivedResponse('GLACIER') });
      const error = await store.get(key).catch((e: unknown) => e);
      fake.remove();
      expect(error).toBeInstanceOf(ObjectArchivedError);
      expect(error).toBeInstanceOf(ObjectStoreError);
      const archived = error as ObjectArchivedError;
      expect(archived.key).toBe(key); // the lake key, without the store's prefix: what `restore` takes
      expect(archived.storageClass).toBe('GLACIER');
      expect(archived.cause).toBeInstanceOf(InvalidObjectState); // the SDK parsed our fake as the real thing
      expect(archived.message).toBe(
        `object ${key} is archived (GLACIER) and cannot be read until it is restored; ` +
          `run: marketlake restore ${key} [--days N] [--tier Standard|Bulk] and read it again once the restore has finished`,
      );
      // Without the fake, RGW serves the object (it never archives for real).
      expect(text((await store.get(key)).body)).toBe('{}');
    });

    it('names DEEP_ARCHIVE too, and only GET is affected', async () => {
      const store = rgw.openStore();
      await store.put({ key: 'archive/deep', body: 'x', contentType: 'text/plain' });
      const fake = intercept(store.client, 'GetObjectCommand', { respond: () => archivedResponse('DEEP_ARCHIVE') });
      await expect(store.get('archive/deep')).rejects.toThrow(
        /archived \(DEEP_ARCHIVE\).*marketlake restore archive\/deep/,
      );
      expect((await store.head('archive/deep')).size).toBe(1);
      fake.remove();
    });

    it('restoreStatus reads the storage class and the x-amz-restore header', async () => {
      const store = rgw.openStore();
      const put = await store.put({ key: 'archive/status', body: 'x', contentType: 'text/plain' });
      expect(await store.restoreStatus('archive/status')).toEqual({
        key: 'archive/status',
        versionId: put.versionId,
        storageClass: 'STANDARD',
        archived: false,
        restore: 'none',
        readable: true,
      });
      let restoreHeader: string | undefined;
      const fake = intercept(store.client, 'HeadObjectCommand', {
        patch: (headers) => {
          headers['x-amz-storage-class'] = 'GLACIER';
          if (restoreHeader !== undefined) headers['x-amz-restore'] = restoreHeader;
        },
      });
      expect(await store.restoreStatus('archive/status')).toMatchObject({
        storageClass: 'GLACIER',
        archived: true,
        restore: 'none',
        readable: false,
      });
      restoreHeader = 'ongoing-request="true"';
      expect(await store.restoreStatus('archive/status')).toMatchObject({
        archived: true,
        restore: 'in-progress',
        readable: false,
      });
      restoreHeader = 'ongoing-request="false", expiry-date="Fri, 21 Dec 2040 00:00:00 GMT"';
      expect(await store.restoreStatus('archive/status')).toMatchObject({
        archived: true,
        restore: 'restored',
        readable: true,
        expiresAt: new Date('2040-12-21T00:00:00Z'),
      });
      expect((await store.head('archive/status')).storageClass).toBe('GLACIER');
      fake.remove();
      await expect(store.restoreStatus('archive/absent')).rejects.toBeInstanceOf(ObjectNotFoundError);
    });

    it('restoreStatus sees a real lifecycle transition to GLACIER (RGW still serves the body)', async (test) => {
      // scripts/rgw.sh makes a lifecycle "day" LC_DEBUG_INTERVAL (default 5) seconds long; the transition then
      // happens within about 10 s. With real days (0) it cannot happen during a test run: skipped then.
      await rgw.client().send(
        new PutBucketLifecycleConfigurationCommand({
          Bucket: rgw.bucket(),
          LifecycleConfiguration: {
            Rules: [
              {
                ID: 'to-glacier',
                Status: 'Enabled',
                Filter: { Prefix: 'lifecycle/' },
                Transitions: [{ Days: 1, StorageClass: 'GLACIER' }],
              },
            ],
          },
        }),
      );
      const store = rgw.openStore({ prefix: 'lifecycle' });
      await store.put({ key: 'raw/old.json', body: '{"old":true}', contentType: 'application/json' });
      expect(await store.restoreStatus('raw/old.json')).toMatchObject({ storageClass: 'STANDARD', archived: false });
      const deadline = Date.now() + 40_000;
      let status = await store.restoreStatus('raw/old.json');
      while (status.storageClass === 'STANDARD' && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        status = await store.restoreStatus('raw/old.json');
      }
      if (status.storageClass === 'STANDARD') {
        console.warn(
          'RGW did not run lifecycle within 40 s (started with LC_DEBUG_INTERVAL=0?): skipping the transition test',
        );
        test.skip();
        return;
      }
      expect(status).toMatchObject({ storageClass: 'GLACIER', archived: true, restore: 'none', readable: false });
      expect((await store.head('raw/old.json')).storageClass).toBe('GLACIER');
      expect(text((await store.get('raw/old.json')).body)).toBe('{"old":true}'); // Amazon S3 would refuse this GET
    }, 60_000);

    it('restore maps the answers of RestoreObject', async () => {
      const store = rgw.openStore({ maxAttempts: 1 });
      await store.put({ key: 'archive/restore', body: 'x', contentType: 'text/plain' });
      // RGW 16 does not implement RestoreObject at all: a clear error.
      await expect(store.restore('archive/restore')).rejects.toThrow(/does not implement RestoreObject/);

      let answer: FakeResponse = { statusCode: 202 };
      let sent: { Days?: number; Tier?: string } = {};
      const fake = intercept(store.client, 'RestoreObjectCommand', { respond: () => answer });
      store.client.middlewareStack.add(
        (next, context) => async (args) => {
          if (context.commandName === 'RestoreObjectCommand') {
            const input = args.input as {
              RestoreRequest?: { Days?: number; GlacierJobParameters?: { Tier?: string } };
            };
            sent = { Days: input.RestoreRequest?.Days, Tier: input.RestoreRequest?.GlacierJobParameters?.Tier };
          }
          return next(args);
        },
        { step: 'initialize', name: 'capture-restore-input' },
      );
      expect(await store.restore('archive/restore', { days: 3, tier: 'Bulk' })).toBe('requested');
      expect(sent).toEqual({ Days: 3, Tier: 'Bulk' });
      answer = { statusCode: 200 };
      expect(await store.restore('archive/restore')).toBe('already-restored');
      expect(sent).toEqual({ Days: 7, Tier: 'Standard' });
      answer = {
        statusCode: 409,
        body: s3ErrorXml('RestoreAlreadyInProgress', 'Object restore is already in progress'),
      };
      expect(await store.restore('archive/restore')).toBe('in-progress');
      answer = {
        statusCode: 403,
        body: s3ErrorXml('InvalidObjectState', "Restore is not allowed for the object's current storage class"),
      };
      await expect(store.restore('archive/restore')).rejects.toThrow(/not in an archive storage class/);
      await expect(store.restore('archive/restore', { days: 0 })).rejects.toBeInstanceOf(RangeError);
      expect(fake.calls()).toBe(4);
      fake.remove();
      store.client.middlewareStack.remove('capture-restore-input');
    });

    it('restoreKeys reports each key from its restore header and goes on after a failure', async () => {
      const store = rgw.openStore({ maxAttempts: 1 });
      const keys = ['archive/k-standard', 'archive/k-glacier', 'archive/k-ongoing', 'archive/k-restored'];
      for (const key of keys) await store.put({ key, body: key, contentType: 'text/plain' });
      const headers: Record<string, Record<string, string>> = {
        'archive/k-glacier': { 'x-amz-storage-class': 'GLACIER' },
        'archive/k-ongoing': { 'x-amz-storage-class': 'DEEP_ARCHIVE', 'x-amz-restore': 'ongoing-request="true"' },
        'archive/k-restored': {
          'x-amz-storage-class': 'GLACIER',
          'x-amz-restore': 'ongoing-request="false", expiry-date="Fri, 21 Dec 2040 00:00:00 GMT"',
        },
      };
      let lastHeadKey = '';
      store.client.middlewareStack.add(
        (next, context) => async (args) => {
          if (context.commandName === 'HeadObjectCommand') lastHeadKey = (args.input as { Key: string }).Key;
          return next(args);
        },
        { step: 'initialize', name: 'remember-head-key' },
      );
      const head = intercept(store.client, 'HeadObjectCommand', {
        patch: (h) => Object.assign(h, headers[lastHeadKey] ?? {}),
      });
      const restoreAnswers: Record<string, FakeResponse> = {
        'archive/k-glacier': { statusCode: 202 },
        'archive/k-ongoing': {
          statusCode: 409,
          body: s3ErrorXml('RestoreAlreadyInProgress', 'Object restore is already in progress'),
        },
        'archive/k-restored': { statusCode: 200 },
      };
      let lastRestoreKey = '';
      store.client.middlewareStack.add(
        (next, context) => async (args) => {
          if (context.commandName === 'RestoreObjectCommand') lastRestoreKey = (args.input as { Key: string }).Key;
          return next(args);
        },
        { step: 'initialize', name: 'remember-restore-key' },
      );
      const restore = intercept(store.client, 'RestoreObjectCommand', {
        respond: () => restoreAnswers[lastRestoreKey],
      });

      const progress: string[] = [];
      const reports = await restoreKeys(store, [...keys, 'archive/k-absent'], {
        days: 2,
        tier: 'Standard',
        onReport: (r) => progress.push(describeRestoreReport(r, { days: 2, tier: 'Standard' })),
      });
      head.remove();
      restore.remove();
      expect(reports.map((r) => [r.key, r.state, r.storageClass])).toEqual([
        ['archive/k-standard', 'not-archived', 'STANDARD'],
        ['archive/k-glacier', 'requested', 'GLACIER'],
        ['archive/k-ongoing', 'in-progress', 'DEEP_ARCHIVE'],
        ['archive/k-restored', 'restored', 'GLACIER'],
        ['archive/k-absent', 'failed', undefined],
      ]);
      expect(reports[3]!.expiresAt).toEqual(new Date('2040-12-21T00:00:00Z'));
      expect(restore.calls()).toBe(3); // not for the STANDARD object, nor for the missing one
      expect(progress).toEqual([
        'archive/k-standard: not archived (STANDARD): readable now, nothing to restore',
        'archive/k-glacier: restore requested (GLACIER, tier Standard, 2 days); run the command again later to see its progress',
        'archive/k-ongoing: restore in progress (DEEP_ARCHIVE); not readable yet',
        'archive/k-restored: already restored (GLACIER): readable until 2040-12-21T00:00:00.000Z',
        'archive/k-absent: failed: object not found: archive/k-absent',
      ]);
    });
  });
});
