import type { ObjectStore } from '../storage/object-store.js';

/**
 * How lake objects are named as OpenLineage datasets: the namespace is the lake's URI and the name the object's
 * key in it, as OpenLineage's naming conventions do for object stores:
 *   file lake  file:///srv/lake            name  processed/indicators/NVDA/2026-11-26/20261126_213000.json
 *   S3 lake    s3://bucket                 name  prefix/processed/indicators/...   (the key in the bucket)
 * so that the same object is one dataset whoever reports it.
 */
export interface DatasetNaming {
  namespace: string;
  /** Prepended to lake keys: an S3 lake's prefix inside its bucket ('' otherwise). */
  prefix: string;
}

/** A store that wraps another (fault injection, counting) and should be named after what it wraps. */
interface WrappingStore extends ObjectStore {
  readonly inner: ObjectStore;
}

function isWrapping(store: ObjectStore): store is WrappingStore {
  const inner = (store as Partial<WrappingStore>).inner;
  return typeof inner === 'object' && inner !== null && typeof inner.description === 'string';
}

/** The naming of `store`'s objects, from its description (`file:///path`, `s3://bucket/prefix/`). */
export function datasetNaming(store: ObjectStore): DatasetNaming {
  let current = store;
  while (isWrapping(current)) current = current.inner;
  const description = current.description;
  const s3 = /^s3:\/\/([^/]+)\/?(.*)$/.exec(description);
  if (s3) return { namespace: `s3://${s3[1]}`, prefix: s3[2] };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(description)) return { namespace: description.replace(/\/+$/, ''), prefix: '' };
  // Every store in this project describes itself with a URI; anything else would make unstable dataset names.
  throw new Error(`cannot name OpenLineage datasets for the store "${description}": its description is not a URI`);
}
