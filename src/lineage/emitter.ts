import { ConfigError } from '../config.js';
import { redact, redactDeep, redactUrl, rememberSecret, rememberUrlSecrets } from '../secrets.js';
import type { ObjectStore } from '../storage/object-store.js';
import { PRODUCER } from '../version.js';
import { datasetNaming, type DatasetNaming } from './namespace.js';
import { type Dataset, type RunEvent, versionFacet } from './spec.js';

/** Where the lake keeps the events: one object per event (the store is create-only, so nothing is appended to). */
export const LINEAGE_PREFIX = 'lineage/openlineage/';

/** Marquez's endpoint, used when MARKETLAKE_OPENLINEAGE_URL names a server without a path. */
export const DEFAULT_LINEAGE_PATH = '/api/v1/lineage';

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * Datasets (inputs plus outputs) per event. A backfill can write hundreds of thousands of objects; one event
 * naming them all would be too big for a lineage server (and the lake's reader), so the ends of big runs are
 * spread over RUNNING events, which the spec allows in between (see RunLineage).
 */
export const DEFAULT_MAX_DATASETS_PER_EVENT = 1000;

/**
 * Delivers RunEvents: always into the lake, and to an OpenLineage HTTP endpoint when one is configured.
 * Delivery problems are returned, never thrown: lineage must not fail the run it describes, and the caller puts
 * the problems in the run's summary so that none goes unnoticed.
 */
export interface LineageEmitter {
  readonly naming: DatasetNaming;
  readonly maxDatasetsPerEvent: number;
  /** The dataset of a lake object (its key) at one version (the store's version id). */
  dataset(key: string, versionId: string | null): Dataset;
  /**
   * Problems met while delivering; empty when the event reached every destination. `part` numbers the RUNNING
   * events of one run, whose keys must differ.
   */
  emit(event: RunEvent, part?: number): Promise<string[]>;
}

export interface LineageEmitterOptions {
  /** The lake's store: the events go there, and it names the datasets. */
  store: ObjectStore;
  /** OpenLineage HTTP endpoint (MARKETLAKE_OPENLINEAGE_URL); a URL without a path gets /api/v1/lineage. */
  url?: string;
  timeoutMs?: number;
  maxDatasetsPerEvent?: number;
  /** Replaceable for tests; defaults to the global fetch. */
  fetch?: typeof fetch;
}

export function createLineageEmitter(options: LineageEmitterOptions): LineageEmitter {
  const naming = datasetNaming(options.store);
  const endpoint =
    options.url === undefined || options.url.trim() === '' ? undefined : lineageEndpoint(options.url.trim());
  const destination = endpoint === undefined ? undefined : lineageDestination(endpoint);
  const send = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxDatasetsPerEvent = options.maxDatasetsPerEvent ?? DEFAULT_MAX_DATASETS_PER_EVENT;
  if (!Number.isInteger(maxDatasetsPerEvent) || maxDatasetsPerEvent < 1)
    throw new RangeError(`maxDatasetsPerEvent must be a positive integer, got ${maxDatasetsPerEvent}`);
  return {
    naming,
    maxDatasetsPerEvent,
    dataset(key, versionId) {
      return {
        namespace: naming.namespace,
        name: `${naming.prefix}${key}`,
        ...(versionId ? { facets: { version: versionFacet(versionId) } } : {}),
      };
    },
    async emit(event, part) {
      // One JSON line per object, newline-terminated, so that concatenating the objects gives a JSON Lines file.
      // Redacted before it leaves for the lake or the server: a FAIL event carries an error's message and stack.
      const body = JSON.stringify(redactDeep(event));
      const problems: string[] = [];
      const key = lineageEventKey(event, part);
      try {
        await options.store.put({
          key,
          body: `${body}\n`,
          contentType: 'application/json',
          metadata: { producer: PRODUCER, run_id: event.run.runId, event_type: event.eventType, job: event.job.name },
        });
      } catch (error) {
        problems.push(`OpenLineage ${event.eventType} event not stored at ${key}: ${describe(error)}`);
      }
      if (destination) {
        const problem = await post(send, destination, body, timeoutMs);
        if (problem)
          problems.push(`OpenLineage ${event.eventType} event not delivered to ${destination.label}: ${problem}`);
      }
      // The reasons come from the store, fetch and the server, any of which may echo a URL.
      return problems.map(redact);
    },
  };
}

/**
 * `lineage/openlineage/{YYYY-MM-DD}/{runId}-{eventType}.json` (`{runId}-RUNNING-{part}.json` for the parts of a
 * big run's end), dated by the event's time (UTC).
 */
export function lineageEventKey(event: RunEvent, part?: number): string {
  const suffix = part === undefined ? '' : `-${String(part).padStart(4, '0')}`;
  return `${LINEAGE_PREFIX}${event.eventTime.slice(0, 10)}/${event.run.runId}-${event.eventType}${suffix}.json`;
}

/** The endpoint to POST to; a bare server URL (Marquez's usual configuration) gets Marquez's path. */
export function lineageEndpoint(url: string): string {
  rememberUrlSecrets(url);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`MARKETLAKE_OPENLINEAGE_URL must be an http(s) URL (got "${redactUrl(url)}")`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ConfigError(`MARKETLAKE_OPENLINEAGE_URL must be an http(s) URL (got "${redactUrl(url)}")`);
  }
  if (parsed.pathname === '' || parsed.pathname === '/') parsed.pathname = DEFAULT_LINEAGE_PATH;
  return parsed.toString();
}

interface Destination {
  /** Without user info. */
  url: string;
  /** `Basic ...` from the user info of the configured URL. */
  authorization?: string;
  /** The configured URL without its password, for messages. */
  label: string;
}

/**
 * The URL without its user info, which becomes HTTP basic authentication, as curl does with such a URL: fetch
 * refuses a URL with credentials (and its error would quote the URL, password included).
 */
function lineageDestination(endpoint: string): Destination {
  const url = new URL(endpoint);
  const label = redactUrl(endpoint);
  if (url.username === '' && url.password === '') return { url: endpoint, label };
  const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  url.username = '';
  url.password = '';
  const encoded = Buffer.from(credentials, 'utf8').toString('base64');
  // A server or proxy may quote the header back in an error body, which ends up in the run's summary.
  rememberSecret(encoded);
  return { url: url.toString(), authorization: `Basic ${encoded}`, label };
}

/** A description of why the POST failed, or undefined when the server accepted the event (any 2xx). */
async function post(
  send: typeof fetch,
  destination: Destination,
  body: string,
  timeoutMs: number,
): Promise<string | undefined> {
  try {
    const response = await send(destination.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(destination.authorization ? { authorization: destination.authorization } : {}),
      },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    // The body is read either way: it frees the connection, and on an error it says what the server disliked.
    const text = await response.text();
    if (response.ok) return undefined;
    return `HTTP ${response.status} ${response.statusText}${text ? `: ${text.slice(0, 300)}` : ''}`;
  } catch (error) {
    return describe(error);
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // fetch reports network failures as "fetch failed" with the reason (ECONNREFUSED, ...) in `cause`.
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return `${error.message}${cause}`;
}
