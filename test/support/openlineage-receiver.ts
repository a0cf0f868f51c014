// The events are arbitrary JSON that the tests read field by field: typed `any` on purpose.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local OpenLineage endpoint (node:http on 127.0.0.1) standing in for Marquez: it records every POSTed event and
 * checks it against the required fields of the OpenLineage 2-0-2 spec, written out by hand from the spec (not
 * from marketlake's own types, so that a mistake there cannot hide here):
 *   RunEvent: eventTime (ISO 8601 date-time), producer (URI), schemaURL (URI), run, job; eventType in the enum
 *   Run: runId (UUID)     Job: namespace, name (strings)     Dataset (inputs/outputs): namespace, name (strings)
 *   every facet: _producer (URI), _schemaURL (URI)
 */
export interface ReceivedEvent {
  path: string;
  contentType: string | undefined;
  /** The Authorization header, when the client sent one (credentials in the endpoint URL become HTTP basic). */
  authorization: string | undefined;
  event: Record<string, any>;
  problems: string[];
}

export interface LineageReceiver {
  /** The server's root URL, e.g. http://127.0.0.1:43121 (events go to /api/v1/lineage). */
  url: string;
  events: ReceivedEvent[];
  /** The status the next POSTs are answered with (default 201, as Marquez answers). */
  status: number;
  close(): Promise<void>;
}

export async function startLineageReceiver(): Promise<LineageReceiver> {
  const events: ReceivedEvent[] = [];
  const receiver = { events, status: 201 } as LineageReceiver;
  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => response.writeHead(500).end(String(error)));
  });
  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const text = await readBody(request);
    if (request.method !== 'POST') {
      response.writeHead(405).end();
      return;
    }
    let event: Record<string, any>;
    try {
      event = JSON.parse(text);
    } catch (error) {
      response.writeHead(400).end(`not JSON: ${(error as Error).message}`);
      return;
    }
    events.push({
      path: request.url ?? '',
      contentType: request.headers['content-type'],
      authorization: request.headers.authorization,
      event,
      problems: openLineageProblems(event),
    });
    response
      .writeHead(receiver.status, { 'content-type': 'text/plain' })
      .end(receiver.status < 300 ? '' : 'the receiver was told to refuse');
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  receiver.url = `http://127.0.0.1:${port}`;
  receiver.close = () => new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  return receiver;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// RFC 3339 date-time, the JSON Schema "date-time" format.
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const EVENT_TYPES = ['START', 'RUNNING', 'COMPLETE', 'ABORT', 'FAIL', 'OTHER'];

function isUri(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    return /^[a-z][a-z0-9+.-]*:/i.test(value) && new URL(value).protocol !== '';
  } catch {
    return false;
  }
}

const isObject = (value: unknown): value is Record<string, any> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isNonEmptyString = (value: unknown): boolean => typeof value === 'string' && value.length > 0;

/** Every violation of the spec's required fields, as readable lines; empty for a valid RunEvent. */
export function openLineageProblems(event: unknown): string[] {
  const problems: string[] = [];
  if (!isObject(event)) return ['the event is not a JSON object'];
  if (
    typeof event.eventTime !== 'string' ||
    !DATE_TIME.test(event.eventTime) ||
    Number.isNaN(Date.parse(event.eventTime))
  ) {
    problems.push(`eventTime ${JSON.stringify(event.eventTime)} is not an ISO 8601 date-time`);
  }
  if (!isUri(event.producer)) problems.push(`producer ${JSON.stringify(event.producer)} is not a URI`);
  if (!isUri(event.schemaURL)) problems.push(`schemaURL ${JSON.stringify(event.schemaURL)} is not a URI`);
  if (event.eventType !== undefined && !EVENT_TYPES.includes(event.eventType))
    problems.push(`eventType ${JSON.stringify(event.eventType)} is not one of ${EVENT_TYPES.join(', ')}`);
  if (!isObject(event.run)) problems.push('run is missing');
  else {
    if (typeof event.run.runId !== 'string' || !UUID.test(event.run.runId))
      problems.push(`run.runId ${JSON.stringify(event.run.runId)} is not a UUID`);
    facetProblems(event.run.facets, 'run.facets', problems);
  }
  if (!isObject(event.job)) problems.push('job is missing');
  else {
    if (!isNonEmptyString(event.job.namespace)) problems.push('job.namespace is missing');
    if (!isNonEmptyString(event.job.name)) problems.push('job.name is missing');
    facetProblems(event.job.facets, 'job.facets', problems);
  }
  for (const side of ['inputs', 'outputs'] as const) {
    const datasets = event[side];
    if (datasets === undefined) continue;
    if (!Array.isArray(datasets)) {
      problems.push(`${side} is not an array`);
      continue;
    }
    datasets.forEach((dataset: unknown, i: number) => {
      if (!isObject(dataset)) return problems.push(`${side}[${i}] is not an object`);
      if (!isNonEmptyString(dataset.namespace)) problems.push(`${side}[${i}].namespace is missing`);
      if (!isNonEmptyString(dataset.name)) problems.push(`${side}[${i}].name is missing`);
      facetProblems(dataset.facets, `${side}[${i}].facets`, problems);
      return undefined;
    });
  }
  return problems;
}

function facetProblems(facets: unknown, where: string, problems: string[]): void {
  if (facets === undefined) return;
  if (!isObject(facets)) {
    problems.push(`${where} is not an object`);
    return;
  }
  for (const [name, facet] of Object.entries(facets)) {
    if (!isObject(facet)) problems.push(`${where}.${name} is not an object`);
    else {
      if (!isUri(facet._producer)) problems.push(`${where}.${name}._producer is not a URI`);
      if (!isUri(facet._schemaURL)) problems.push(`${where}.${name}._schemaURL is not a URI`);
    }
  }
}
