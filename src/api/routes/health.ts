/**
 * GET /healthz: the process answers (no I/O). GET /readyz: the lake answers a listing, and the database does when
 * the configuration has one to ask (src/api/lake-access.ts: an embedded home is looked for, not opened, so a run
 * is never kept waiting by a probe); 503 with the same document when either does not.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { messageOf } from '../../errors.js';
import { redact } from '../../secrets.js';
import type { DatabaseCheck, LakeAccess } from '../lake-access.js';
import { jsonContent, PROBLEMS } from './responses.js';

const Check = z.object({ ok: z.boolean(), detail: z.string() });
const ReadinessSchema = z
  .object({ ready: z.boolean(), lake: Check, database: Check.extend({ kind: z.enum(['postgres', 'pglite']) }) })
  .openapi('Readiness');

const healthz = createRoute({
  method: 'get',
  path: '/healthz',
  summary: 'the server process answers',
  // Served without a token whatever the server's tokens (an orchestrator's probe has none).
  security: [],
  responses: { 200: jsonContent(z.object({ status: z.literal('ok') }), 'alive'), 500: PROBLEMS[500] },
});

const readyz = createRoute({
  method: 'get',
  path: '/readyz',
  summary: 'the lake (and the database, where one is configured) can answer',
  security: [],
  responses: {
    200: jsonContent(ReadinessSchema, 'ready'),
    503: jsonContent(ReadinessSchema, 'not ready: the document says which part'),
    500: PROBLEMS[500],
  },
});

export function registerHealthRoutes(app: OpenAPIHono, access: LakeAccess): void {
  app.openapi(healthz, (c) => c.json({ status: 'ok' as const }, 200));

  app.openapi(readyz, async (c) => {
    const [lake, database] = await Promise.all([checkLake(access), checkDatabase(access)]);
    const ready = lake.ok && database.ok;
    return ready ? c.json({ ready, lake, database }, 200) : c.json({ ready, lake, database }, 503);
  });
}

async function checkLake(access: LakeAccess): Promise<{ ok: boolean; detail: string }> {
  try {
    return await access.checkLake();
  } catch (error) {
    return { ok: false, detail: redact(messageOf(error)) };
  }
}

async function checkDatabase(access: LakeAccess): Promise<DatabaseCheck> {
  try {
    return await access.checkDatabase();
  } catch (error) {
    return {
      kind: access.config.databaseUrl === undefined ? 'pglite' : 'postgres',
      ok: false,
      detail: redact(messageOf(error)),
    };
  }
}
