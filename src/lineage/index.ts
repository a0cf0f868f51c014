import type { ObjectStore } from '../storage/object-store.js';
import { createLineageEmitter, type LineageEmitter } from './emitter.js';

export {
  createLineageEmitter,
  DEFAULT_LINEAGE_PATH,
  LINEAGE_PREFIX,
  lineageEndpoint,
  lineageEventKey,
  type LineageEmitter,
} from './emitter.js';
export { datasetNaming, type DatasetNaming } from './namespace.js';
export { catalogDatasets, RunLineage, type RunOutcome } from './run-lineage.js';
export { JOB_NAMESPACE, PRODUCER_URI, RUN_EVENT_SCHEMA_URL, type Dataset, type RunEvent } from './spec.js';

/** The environment variable naming an OpenLineage endpoint (e.g. Marquez at http://localhost:5000). */
export const OPENLINEAGE_URL_VARIABLE = 'MARKETLAKE_OPENLINEAGE_URL';

/** The emitter a command uses: events into the lake, and POSTed when MARKETLAKE_OPENLINEAGE_URL is set. */
export function lineageFromEnvironment(store: ObjectStore, env: NodeJS.ProcessEnv = process.env): LineageEmitter {
  const url = env[OPENLINEAGE_URL_VARIABLE];
  return createLineageEmitter({ store, ...(url ? { url } : {}) });
}
