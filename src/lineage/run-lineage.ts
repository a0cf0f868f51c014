import type { Warehouse } from '../warehouse/database.js';
import { listVersionIdsOfKeys } from '../warehouse/lake-objects.js';
import type { LineageEmitter } from './emitter.js';
import {
  type DataQualityAssertion,
  dataQualityAssertionsFacet,
  type Dataset,
  errorMessageFacet,
  type EventType,
  type JobName,
  type RunEvent,
  runEvent,
  runOutcomeFacet,
  type RunOutcomeFacet,
} from './spec.js';

export interface RunLineageOptions {
  /** Undefined: lineage is off for this run, and every method does nothing. */
  emitter: LineageEmitter | undefined;
  runId: string;
  jobName: JobName;
  computationVersion: string;
  backfill?: boolean;
  clock: () => Date;
}

type RunFacets = NonNullable<RunEvent['run']['facets']>;

/** How a run ended, as its summary says. */
export type RunOutcome = Omit<RunOutcomeFacet, '_producer' | '_schemaURL'>;

/**
 * The OpenLineage side of one run: a START event, then exactly one terminal event (COMPLETE, or FAIL when the
 * run failed or threw), as the spec requires. Delivery problems accumulate in `problems` for the run's summary.
 */
export class RunLineage {
  readonly problems: string[] = [];
  private ended = false;

  constructor(private readonly options: RunLineageOptions) {}

  async start(inputs: Dataset[] = []): Promise<void> {
    await this.emit('START', { inputs });
  }

  /**
   * START, then `work`, which sends the run's own end event; if `work` throws, FAIL, and the error carries any
   * lineage delivery problems (the run that threw cannot put them in its summary).
   */
  async around<T>(work: () => Promise<T>): Promise<T> {
    await this.start();
    try {
      return await work();
    } catch (error) {
      await this.fail(error);
      throw withLineageProblems(error, this.problems);
    }
  }

  /** COMPLETE, or FAIL when the run's status is 'failed' (every ticker failed): outputs are reported either way. */
  async end(outcome: RunOutcome, inputs: Dataset[], outputs: Dataset[]): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    const failed = outcome.status === 'failed';
    const message = `${outcome.failed.length} ticker(s) failed: ${outcome.failed
      .slice(0, 3)
      .map((f) => `${f.ticker}: ${f.reason}`)
      .join('; ')}`;
    await this.emitInParts(failed ? 'FAIL' : 'COMPLETE', inputs, outputs, {
      marketlake_run: runOutcomeFacet(outcome),
      ...(failed ? { errorMessage: errorMessageFacet(message) } : {}),
    });
  }

  /**
   * FAIL for a run that threw. After a terminal event nothing more is sent: a run has one end, and the error
   * itself still reaches the caller.
   */
  async fail(error: unknown, inputs: Dataset[] = [], outputs: Dataset[] = []): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    await this.emitInParts('FAIL', inputs, outputs, { errorMessage: errorMessageFacet(error) });
  }

  /**
   * The terminal event, preceded by RUNNING events carrying the datasets that do not fit in one event (inputs
   * first, then outputs); a lineage server adds up the datasets of all the events of a run.
   */
  private async emitInParts(
    eventType: 'COMPLETE' | 'FAIL',
    inputs: Dataset[],
    outputs: Dataset[],
    runFacets: RunFacets,
  ): Promise<void> {
    const limit = this.options.emitter?.maxDatasetsPerEvent ?? Infinity;
    const all = [...inputs.map((d) => ['in', d] as const), ...outputs.map((d) => ['out', d] as const)];
    const chunks: (typeof all)[] = [];
    for (let start = 0; start < all.length; start += limit) chunks.push(all.slice(start, start + limit));
    if (chunks.length === 0) chunks.push([]);
    const split = (chunk: typeof all) => ({
      inputs: chunk.filter(([side]) => side === 'in').map(([, d]) => d),
      outputs: chunk.filter(([side]) => side === 'out').map(([, d]) => d),
    });
    for (let part = 0; part < chunks.length - 1; part++) await this.emit('RUNNING', split(chunks[part]), part + 1);
    await this.emit(eventType, { ...split(chunks[chunks.length - 1]), runFacets });
  }

  private async emit(
    eventType: EventType,
    parts: { inputs?: Dataset[]; outputs?: Dataset[]; runFacets?: RunFacets },
    part?: number,
  ): Promise<void> {
    const { emitter } = this.options;
    if (!emitter) return;
    const event = runEvent({
      eventType,
      eventTime: this.options.clock(),
      runId: this.options.runId,
      jobName: this.options.jobName,
      computationVersion: this.options.computationVersion,
      backfill: this.options.backfill ?? false,
      ...parts,
    });
    this.problems.push(...(await emitter.emit(event, part)));
  }
}

/**
 * Datasets for lake keys, with the version ids the catalog recorded; keys the catalog does not know (their write
 * is still in the outbox) are left out, since they are not in the lake yet. One query per thousand keys.
 */
export async function catalogDatasets(
  emitter: LineageEmitter | undefined,
  warehouse: Warehouse,
  keys: Iterable<string>,
  /** The quality checks' verdicts on each input, by key (the daily run's raw snapshots). */
  assertionsOf?: ReadonlyMap<string, DataQualityAssertion[]>,
): Promise<Dataset[]> {
  if (!emitter) return [];
  const unique = [...new Set(keys)];
  const versions = await listVersionIdsOfKeys(warehouse.db, unique);
  return unique
    .filter((key) => versions.has(key))
    .map((key) => {
      const dataset = emitter.dataset(key, versions.get(key) ?? null);
      const assertions = assertionsOf?.get(key);
      if (assertions === undefined || assertions.length === 0) return dataset;
      return { ...dataset, inputFacets: { dataQualityAssertions: dataQualityAssertionsFacet(assertions) } };
    });
}

/** Adds problems to an error's message, so that a run that throws still reports its undelivered lineage. */
export function withLineageProblems(error: unknown, problems: readonly string[]): unknown {
  if (problems.length === 0) return error;
  const note = ` (and OpenLineage: ${problems.join('; ')})`;
  if (error instanceof Error) {
    error.message += note;
    return error;
  }
  return new Error(`${String(error)}${note}`, { cause: error });
}
