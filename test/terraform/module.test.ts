/**
 * The Terraform module terraform/modules/s3-data-lake against the policy in code (src/bucket/policy.ts).
 * No provider can be downloaded here, so `terraform validate` cannot run; instead every .tf file is parsed with
 * HashiCorp's HCL parser (test/support/hcl.ts), and the module's lifecycle configuration is rendered from the
 * parsed blocks and the variables' defaults and compared, whole, with what `marketlake bucket setup` sends. When a
 * terraform binary is on the PATH, `terraform fmt -check` and the variables' validation blocks run too (they need no
 * provider).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openVariablesPlan, runTerraform, terraformVersion, type VariablesPlan } from '../support/terraform.js';
import {
  ABORT_INCOMPLETE_MULTIPART_UPLOAD_DAYS,
  DEEP_ARCHIVE_TRANSITION_DAYS,
  DEFAULT_SSE_ALGORITHM,
  GLACIER_TRANSITION_DAYS,
  LIFECYCLE_PREFIXES,
  LIFECYCLE_RULE_ID_PREFIX,
  NONCURRENT_DEEP_ARCHIVE_TRANSITION_DAYS,
  NONCURRENT_GLACIER_TRANSITION_DAYS,
  PUBLIC_ACCESS_BLOCK,
  TRANSITION_DEFAULT_MINIMUM_OBJECT_SIZE,
  VERSIONING_STATUS,
  buildLifecycleConfiguration,
  lifecycleRuleId,
} from '../../src/bucket/policy.js';
import type { LifecycleRule } from '@aws-sdk/client-s3';
import {
  blocks,
  dynamicBlocks,
  findTfFiles,
  loadModule,
  parseHclFile,
  references,
  soleVariable,
  type Block,
  type TerraformModule,
} from '../support/hcl.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const TERRAFORM_DIR = join(ROOT, 'terraform');
const MODULE_DIR = join(TERRAFORM_DIR, 'modules/s3-data-lake');
const EXAMPLE_DIR = join(TERRAFORM_DIR, 'examples/basic');

/**
 * The one expression of the module that the renderer below interprets instead of reading: rule ID => full prefix.
 * The IDs match lifecycleRuleId() in policy.ts. Changing the expression fails this test until the renderer follows.
 */
const LIFECYCLE_RULES_EXPRESSION =
  '${{ for p in var.lifecycle_prefixes : "marketlake-${trimsuffix("${var.key_prefix}${p}", "/")}" => "${var.key_prefix}${p}" }}';

let mod: TerraformModule;

beforeAll(async () => {
  mod = await loadModule(MODULE_DIR);
});

function resourceOf(type: string, name = 'this'): Block {
  const block = mod.resource[type]?.[name];
  if (!block) throw new Error(`the module has no resource ${type}.${name}`);
  return block;
}

function only(list: Block[], what: string): Block {
  expect(list, what).toHaveLength(1);
  return list[0];
}

function defaultOf(name: string): unknown {
  const variable = mod.variable[name];
  if (!variable) throw new Error(`the module has no variable ${name}`);
  return variable.default;
}

/**
 * The lifecycle configuration Terraform would send for the given variable values (defaults unless overridden),
 * in the SDK's shape, from the parsed `aws_s3_bucket_lifecycle_configuration` resource.
 */
