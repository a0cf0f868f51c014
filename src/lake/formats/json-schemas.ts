import { z } from 'zod';
import { PROCESSED_DOCUMENTS } from './processed-schema.js';
import { QUALITY_DOCUMENT, QUALITY_SCHEMA } from './quality.js';
import { RAW_DOCUMENT } from './raw-schema.js';
import { RESTATEMENT_DOCUMENT, RESTATEMENT_SCHEMA } from './restatement.js';
import { PROCESSED_SCHEMAS, RAW_SCHEMA } from './schema-names.js';

/**
 * The lake's documents as JSON Schema (draft 2020-12) files, one per document, made from the zod schemas the code
 * checks with, so that other tools (Athena users, a consumer in another language) can validate lake objects too.
 * scripts/generate-json-schemas.ts writes them to `schemas/`; a test fails while they are not current.
 */

/** Where the files are published: the repository's `schemas/` folder (their `$id` is their address there). */
export const JSON_SCHEMA_BASE = 'https://github.com/marketlake/marketlake/blob/main/schemas/';

/** Each document's `schema` value and its zod schema. */
export const LAKE_DOCUMENTS: readonly { schema: string; zod: z.ZodType }[] = [
  { schema: RAW_SCHEMA, zod: RAW_DOCUMENT },
  { schema: PROCESSED_SCHEMAS.indicators, zod: PROCESSED_DOCUMENTS.indicators },
  { schema: PROCESSED_SCHEMAS.percentiles, zod: PROCESSED_DOCUMENTS.percentiles },
  { schema: PROCESSED_SCHEMAS.features, zod: PROCESSED_DOCUMENTS.features },
  { schema: RESTATEMENT_SCHEMA, zod: RESTATEMENT_DOCUMENT },
  { schema: QUALITY_SCHEMA, zod: QUALITY_DOCUMENT },
];

/** `marketlake.raw/1` -> `marketlake.raw-1.schema.json`. */
export function jsonSchemaFileName(schema: string): string {
  return `${schema.replace('/', '-')}.schema.json`;
}

/** The JSON Schema of one document, `$id` and description first. */
export function jsonSchemaOf(document: { schema: string; zod: z.ZodType }): Record<string, unknown> {
  const generated = z.toJSONSchema(document.zod, {
    target: 'draft-2020-12',
    unrepresentable: 'throw',
  }) as Record<string, unknown>;
  const { $schema, title, description, ...rest } = generated;
  return {
    $schema,
    $id: `${JSON_SCHEMA_BASE}${jsonSchemaFileName(document.schema)}`,
    title,
    description: `${String(description)} Generated from the zod schemas in src/lake/formats by scripts/generate-json-schemas.ts: edit those, not this file.`,
    ...rest,
  };
}

/** File name => contents, for every document (two-space JSON and a final newline, as the files are kept). */
export function jsonSchemaFiles(): Map<string, string> {
  return new Map(
    LAKE_DOCUMENTS.map((document) => [
      jsonSchemaFileName(document.schema),
      `${JSON.stringify(jsonSchemaOf(document), null, 2)}\n`,
    ]),
  );
}
