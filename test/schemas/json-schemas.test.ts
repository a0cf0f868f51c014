/**
 * The JSON Schema files in schemas/ (scripts/generate-json-schemas.ts): current with the zod schemas, and what
 * they say holds for real lake objects, checked by an independent validator (Ajv), not by zod itself.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonSchemaFileName, jsonSchemaFiles, LAKE_DOCUMENTS } from '../../src/lake/formats/json-schemas.js';
import { QUALITY_SCHEMA, qualityDocument, qualityKey, renderQuality } from '../../src/lake/formats/quality.js';
import { createSource } from '../../src/sources/index.js';
import { JSON_SCHEMAS_DIR, staleJsonSchemas } from '../../scripts/generate-json-schemas.js';
import { createTestWarehouse, type TestWarehouse } from '../support/databases.js';
import { createTestLake, type TestLake } from '../support/lake.js';
import { DAY_1, DAY_2, day1DateBefore, RestatingSource, runDay } from '../support/staleness.js';

describe('the JSON Schema files', () => {
  it('are what the zod schemas give (npx tsx scripts/generate-json-schemas.ts writes them)', async () => {
    expect(staleJsonSchemas()).toEqual([]);
    for (const [name, contents] of jsonSchemaFiles()) {
      expect(await readFile(join(JSON_SCHEMAS_DIR, name), 'utf8')).toBe(contents);
    }
  });

  it('names a stale, a missing and a left-over file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'marketlake-schemas-'));
    try {
      const files = [...jsonSchemaFiles()];
      for (const [name, contents] of files.slice(2)) await writeFile(join(dir, name), contents);
      await writeFile(join(dir, files[1][0]), files[1][1].replace('"minLength": 1', '"minLength": 2'));
      await writeFile(join(dir, 'marketlake.gone-1.schema.json'), '{}\n');
      expect(staleJsonSchemas(dir)).toEqual([
        `${files[0][0]}: missing`,
        `${files[1][0]}: not what the zod schemas give`,
        'marketlake.gone-1.schema.json: no such document any more',
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('real lake objects against the JSON Schema files (Ajv)', () => {
  let database: TestWarehouse;
  let t: TestLake;
  const validators = new Map<string, ValidateFunction>();
  /** Every object of two daily runs (the second restating a bar), by `schema`. */
  const bodies = new Map<string, { key: string; document: unknown }[]>();

  beforeAll(async () => {
    // Formats are not validated (Ajv needs a plugin for them): the `pattern` beside each `format` says the same.
    const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true, validateFormats: false });
    for (const document of LAKE_DOCUMENTS) {
      const file = JSON.parse(await readFile(join(JSON_SCHEMAS_DIR, jsonSchemaFileName(document.schema)), 'utf8'));
      validators.set(document.schema, ajv.compile(file));
    }

    database = await createTestWarehouse('pglite');
    t = await createTestLake(database.warehouse);
    await runDay(t.lake, t.warehouse, DAY_1, { tickers: ['NVDA', 'D05.SI'], computationVersion: '1.0' });
    const restated = await day1DateBefore('NVDA', 30);
    const source = new RestatingSource(createSource('sample'), 'NVDA', [restated]);
    await runDay(t.lake, t.warehouse, DAY_2, { tickers: ['NVDA', 'D05.SI'], source, computationVersion: '2.0' });
    for (const key of await t.keys()) {
      if (!/^(raw|processed|restatements)\//.test(key)) continue;
      const object = await t.store.get(key);
      const document = JSON.parse(Buffer.from(object.body).toString('utf8')) as { schema: string };
      const list = bodies.get(document.schema) ?? [];
      list.push({ key, document });
      bodies.set(document.schema, list);
    }
    // The quality record: its producer is the run's quality step; here one is rendered as the run would write it.
    const document = qualityDocument(
      {
        runId: '3f1c2a9e-0000-4000-8000-000000000001',
        computationVersion: '1.0',
        checkedAt: DAY_1.toISOString(),
        policy: 'block',
      },
      [
        {
          check: 'consistency.high_low',
          ticker: 'NVDA',
          market: 'US',
          severity: 'error',
          passed: false,
          observed: ['2026-11-20'],
          expected: 0,
          details: 'high below low on 2026-11-20',
          as_of: '2026-11-26',
          raw: { key: 'raw/sample/NVDA/2026-11-26/20261126_213000.json', versionId: 'v1', sha256: 'a'.repeat(64) },
        },
        {
          check: 'completeness.format',
          ticker: 'D05.SI',
          market: 'SG',
          severity: 'warn',
          passed: true,
          observed: null,
          expected: true,
          details: '',
          as_of: null,
          raw: null,
        },
      ],
    );
    const key = qualityKey('2026-11-26', document.run_id);
    bodies.set(QUALITY_SCHEMA, [{ key, document: JSON.parse(renderQuality(key, document).body) }]);
  }, 120_000);

  afterAll(async () => {
    await t?.dispose();
    await database?.dispose();
  });

  it('validates every object of every kind a run writes, under both computation versions', () => {
    expect([...bodies.keys()].sort()).toEqual(LAKE_DOCUMENTS.map((document) => document.schema).sort());
    for (const [schema, objects] of bodies) {
      const validate = validators.get(schema)!;
      for (const { key, document } of objects) {
        const valid = validate(document);
        expect(valid ? [] : validate.errors, key).toEqual([]);
      }
    }
    const versions = (bodies.get('marketlake.indicators/1') ?? []).map(
      (object) => (object.document as { computation_version: string }).computation_version,
    );
    expect(new Set(versions)).toEqual(new Set(['1.0', '2.0']));
  });

  it('rejects a damaged document, naming the field', () => {
    const validate = validators.get('marketlake.indicators/1')!;
    const { document } = bodies.get('marketlake.indicators/1')![0];
    const damaged = structuredClone(document) as { values: Record<string, unknown> };
    damaged.values.rsi_14 = '55.2';
    expect(validate(damaged)).toBe(false);
    expect(validate.errors?.map((error) => error.instancePath)).toContain('/values/rsi_14');

    const raw = structuredClone(bodies.get('marketlake.raw/1')![0].document) as { bars: Record<string, unknown>[] };
    raw.bars[0].date = '2026-02-30';
    const validateRaw = validators.get('marketlake.raw/1')!;
    expect(validateRaw(raw)).toBe(false);
    expect(validateRaw.errors?.map((error) => error.instancePath)).toContain('/bars/0/date');

    const extra = { ...(bodies.get('marketlake.features/1')![0].document as object), note: 'hand-edited' };
    expect(validators.get('marketlake.features/1')!(extra)).toBe(false);
  });
});