async function renderLifecycle(
  overrides: Record<string, unknown> = {},
): Promise<ReturnType<typeof buildLifecycleConfiguration>> {
  const value = (name: string) => (name in overrides ? overrides[name] : defaultOf(name));
  const lifecycle = resourceOf('aws_s3_bucket_lifecycle_configuration');

  const sizeVariable = await soleVariable(lifecycle.transition_default_minimum_object_size);
  expect(sizeVariable).toBe('transition_default_minimum_object_size');

  const rule = only(dynamicBlocks(lifecycle, 'rule'), 'one dynamic "rule" block');
  expect(rule.for_each).toBe('${local.lifecycle_rules}');
  expect(mod.locals.lifecycle_rules).toBe(LIFECYCLE_RULES_EXPRESSION);
  const content = only(blocks(rule, 'content'), 'the rule content');
  expect(content.id).toBe('${rule.key}');
  expect(content.status).toBe('Enabled');
  expect(blocks(content, 'filter')).toEqual([{ prefix: '${rule.value}' }]);

  // Each transition is a dynamic block: present when its days variable is not null, days taken from that variable.
  const steps = async (blockType: string, daysAttribute: string) => {
    const rendered: { days: number; storageClass: string }[] = [];
    for (const dynamic of dynamicBlocks(content, blockType)) {
      const body = only(blocks(dynamic, 'content'), `${blockType} content`);
      expect(body[daysAttribute]).toBe(`\${${blockType}.value}`);
      const refs = await references(dynamic.for_each as string);
      expect(refs, `${blockType} for_each`).toHaveLength(1);
      const variable = refs[0].slice('var.'.length);
      expect(dynamic.for_each).toBe(`\${var.${variable} == null ? [] : [var.${variable}]}`);
      const days = value(variable);
      if (days !== null) rendered.push({ days: days as number, storageClass: body.storage_class as string });
    }
    return rendered.sort((a, b) => a.days - b.days);
  };
  const transitions = await steps('transition', 'days');
  const noncurrent = await steps('noncurrent_version_transition', 'noncurrent_days');
  const abort = only(blocks(content, 'abort_incomplete_multipart_upload'), 'abort_incomplete_multipart_upload');
  const abortVariable = await soleVariable(abort.days_after_initiation);
  expect(abortVariable).toBe('abort_incomplete_multipart_upload_days');

  const keyPrefix = value('key_prefix') as string;
  const rules: LifecycleRule[] = (value('lifecycle_prefixes') as string[]).map((p) => {
    const prefix = `${keyPrefix}${p}`;
    return {
      ID: `marketlake-${prefix.replace(/\/$/, '')}`,
      Status: 'Enabled',
      Filter: { Prefix: prefix },
      Transitions: transitions.map((t) => ({ Days: t.days, StorageClass: t.storageClass as 'GLACIER' })),
      NoncurrentVersionTransitions: noncurrent.map((t) => ({
        NoncurrentDays: t.days,
        StorageClass: t.storageClass as 'GLACIER',
      })),
      AbortIncompleteMultipartUpload: { DaysAfterInitiation: value(abortVariable!) as number },
    };
  });
  return {
    LifecycleConfiguration: { Rules: rules },
    TransitionDefaultMinimumObjectSize: value(sizeVariable!) as 'varies_by_storage_class',
  };
}

