/**
 * OpenLineage RunEvents (spec 2-0-2, https://openlineage.io/spec/2-0-2/OpenLineage.json), the subset marketlake
 * emits, typed from the spec's required fields:
 *   BaseEvent: eventTime (date-time), producer (URI), schemaURL (URI)      RunEvent: run, job, eventType
 *   Run: runId (UUID)        Job: namespace, name        Dataset: namespace, name
 *   every facet: _producer (URI), _schemaURL (URI of the facet's JSON schema)
 */
import { PRODUCER_VERSION } from '../version.js';

/** The 2-0-2 document defines its types under `$defs` (older ones used `definitions`): the pointer must match. */
export const RUN_EVENT_SCHEMA_URL = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent';

/** A URI naming the code that produced an event: the repository at this release. */
export const PRODUCER_URI = `https://github.com/marketlake/marketlake/tree/v${PRODUCER_VERSION}`;

/** The schema of marketlake's own facets, in this repository (custom facets must name their schema). */
const CUSTOM_FACETS_SCHEMA = `https://github.com/marketlake/marketlake/blob/v${PRODUCER_VERSION}/src/lineage/facets.schema.json`;

export const JOB_NAMESPACE = 'marketlake';
export type JobName = 'daily_run' | 'reprocess';

export const EVENT_TYPES = ['START', 'RUNNING', 'COMPLETE', 'ABORT', 'FAIL', 'OTHER'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface Facet {
  _producer: string;
  _schemaURL: string;
}

/** Standard dataset facet `version`: which version of the dataset a run read or wrote (here the store's version id). */
export interface DatasetVersionFacet extends Facet {
  datasetVersion: string;
}

/** Standard run facet `errorMessage`, on FAIL events. */
export interface ErrorMessageFacet extends Facet {
  message: string;
  programmingLanguage: string;
  stackTrace?: string;
}

/** Custom job facet `marketlake_computation`: which definitions the job computed with. */
export interface ComputationFacet extends Facet {
  computationVersion: string;
  backfill: boolean;
}

/** Custom run facet `marketlake_run`: how the run ended, in the terms of its summary. */
export interface RunOutcomeFacet extends Facet {
  status: 'ok' | 'partial' | 'failed';
  objectsWritten: number;
  outboxPending: number;
  failed: { ticker: string; reason: string }[];
}

/** One check's verdict on an input dataset (the standard facet's `assertions` items). */
export interface DataQualityAssertion {
  /** The check's id (src/quality/catalog.ts). */
  assertion: string;
  success: boolean;
  severity: 'error' | 'warn';
}

/** Standard input dataset facet `dataQualityAssertions`: what the quality checks said of a raw snapshot read. */
export interface DataQualityAssertionsFacet extends Facet {
  assertions: DataQualityAssertion[];
}

export interface Dataset {
  namespace: string;
  name: string;
  facets?: { version?: DatasetVersionFacet };
  /** On inputs only. */
  inputFacets?: { dataQualityAssertions?: DataQualityAssertionsFacet };
}

export interface RunEvent {
  eventType: EventType;
  eventTime: string;
  run: { runId: string; facets?: { errorMessage?: ErrorMessageFacet; marketlake_run?: RunOutcomeFacet } };
  job: { namespace: string; name: JobName; facets?: { marketlake_computation?: ComputationFacet } };
  inputs: Dataset[];
  outputs: Dataset[];
  producer: string;
  schemaURL: string;
}

function facet(schemaUrl: string): Facet {
  return { _producer: PRODUCER_URI, _schemaURL: schemaUrl };
}

export function versionFacet(datasetVersion: string): DatasetVersionFacet {
  return {
    ...facet(
      'https://openlineage.io/spec/facets/1-0-0/DatasetVersionDatasetFacet.json#/$defs/DatasetVersionDatasetFacet',
    ),
    datasetVersion,
  };
}

export function errorMessageFacet(error: unknown): ErrorMessageFacet {
  const message = error instanceof Error ? error.message : String(error);
  return {
    ...facet('https://openlineage.io/spec/facets/1-0-0/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet'),
    message,
    programmingLanguage: 'JavaScript',
    ...(error instanceof Error && error.stack ? { stackTrace: error.stack } : {}),
  };
}

export function computationFacet(computationVersion: string, backfill: boolean): ComputationFacet {
  return { ...facet(`${CUSTOM_FACETS_SCHEMA}#/$defs/ComputationJobFacet`), computationVersion, backfill };
}

export function dataQualityAssertionsFacet(assertions: DataQualityAssertion[]): DataQualityAssertionsFacet {
  return {
    ...facet(
      'https://openlineage.io/spec/facets/1-0-2/DataQualityAssertionsDatasetFacet.json#/$defs/DataQualityAssertionsDatasetFacet',
    ),
    assertions,
  };
}

export function runOutcomeFacet(outcome: Omit<RunOutcomeFacet, keyof Facet>): RunOutcomeFacet {
  return { ...facet(`${CUSTOM_FACETS_SCHEMA}#/$defs/RunOutcomeRunFacet`), ...outcome };
}

export interface RunEventInput {
  eventType: EventType;
  eventTime: Date;
  runId: string;
  jobName: JobName;
  computationVersion: string;
  backfill?: boolean;
  inputs?: Dataset[];
  outputs?: Dataset[];
  runFacets?: RunEvent['run']['facets'];
}

export function runEvent(input: RunEventInput): RunEvent {
  return {
    eventType: input.eventType,
    eventTime: input.eventTime.toISOString(),
    run: {
      runId: input.runId,
      ...(input.runFacets && Object.keys(input.runFacets).length > 0 ? { facets: input.runFacets } : {}),
    },
    job: {
      namespace: JOB_NAMESPACE,
      name: input.jobName,
      facets: { marketlake_computation: computationFacet(input.computationVersion, input.backfill ?? false) },
    },
    inputs: input.inputs ?? [],
    outputs: input.outputs ?? [],
    producer: PRODUCER_URI,
    schemaURL: RUN_EVENT_SCHEMA_URL,
  };
}
