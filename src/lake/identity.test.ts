import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeOnRgw } from '../../test/support/rgw.js';
import { FsObjectStore } from '../storage/fs/fs-object-store.js';
import type { ObjectStore } from '../storage/object-store.js';
import {
  establishLakeIdentity,
  LAKE_MARKER_KEY,
  LakeMarkerError,
  newLakeIdentity,
  readLakeIdentity,
  renderLakeMarker,
} from './identity.js';

/** The identity contract, on one store (a fresh, empty lake per test). */
function identityContract(freshStore: () => ObjectStore): void {
  it('a lake has no identity until one is established; then it keeps the first', async () => {
    const store = freshStore();
    expect(await readLakeIdentity(store)).toBeUndefined();
    expect(await readLakeIdentity(store, { oldest: true })).toBeUndefined();

    const first = await establishLakeIdentity(store, newLakeIdentity(new Date('2026-12-01T10:00:00Z')));
    expect(first.lakeId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await readLakeIdentity(store)).toEqual(first);

    // A second establisher gets the existing identity back, not its own.
    const second = await establishLakeIdentity(store);
    expect(second).toEqual(first);
    expect(await readLakeIdentity(store, { oldest: true })).toEqual(first);
    const body = JSON.parse(Buffer.from((await store.get(LAKE_MARKER_KEY)).body).toString('utf8'));
    expect(body).toMatchObject({
      schema: 'marketlake.lake/1',
      lake_id: first.lakeId,
      created_at: '2026-12-01T10:00:00.000Z',
    });
  });

  it('concurrent first establishers agree on one identity, and the lake keeps exactly one version of it', async () => {
    const store = freshStore();
    const candidates = Array.from({ length: 6 }, () => newLakeIdentity());
    const results = await Promise.all(candidates.map((candidate) => establishLakeIdentity(store, candidate)));
    const ids = new Set(results.map((identity) => identity.lakeId));
    expect(ids.size).toBe(1);
    expect(candidates.map((c) => c.lakeId)).toContain([...ids][0]);
    expect((await readLakeIdentity(store))?.lakeId).toBe([...ids][0]);
    const versions = await store.listVersions({ prefix: LAKE_MARKER_KEY });
    expect(versions.versions.filter((v) => v.key === LAKE_MARKER_KEY)).toHaveLength(1);
  });

  it('a marker that is not ours is an error, not a new identity', async () => {
    const store = freshStore();
    await store.put({ key: LAKE_MARKER_KEY, body: '{"hello":"world"}', contentType: 'application/json' });
    await expect(readLakeIdentity(store)).rejects.toThrow(LakeMarkerError);
    await expect(establishLakeIdentity(store)).rejects.toThrow(
      /_marketlake\/lake\.json is not a marketlake lake identity \(schema is not marketlake\.lake\/1\)/,
    );
  });
}

describe('lake identity [fs]', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'marketlake-identity-'));
  });
  afterEach(async () => rm(root, { recursive: true, force: true }));

  let count = 0;
  identityContract(() => new FsObjectStore(join(root, `lake-${count++}`)));

  it('renders one line of JSON that parses back', async () => {
    const identity = newLakeIdentity(new Date('2026-01-01T00:00:00Z'));
    const store = new FsObjectStore(join(root, 'lake'));
    await store.put({ key: LAKE_MARKER_KEY, body: renderLakeMarker(identity), contentType: 'application/json' });
    expect(await readLakeIdentity(store)).toEqual(identity);
    expect(renderLakeMarker(identity).trimEnd()).not.toContain('\n');
  });
});

describeOnRgw('lake identity', (rgw) => {
  let count = 0;
  // RGW lets a second conditional PUT through on a versioned bucket; the store undoes it, and the identity
  // must come out the same for every racer even so.
  identityContract(() => rgw.openStore({ prefix: `identity-${count++}-${Date.now()}` }));
});