describe('terraform files', () => {
  it('every .tf file under terraform/ parses', async () => {
    const files = await findTfFiles(TERRAFORM_DIR);
    expect(files.map((f) => f.slice(TERRAFORM_DIR.length + 1))).toEqual(
      expect.arrayContaining([
        'examples/basic/main.tf',
        'modules/s3-data-lake/main.tf',
        'modules/s3-data-lake/outputs.tf',
        'modules/s3-data-lake/variables.tf',
        'modules/s3-data-lake/versions.tf',
      ]),
    );
    for (const file of files) await expect(parseHclFile(file), file).resolves.toBeTypeOf('object');
  });

  it('the parser refuses broken HCL (so a parse is a real check)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'marketlake-hcl-'));
    try {
      await writeFile(join(dir, 'broken.tf'), 'resource "aws_s3_bucket" "x" {\n  bucket = \n}\n');
      await expect(parseHclFile(join(dir, 'broken.tf'))).rejects.toThrow(/Invalid expression/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('terraform/modules/s3-data-lake equals the policy in src/bucket/policy.ts', () => {
  it('has the policy numbers as its variable defaults', () => {
    expect(defaultOf('glacier_transition_days')).toBe(GLACIER_TRANSITION_DAYS);
    expect(defaultOf('deep_archive_transition_days')).toBe(DEEP_ARCHIVE_TRANSITION_DAYS);
    expect(defaultOf('noncurrent_glacier_transition_days')).toBe(NONCURRENT_GLACIER_TRANSITION_DAYS);
    expect(defaultOf('noncurrent_deep_archive_transition_days')).toBe(NONCURRENT_DEEP_ARCHIVE_TRANSITION_DAYS);
    expect(defaultOf('abort_incomplete_multipart_upload_days')).toBe(ABORT_INCOMPLETE_MULTIPART_UPLOAD_DAYS);
    expect(defaultOf('lifecycle_prefixes')).toEqual([...LIFECYCLE_PREFIXES]);
    expect(defaultOf('transition_default_minimum_object_size')).toBe(TRANSITION_DEFAULT_MINIMUM_OBJECT_SIZE);
    expect(defaultOf('key_prefix')).toBe('');
  });

  it('renders exactly the lifecycle configuration the CLI applies', async () => {
    expect(await renderLifecycle()).toEqual(buildLifecycleConfiguration());
    // A lake under a prefix: the same rules under it, with the same IDs.
    expect(await renderLifecycle({ key_prefix: 'lake/one/' })).toEqual(
      buildLifecycleConfiguration({ keyPrefix: 'lake/one/' }),
    );
    expect(lifecycleRuleId('lake/one/raw/')).toBe(`${LIFECYCLE_RULE_ID_PREFIX}lake/one/raw`);
  });

  it('renders the scaled test policy too (the variables drive every number)', async () => {
    const days = {
      glacier: 1,
      deepArchive: 4,
      noncurrentGlacier: 2,
      noncurrentDeepArchive: 5,
      abortIncompleteMultipartUpload: 3,
    };
    expect(
      await renderLifecycle({
        glacier_transition_days: 1,
        deep_archive_transition_days: 4,
        noncurrent_glacier_transition_days: 2,
        noncurrent_deep_archive_transition_days: 5,
        abort_incomplete_multipart_upload_days: 3,
      }),
    ).toEqual(buildLifecycleConfiguration({ days }));
    // null removes a transition: the way to stop archiving to one class.
    const noDeepArchive = await renderLifecycle({ deep_archive_transition_days: null });
    expect(noDeepArchive.LifecycleConfiguration.Rules![0].Transitions).toEqual([{ Days: 90, StorageClass: 'GLACIER' }]);
  });

  it('removes the lifecycle configuration when there are no prefixes, and checks the tier order', () => {
    const lifecycle = resourceOf('aws_s3_bucket_lifecycle_configuration');
    expect(lifecycle.count).toBe('${length(local.lifecycle_rules) > 0 ? 1 : 0}');
    expect(lifecycle.depends_on).toEqual(['${aws_s3_bucket_versioning.this}']);
    const preconditions = blocks(only(blocks(lifecycle, 'lifecycle'), 'lifecycle block'), 'precondition');
    expect(preconditions.map((p) => p.error_message)).toEqual([
      'deep_archive_transition_days must be greater than glacier_transition_days.',
      'noncurrent_deep_archive_transition_days must be greater than noncurrent_glacier_transition_days.',
    ]);
  });

  it('turns versioning on, blocks public access, enforces bucket-owner ownership', () => {
    const versioning = only(
      blocks(resourceOf('aws_s3_bucket_versioning'), 'versioning_configuration'),
      'versioning_configuration',
    );
    expect(versioning.status).toBe(VERSIONING_STATUS);
    const pab = resourceOf('aws_s3_bucket_public_access_block');
    expect({
      BlockPublicAcls: pab.block_public_acls,
      IgnorePublicAcls: pab.ignore_public_acls,
      BlockPublicPolicy: pab.block_public_policy,
      RestrictPublicBuckets: pab.restrict_public_buckets,
    }).toEqual(PUBLIC_ACCESS_BLOCK);
    const ownership = only(blocks(resourceOf('aws_s3_bucket_ownership_controls'), 'rule'), 'ownership rule');
    expect(ownership.object_ownership).toBe('BucketOwnerEnforced');
  });

  it('encrypts with AES256 by default and with KMS (and a bucket key) when given a key', async () => {
    expect(mod.locals.default_sse_algorithm).toBe(DEFAULT_SSE_ALGORITHM);
    expect(mod.locals.sse_algorithm).toBe('${var.kms_key_arn == null ? local.default_sse_algorithm : "aws:kms"}');
    expect(defaultOf('kms_key_arn')).toBeNull();
    const rule = only(
      blocks(resourceOf('aws_s3_bucket_server_side_encryption_configuration'), 'rule'),
      'encryption rule',
    );
    const byDefault = only(
      blocks(rule, 'apply_server_side_encryption_by_default'),
      'apply_server_side_encryption_by_default',
    );
    expect(byDefault.sse_algorithm).toBe('${local.sse_algorithm}');
    expect(await soleVariable(byDefault.kms_master_key_id)).toBe('kms_key_arn');
    expect(rule.bucket_key_enabled).toBe('${local.sse_algorithm == "aws:kms"}');
  });

  it('refuses every request that does not use TLS', () => {
    const document = mod.data.aws_iam_policy_document?.bucket;
    expect(document).toBeDefined();
    const statement = only(blocks(document!, 'statement'), 'one statement of its own');
    expect(statement).toMatchObject({
      effect: 'Deny',
      actions: ['s3:*'],
      resources: ['${aws_s3_bucket.this.arn}', '${aws_s3_bucket.this.arn}/*'],
      principals: [{ type: '*', identifiers: ['*'] }],
      condition: [{ test: 'Bool', variable: 'aws:SecureTransport', values: ['false'] }],
    });
    expect(resourceOf('aws_s3_bucket_policy').policy).toBe('${data.aws_iam_policy_document.bucket.json}');
  });

  it('tags the bucket with Purpose and DataClassification', async () => {
    expect(mod.locals.required_tags).toEqual({
      Purpose: '${var.purpose}',
      DataClassification: '${var.data_classification}',
    });
    // The required tags come last in merge(), so extra tags cannot override them.
    expect(mod.locals.tags).toBe('${merge(var.tags, local.required_tags)}');
    expect(resourceOf('aws_s3_bucket').tags).toBe('${local.tags}');
    expect(await soleVariable(resourceOf('aws_s3_bucket').bucket)).toBe('bucket_name');
  });

  it('describes and types every variable, and validates every one a user could get wrong', () => {
    for (const [name, variable] of Object.entries(mod.variable)) {
      expect(variable.description, name).toEqual(expect.any(String));
      expect(variable.type, name).toEqual(expect.stringMatching(/^\$\{.+\}$/));
      if (!['force_destroy'].includes(name))
        expect(blocks(variable, 'validation').length, `${name} validation`).toBeGreaterThan(0);
    }
  });

  it('outputs the bucket name, ARN, region and the lake URL', () => {
    expect(Object.keys(mod.output)).toEqual(
      expect.arrayContaining([
        'bucket_name',
        'bucket_arn',
        'bucket_region',
        'bucket_regional_domain_name',
        'lake_url',
        'lifecycle_rule_ids',
      ]),
    );
    expect(mod.output.bucket_region.value).toBe('${aws_s3_bucket.this.region}');
  });

  it('documents every variable and output in its README, with the small-object cost note', async () => {
    const readme = await readFile(join(MODULE_DIR, 'README.md'), 'utf8');
    for (const name of [...Object.keys(mod.variable), ...Object.keys(mod.output)])
      expect(readme, name).toContain(`\`${name}\``);
    expect(readme).toMatch(/40 KB/);
    expect(readme).toContain('all_storage_classes_128K');
  });
});

describe('terraform/examples/basic', () => {
  it('uses the module with a bucket name and passes its outputs on', async () => {
    const example = await loadModule(EXAMPLE_DIR);
    const lake = example.module.data_lake;
    expect(lake.source).toBe('../../modules/s3-data-lake');
    expect(await soleVariable(lake.bucket_name)).toBe('bucket_name');
    // Every argument it passes is a variable of the module.
    for (const argument of Object.keys(lake).filter(
      (k) => !['source', 'version', 'providers', 'depends_on'].includes(k),
    )) {
      expect(Object.keys(mod.variable), argument).toContain(argument);
    }
    expect(example.output.lake_url.value).toBe('${module.data_lake.lake_url}');
    expect(example.provider.aws).toBeDefined();
  });
});

// ---- With a terraform binary (optional: none can be installed here, but a developer machine may have one) -------

describe.skipIf(terraformVersion === undefined)(`with ${terraformVersion ?? 'terraform'}`, () => {
  let variables: VariablesPlan;

  beforeAll(async () => {
    variables = await openVariablesPlan(MODULE_DIR);
  });

  afterAll(async () => {
    await variables?.close();
  });

  /** `terraform plan` with these tfvars (and a bucket name unless they give one): '' when the values are accepted. */
  function plan(tfvars: string): Promise<string> {
    return variables.plan(`${/^bucket_name\s*=/m.test(tfvars) ? '' : 'bucket_name = "marketlake-data"\n'}${tfvars}`);
  }

  it('all .tf files are formatted (terraform fmt -check)', async () => {
    await expect(runTerraform(['fmt', '-check', '-recursive', '-no-color', TERRAFORM_DIR])).resolves.toBeDefined();
  });

  it('the variables accept the defaults, nulls and a KMS key', async () => {
    expect(await plan('')).toBe('');
    expect(
      await plan(
        [
          'glacier_transition_days = null',
          'noncurrent_deep_archive_transition_days = null',
          'kms_key_arn = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"',
          'key_prefix = "lake/"',
          'lifecycle_prefixes = []',
          'transition_default_minimum_object_size = "all_storage_classes_128K"',
          'tags = { Team = "data" }',
          'additional_bucket_policy_json = "{\\"Version\\":\\"2012-10-17\\",\\"Statement\\":[]}"',
        ].join('\n'),
      ),
    ).toBe('');
  });

  it.each([
    ['bucket_name = "Market_Lake"', /bucket_name must be 3-63 characters/],
    ['bucket_name = "192.168.10.20"', /bucket_name must be 3-63 characters/],
    ['bucket_name = "market..lake"', /bucket_name must be 3-63 characters/],
    ['key_prefix = "/lake"', /key_prefix must be empty or end with/],
    ['kms_key_arn = "1234abcd"', /kms_key_arn must be a KMS key or alias ARN/],
    ['lifecycle_prefixes = ["raw"]', /Each lifecycle prefix must end with/],
    ['glacier_transition_days = 0', /glacier_transition_days must be a whole number >= 1/],
    ['deep_archive_transition_days = 36.5', /deep_archive_transition_days must be a whole number >= 1/],
    ['noncurrent_glacier_transition_days = -1', /noncurrent_glacier_transition_days must be a whole number/],
    [
      'abort_incomplete_multipart_upload_days = 0',
      /abort_incomplete_multipart_upload_days must be a whole number >= 1/,
    ],
    ['transition_default_minimum_object_size = "128K"', /transition_default_minimum_object_size must be/],
    ['data_classification = "secret"', /data_classification must be one of/],
    ['purpose = "a<b"', /purpose must be 1-256 characters/],
    ['tags = { "aws:owner" = "x" }', /Tag keys must be 1-128 characters and not start with "aws:"/],
    ['additional_bucket_policy_json = "not json"', /additional_bucket_policy_json must be a JSON policy document/],
  ])('refuses %s', async (tfvars, message) => {
    expect(await plan(tfvars)).toMatch(message);
  });
});
