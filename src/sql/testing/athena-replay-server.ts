/**
 * A stand-in for the Athena API on 127.0.0.1, for tests that run the real AthenaClient against it (its `endpoint`).
 * Athena speaks the AWS JSON 1.1 protocol: every call is `POST /` with the operation in the `X-Amz-Target` header
 * (`AmazonAthena.StartQueryExecution`) and a JSON body; answers are JSON, errors a 4xx/5xx with `__type` naming
 * the exception. The server answers each operation from a script (its answers in order, the last one repeated)
 * and records every request, so a test asserts both what the client made of the answers and what it sent.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/** test/fixtures/athena: response bodies in the documented format (see the README.md there). */
export const ATHENA_FIXTURES = join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures', 'athena');

export interface ReplayAnswer {
  /** Default 200. */
  status?: number;
  body: unknown;
}

/** Per operation (StartQueryExecution, GetQueryExecution...), the answers in order; the last one repeats. */
export type ReplayScript = Partial<Record<AthenaOperation, ReplayAnswer[]>>;

export type AthenaOperation = 'StartQueryExecution' | 'GetQueryExecution' | 'GetQueryResults' | 'StopQueryExecution';

export interface RecordedRequest {
  /** The operation, from X-Amz-Target without the `AmazonAthena.` prefix. */
  operation: string;
  body: Record<string, unknown>;
  headers: IncomingHttpHeaders;
}

/** A fixture's body (test/fixtures/athena/NAME.json), answered with `status` (default 200). */
export function fixture(name: string, status = 200): ReplayAnswer {
  return { status, body: JSON.parse(readFileSync(join(ATHENA_FIXTURES, `${name}.json`), 'utf8')) as unknown };
}

export class AthenaReplayServer {
  readonly requests: RecordedRequest[] = [];
  private readonly served = new Map<string, number>();

  private constructor(
    private readonly server: Server,
    private readonly script: ReplayScript,
  ) {}

  static async start(script: ReplayScript): Promise<AthenaReplayServer> {
    const server = createServer();
    const replay = new AthenaReplayServer(server, script);
    server.on('request', (request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const answer = replay.answer(request.method, request.headers, Buffer.concat(chunks).toString('utf8'));
        const text = JSON.stringify(answer.body);
        response.writeHead(answer.status ?? 200, {
          'content-type': 'application/x-amz-json-1.1',
          'content-length': Buffer.byteLength(text),
          'x-amzn-requestid': `replay-${replay.requests.length}`,
        });
        response.end(text);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return replay;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The recorded requests of one operation, in order. */
  requestsFor(operation: AthenaOperation): RecordedRequest[] {
    return this.requests.filter((request) => request.operation === operation);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.server.close((error) => (error ? reject(error) : resolve())));
  }

  private answer(method: string | undefined, headers: IncomingHttpHeaders, text: string): ReplayAnswer {
    const target = String(headers['x-amz-target'] ?? '');
    const operation = target.replace(/^AmazonAthena\./, '');
    // A request the script does not expect gets an error no client retries, so the test fails on it, named.
    const unexpected = (why: string): ReplayAnswer => ({
      status: 400,
      body: { __type: 'ReplayServerUnexpectedRequest', Message: `replay server: ${why}` },
    });
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text === '' ? '{}' : text) as Record<string, unknown>;
    } catch (error) {
      return unexpected(`body is not JSON (${(error as Error).message})`);
    }
    this.requests.push({ operation, body, headers });
    if (method !== 'POST' || !target.startsWith('AmazonAthena.')) {
      return unexpected(`expected POST with X-Amz-Target AmazonAthena.*, got ${method} ${target}`);
    }
    const answers = this.script[operation as AthenaOperation];
    if (answers === undefined || answers.length === 0) return unexpected(`no answer scripted for ${operation}`);
    const index = this.served.get(operation) ?? 0;
    this.served.set(operation, index + 1);
    return answers[Math.min(index, answers.length - 1)];
  }
}
