import {
  DeleteObjectCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutObjectCommand,
  RestoreObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import {
  DEFAULT_RESTORE_DAYS,
  DEFAULT_RESTORE_TIER,
  restoreStatusOf,
  type RestoreStatus,
  type RestoreTier,
  RESTORE_TIERS,
} from '../archived.js';
import { InvalidObjectKeyError, ObjectExistsError, ObjectStoreError } from '../errors.js';
import { checkKey, keyProblem, MAX_KEY_BYTES } from '../keys.js';
import {
  checkPutInput,
  resolveMaxKeys,
  type ListedVersion,
  type ListObjectsInput,
  type ListObjectsPage,
  type ListVersionsInput,
  type ListVersionsPage,
  type ObjectHead,
  type ObjectStore,
  type PutObjectInput,
  type PutObjectResult,
  type StoredObject,
  type Tags,
} from '../object-store.js';
import {
  describeS3Failure,
  isCredentialsFailure,
  s3ErrorFacts,
  toObjectStoreError,
  type S3ErrorContext,
} from './s3-errors.js';

/**
 * The lake on Amazon S3 or an S3-compatible server (Ceph RGW, ...), on the AWS SDK v3. Keys live under an optional
 * prefix (`s3://bucket/prefix` -> `prefix/raw/...`); callers never see it. The bucket must have versioning on
 * (lineage records version ids, and the create-only check lists versions): `S3ObjectStore.open` checks both.
 *
 * Create-only puts: a PUT with `If-None-Match: *`; then, on servers that ignore that header on a versioned bucket
 * (RGW adds a version), a listing of the key's versions, and when an older one exists our version is deleted by id
 * and the key reported taken. It is race-safe because the server orders a key's versions by commit, so of several
 * writers exactly one (the oldest version) finds nothing older. What it costs, when it runs (`createOnly`), and
 * the residual risk (a reader may glimpse a refused body for one round trip): README "Configuration", the
 * "Create-only on S3" paragraph.
 */
export interface S3ObjectStoreOptions {
  bucket: string;
  /** Key prefix inside the bucket (`lake` or `lake/`); empty for the bucket root. */
  prefix?: string;
  /** Default: AWS_REGION, then AWS_DEFAULT_REGION, then us-east-1. */
  region?: string;
  /** An S3-compatible server, e.g. http://127.0.0.1:7480. */
  endpoint?: string;
  /** Path-style URLs (http://host/bucket/key); default true when an endpoint is given, as such servers need. */
  forcePathStyle?: boolean;
  /** Explicit credentials (tests); by default the SDK's standard chain (env, profile, SSO, instance role...). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /**
   * How a second put of a key is refused.
   * - `verify`: the conditional PUT, then the version check that undoes a duplicate (see above): 2 requests a
   *   put; works on any versioned S3 server.
   * - `server`: only the conditional PUT (1 request), for servers that enforce `If-None-Match: *` on versioned
   *   buckets. NOT safe on Ceph RGW, which lets the duplicate through (a test keeps checking that).
   * - `auto` (default): `server` when the PUT went to Amazon S3 (a host under amazonaws.com or
   *   amazonaws.com.cn, however it was configured: `endpoint`, AWS_ENDPOINT_URL_S3, a profile...), `verify` for
   *   any other host. Decided per put from the request actually sent, so a custom endpoint is never trusted.
   */
  createOnly?: CreateOnlyMode;
  /** Attempts per request including retries (SDK default 3). */
  maxAttempts?: number;
  /** Milliseconds to wait for a TCP connection (default 10 s): an unreachable endpoint fails instead of hanging. */
  connectionTimeoutMs?: number;
  /** Milliseconds a socket may stay idle during a request (default 120 s). */
  requestTimeoutMs?: number;
  /** A ready client (its configuration wins over the options above), e.g. one with extra middleware. */
  client?: S3Client;
}

export type CreateOnlyMode = 'auto' | 'verify' | 'server';

/** Amazon S3 hosts: regional, dual-stack, FIPS, virtual-hosted, access points, VPC endpoints, China regions. */
export function isAmazonS3Host(hostname: string): boolean {
  return /(^|\.)amazonaws\.com(\.cn)?\.?$/i.test(hostname);
}

export interface RestoreOptions {
  /** How long the restored copy stays readable (default 7). */
  days?: number;
  tier?: RestoreTier;
  versionId?: string;
}

/** What a RestoreObject request did. */
export type RestoreOutcome =
  /** 202: the restore started. */
  | 'requested'
  /** 200: a restored copy exists already (its expiry is now `days` from today). */
  | 'already-restored'
  /** 409 RestoreAlreadyInProgress. */
  | 'in-progress';

export class S3ObjectStore implements ObjectStore {
  readonly bucket: string;
  /** Empty, or ends with "/". */
  readonly prefix: string;
  readonly description: string;
  readonly client: S3Client;
  private readonly createOnly: CreateOnlyMode;
  private readonly endpointLabel: string | undefined;

  /** Usable at once, without any request; `open` also checks the bucket. */
  constructor(options: S3ObjectStoreOptions) {
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(options.bucket)) {
      throw new ObjectStoreError(`invalid S3 bucket name ${JSON.stringify(options.bucket)}`);
    }
    this.bucket = options.bucket;
    this.prefix = normalizePrefix(options.prefix ?? '');
    this.description = `s3://${this.bucket}/${this.prefix}`;
    this.createOnly = options.createOnly ?? 'auto';
    this.endpointLabel = options.endpoint === undefined ? undefined : options.endpoint.replace(/\/\/[^/@]*@/, '//');
    this.client = options.client ?? new S3Client(clientConfig(options));
  }

  /**
   * Opens the store and checks the bucket: that it exists, that these credentials reach it, and that versioning
   * is enabled (a bucket without it, or with it suspended, is refused: the lake's lineage needs version ids).
   */
  static async open(options: S3ObjectStoreOptions): Promise<S3ObjectStore> {
    const store = new S3ObjectStore(options);
    try {
      await store.checkBucket();
    } catch (error) {
      store.close();
      throw error;
    }
    return store;
  }

  /** Closes the client's sockets. The store is unusable afterwards. */
  close(): void {
    this.client.destroy();
  }

  async checkBucket(): Promise<void> {
    const context = { operation: 'HeadBucket', bucket: this.bucket };
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (error) {
      if (isCredentialsFailure(error)) {
        throw new ObjectStoreError(
          `no AWS credentials for S3 bucket ${this.bucket}${this.at()} (${(error as Error).message}): set AWS_ACCESS_KEY_ID and ` +
            'AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or run where an instance or container role provides them',
          { cause: error },
        );
      }
      const facts = s3ErrorFacts(error);
      if (facts.status === 404) {
        throw new ObjectStoreError(
          `S3 bucket ${this.bucket} does not exist${this.at()}; create it (with versioning enabled) first`,
          { cause: error },
        );
      }
      if (facts.status === 403) {
        throw new ObjectStoreError(
          `access to S3 bucket ${this.bucket}${this.at()} is denied: check the credentials and their permissions`,
          { cause: error },
        );
      }
      throw toObjectStoreError(error, context);
    }
    let status: string | undefined;
    try {
      status = (await this.client.send(new GetBucketVersioningCommand({ Bucket: this.bucket }))).Status;
    } catch (error) {
      throw toObjectStoreError(error, { ...context, operation: 'GetBucketVersioning' });
    }
    if (status !== 'Enabled') {
      throw new ObjectStoreError(
        `S3 bucket ${this.bucket}${this.at()} does not have versioning enabled (${status === undefined ? 'never enabled' : status}); ` +
          `the lake records object version ids for lineage: enable it, e.g. aws s3api put-bucket-versioning --bucket ${this.bucket} --versioning-configuration Status=Enabled`,
      );
    }
  }

  async put(input: PutObjectInput): Promise<PutObjectResult> {
    checkPutInput(input);
    const { key } = input;
    const fullKey = this.fullKey(key);
    const problem = metadataProblem(input.metadata ?? {});
    if (problem !== undefined) throw new ObjectStoreError(`cannot put ${key}: ${problem}`, { key });
    const context: S3ErrorContext = { operation: 'PutObject', bucket: this.bucket, key, fullKey, conditionalPut: true };
    const body =
      typeof input.body === 'string'
        ? Buffer.from(input.body, 'utf8')
        : Buffer.from(input.body.buffer, input.body.byteOffset, input.body.byteLength);
    const tagging = encodeTagging(input.tags ?? {});
    let output;
    // The host the PUT really went to (after the SDK resolved endpoint, env and profile): `auto` trusts only S3.
    let host: string | undefined;
    for (let attempt = 1; ; attempt++) {
      const command = new PutObjectCommand({
        Bucket: this.bucket,
        Key: fullKey,
        Body: body,
        ContentType: input.contentType,
        ...(input.contentEncoding === undefined ? {} : { ContentEncoding: input.contentEncoding }),
        ...(input.metadata !== undefined && Object.keys(input.metadata).length > 0 ? { Metadata: input.metadata } : {}),
        ...(tagging === '' ? {} : { Tagging: tagging }),
        IfNoneMatch: '*',
      });
      if (this.createOnly === 'auto') {
        command.middlewareStack.add(
          (next) => async (args) => {
            const hostname = (args.request as { hostname?: unknown }).hostname;
            if (typeof hostname === 'string') host = hostname;
            return next(args);
          },
          { step: 'finalizeRequest', name: 'marketlakeRecordPutHost' },
        );
      }
      try {
        output = await this.client.send(command);
        break;
      } catch (error) {
        // Amazon S3 answers 409 ConditionalRequestConflict while another conditional write of the key is in
        // flight; trying again yields 412 (taken) or success once that write has settled.
        if (s3ErrorFacts(error).code === 'ConditionalRequestConflict' && attempt < 4) {
          await sleep(50 * attempt + Math.random() * 50);
          continue;
        }
        throw toObjectStoreError(error, context);
      }
    }
    const versionId = output.VersionId;
    if (versionId === undefined || versionId === '' || versionId === 'null') {
      throw new ObjectStoreError(
        `S3 PutObject ${this.where(fullKey)} returned no version id: bucket ${this.bucket} does not have versioning enabled, which the lake needs`,
        { key },
      );
    }
    if (this.verifiesPutTo(host)) await this.keepOnlyOldestVersion(key, fullKey, versionId);
    return { key, versionId, ...(output.ETag === undefined ? {} : { etag: output.ETag }) };
  }

  /**
   * Whether a successful conditional PUT still needs the version check: always in `verify` mode, never in
   * `server` mode, and in `auto` mode unless the PUT went to Amazon S3 (an unknown host means verify).
   */
  private verifiesPutTo(host: string | undefined): boolean {
    if (this.createOnly === 'server') return false;
    if (this.createOnly === 'verify') return true;
    return host === undefined || !isAmazonS3Host(host);
  }

  async get(key: string, options: { versionId?: string } = {}): Promise<StoredObject> {
    const fullKey = this.fullKey(key);
    const { versionId } = options;
    const context: S3ErrorContext = { operation: 'GetObject', bucket: this.bucket, key, fullKey, versionId };
    try {
      const output = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: fullKey, VersionId: versionId }),
      );
      const body = output.Body === undefined ? new Uint8Array(0) : await output.Body.transformToByteArray();
      return {
        ...this.headFrom(key, output),
        size: body.length,
        body,
      };
    } catch (error) {
      throw toObjectStoreError(error, context);
    }
  }

  async head(key: string, options: { versionId?: string } = {}): Promise<ObjectHead> {
    const fullKey = this.fullKey(key);
    const { versionId } = options;
    try {
      const output = await this.client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: fullKey, VersionId: versionId }),
      );
      return this.headFrom(key, output);
    } catch (error) {
      throw toObjectStoreError(error, { operation: 'HeadObject', bucket: this.bucket, key, fullKey, versionId });
    }
  }

  async getTags(key: string, options: { versionId?: string } = {}): Promise<Tags> {
    const fullKey = this.fullKey(key);
    const { versionId } = options;
    try {
      const output = await this.client.send(
        new GetObjectTaggingCommand({ Bucket: this.bucket, Key: fullKey, VersionId: versionId }),
      );
      const tags: Tags = {};
      for (const tag of output.TagSet ?? []) if (tag.Key !== undefined) tags[tag.Key] = tag.Value ?? '';
      return tags;
    } catch (error) {
      throw toObjectStoreError(error, { operation: 'GetObjectTagging', bucket: this.bucket, key, fullKey, versionId });
    }
  }

  async list(input: ListObjectsInput): Promise<ListObjectsPage> {
    const maxKeys = resolveMaxKeys(input.maxKeys);
    const prefix = this.prefix + (input.prefix ?? '');
    let output;
    try {
      output = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: prefix === '' ? undefined : prefix,
          // S3 takes an empty delimiter as none; sending it would only confuse some servers.
          Delimiter: input.delimiter === '' ? undefined : input.delimiter,
          MaxKeys: maxKeys,
          ContinuationToken: input.continuationToken,
          ...(input.startAfter !== undefined && input.continuationToken === undefined
            ? { StartAfter: this.prefix + input.startAfter }
            : {}),
        }),
      );
    } catch (error) {
      throw toObjectStoreError(error, { operation: 'ListObjectsV2', bucket: this.bucket, fullKey: prefix });
    }
    const page: ListObjectsPage = {
      objects: (output.Contents ?? []).map((object) => ({
        key: this.stripPrefix(object.Key),
        size: object.Size ?? 0,
        lastModified: object.LastModified ?? new Date(0),
        ...(object.ETag === undefined ? {} : { etag: object.ETag }),
      })),
      commonPrefixes: (output.CommonPrefixes ?? []).map((common) => this.stripPrefix(common.Prefix)),
    };
    if (output.IsTruncated === true && output.NextContinuationToken !== undefined)
      page.nextContinuationToken = output.NextContinuationToken;
    return page;
  }

  async listVersions(input: ListVersionsInput): Promise<ListVersionsPage> {
    const maxKeys = resolveMaxKeys(input.maxKeys);
    if (input.versionIdMarker !== undefined && input.keyMarker === undefined)
      throw new RangeError('versionIdMarker needs keyMarker');
    const prefix = this.prefix + (input.prefix ?? '');
    let output;
    try {
      output = await this.client.send(
        new ListObjectVersionsCommand({
          Bucket: this.bucket,
          Prefix: prefix === '' ? undefined : prefix,
          KeyMarker: input.keyMarker === undefined ? undefined : this.prefix + input.keyMarker,
          VersionIdMarker: input.versionIdMarker,
          MaxKeys: maxKeys,
        }),
      );
    } catch (error) {
      throw toObjectStoreError(error, { operation: 'ListObjectVersions', bucket: this.bucket, fullKey: prefix });
    }
    // Delete markers are left out: the lake never deletes, and the interface has no place for them.
    const versions: ListedVersion[] = (output.Versions ?? []).map((version) => ({
      key: this.stripPrefix(version.Key),
      versionId: version.VersionId ?? 'null',
      isLatest: version.IsLatest === true,
      size: version.Size ?? 0,
      lastModified: version.LastModified ?? new Date(0),
    }));
    const page: ListVersionsPage = { versions };
    if (output.IsTruncated === true && output.NextKeyMarker !== undefined) {
      page.nextKeyMarker = this.stripPrefix(output.NextKeyMarker);
      if (output.NextVersionIdMarker !== undefined) page.nextVersionIdMarker = output.NextVersionIdMarker;
    }
    return page;
  }

  /** Whether a GET of the key would need a restore first, and how a restore stands (HeadObject). */
  async restoreStatus(key: string, options: { versionId?: string } = {}): Promise<RestoreStatus> {
    const fullKey = this.fullKey(key);
    const { versionId } = options;
    try {
      const output = await this.client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: fullKey, VersionId: versionId }),
      );
      return restoreStatusOf({
        key,
        versionId: output.VersionId,
        storageClass: output.StorageClass,
        archiveStatus: output.ArchiveStatus,
        restoreHeader: output.Restore,
      });
    } catch (error) {
      throw toObjectStoreError(error, { operation: 'HeadObject', bucket: this.bucket, key, fullKey, versionId });
    }
  }

  /**
   * Asks S3 to make a temporary readable copy of an archived object (RestoreObject) for `days` days with the
   * given retrieval tier. The copy appears minutes (Standard: 3-5 h for GLACIER, 12 h for DEEP_ARCHIVE) to
   * hours later; follow it with `restoreStatus`. On an object that is not archived S3 refuses the request
   * (InvalidObjectState): check `restoreStatus(key).archived` first.
   */
  async restore(key: string, options: RestoreOptions = {}): Promise<RestoreOutcome> {
    const fullKey = this.fullKey(key);
    const days = options.days ?? DEFAULT_RESTORE_DAYS;
    const tier = options.tier ?? DEFAULT_RESTORE_TIER;
    if (!Number.isInteger(days) || days < 1)
      throw new RangeError(`restore days must be a positive integer, got ${days}`);
    if (!RESTORE_TIERS.includes(tier))
      throw new RangeError(`restore tier must be one of ${RESTORE_TIERS.join(', ')}, got ${tier}`);
    const { versionId } = options;
    try {
      const output = await this.client.send(
        new RestoreObjectCommand({
          Bucket: this.bucket,
          Key: fullKey,
          VersionId: versionId,
          RestoreRequest: { Days: days, GlacierJobParameters: { Tier: tier } },
        }),
      );
      return output.$metadata.httpStatusCode === 200 ? 'already-restored' : 'requested';
    } catch (error) {
      const facts = s3ErrorFacts(error);
      if (facts.code === 'RestoreAlreadyInProgress') return 'in-progress';
      if (facts.code === 'NotImplemented' || facts.status === 501) {
        throw new ObjectStoreError(
          `the S3 server behind ${this.description} does not implement RestoreObject (${describeS3Failure(facts)}); ` +
            'S3-compatible servers such as Ceph RGW serve archived objects without a restore',
          { key, cause: error },
        );
      }
      if (facts.code === 'InvalidObjectState') {
        throw new ObjectStoreError(
          `S3 refuses to restore ${key}: it is not in an archive storage class (${describeS3Failure(facts)})`,
          { key, cause: error },
        );
      }
      throw toObjectStoreError(error, { operation: 'RestoreObject', bucket: this.bucket, key, fullKey, versionId });
    }
  }

  // ---- create-only -------------------------------------------------------------------------------------------

  /**
   * Step 2 of a verified put (see the class comment): keeps our version only when no older version of the key exists.
   */
  private async keepOnlyOldestVersion(key: string, fullKey: string, ours: string): Promise<void> {
    let versions: string[] = [];
    // Listings are strongly consistent on S3 and RGW; the retries only cover a server that lags a little.
    for (let attempt = 1; attempt <= 3; attempt++) {
      versions = await this.versionIdsOf(key, fullKey);
      if (versions.includes(ours)) break;
      await sleep(100 * attempt);
    }
    const position = versions.indexOf(ours);
    if (position < 0) {
      throw new ObjectStoreError(
        `S3 PutObject ${this.where(fullKey)}: the new version ${ours} does not appear in the key's version listing, so it cannot be ` +
          'confirmed that the key was free; check the object before writing it again',
        { key },
      );
    }
    if (position === versions.length - 1) return; // ours is the oldest: the key is ours
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: fullKey, VersionId: ours }));
    } catch (error) {
      const facts = s3ErrorFacts(error);
      throw new ObjectStoreError(
        `S3 PutObject ${this.where(fullKey)}: the key existed, and removing the duplicate version ${ours} this put wrote failed ` +
          `(${describeS3Failure(facts)}); readers may see it as the latest version until it is deleted ` +
          `(aws s3api delete-object --bucket ${this.bucket} --key ${fullKey} --version-id ${ours})`,
        { key, cause: error },
      );
    }
    throw new ObjectExistsError(key);
  }

  /** The version ids of exactly `fullKey`, newest first (delete markers left out). */
  private async versionIdsOf(key: string, fullKey: string): Promise<string[]> {
    const ids: string[] = [];
    let keyMarker: string | undefined;
    let versionIdMarker: string | undefined;
    for (;;) {
      let output;
      try {
        output = await this.client.send(
          new ListObjectVersionsCommand({
            Bucket: this.bucket,
            Prefix: fullKey,
            KeyMarker: keyMarker,
            VersionIdMarker: versionIdMarker,
            MaxKeys: 100,
          }),
        );
      } catch (error) {
        throw toObjectStoreError(error, { operation: 'ListObjectVersions', bucket: this.bucket, key, fullKey });
      }
      // Prefix = the exact key: one request in the usual case (a key with fewer than 100 versions and few longer
      // keys starting with it). A smaller MaxKeys would not save a request, and on RGW it was no faster
      // (docs/benchmarks.md, "Measurements behind design choices"). The key itself sorts before every longer key that
      // starts with it, so its versions come first.
      let passed = false;
      for (const version of output.Versions ?? []) {
        if (version.Key === fullKey) ids.push(version.VersionId ?? 'null');
        else passed = true;
      }
      if (passed || output.IsTruncated !== true || output.NextKeyMarker !== fullKey) return ids;
      keyMarker = output.NextKeyMarker;
      versionIdMarker = output.NextVersionIdMarker;
    }
  }

  // ---- keys and responses ----------------------------------------------------------------------------------

  private fullKey(key: string): string {
    checkKey(key);
    const fullKey = this.prefix + key;
    if (Buffer.byteLength(fullKey, 'utf8') > MAX_KEY_BYTES) {
      throw new InvalidObjectKeyError(
        key,
        `longer than ${MAX_KEY_BYTES} bytes in UTF-8 with the store prefix ${this.prefix}`,
      );
    }
    return fullKey;
  }

  private stripPrefix(fullKey: string | undefined): string {
    const key = fullKey ?? '';
    // The listing was asked for keys under the prefix, so every key starts with it.
    return key.startsWith(this.prefix) ? key.slice(this.prefix.length) : key;
  }

  private headFrom(
    key: string,
    output: {
      VersionId?: string;
      ContentLength?: number;
      LastModified?: Date;
      ContentType?: string;
      ContentEncoding?: string;
      Metadata?: Record<string, string>;
      ETag?: string;
      StorageClass?: string;
    },
  ): ObjectHead {
    return {
      key,
      // S3 names the version of an object written before versioning was enabled "null" (and sends no id at all
      // on a bucket that never had versioning, which `open` refuses); reads of such objects keep working.
      versionId: output.VersionId ?? 'null',
      size: output.ContentLength ?? 0,
      lastModified: output.LastModified ?? new Date(0),
      contentType: output.ContentType ?? 'application/octet-stream',
      // An empty Content-Encoding is no encoding (some servers echo an empty header).
      ...(output.ContentEncoding === undefined || output.ContentEncoding === ''
        ? {}
        : { contentEncoding: output.ContentEncoding }),
      metadata: readMetadata(output.Metadata),
      ...(output.ETag === undefined ? {} : { etag: output.ETag }),
      storageClass: output.StorageClass ?? 'STANDARD',
    };
  }

  private where(fullKey: string): string {
    return `s3://${this.bucket}/${fullKey}`;
  }

  /** " at http://host:port" for messages about a custom endpoint (user info, if any, left out). */
  private at(): string {
    return this.endpointLabel === undefined ? '' : ` at ${this.endpointLabel}`;
  }
}

function clientConfig(options: S3ObjectStoreOptions): S3ClientConfig {
  return {
    region: options.region ?? (process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || 'us-east-1'),
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    forcePathStyle: options.forcePathStyle ?? options.endpoint !== undefined,
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
    // Recent SDKs add CRC checksums to every upload and send streamed bodies as aws-chunked with a trailing
    // checksum; RGW 16 rejects those (411 MissingContentLength). Checksums only where an API requires them.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: {
      connectionTimeout: options.connectionTimeoutMs ?? 10_000,
      requestTimeout: options.requestTimeoutMs ?? 120_000,
    },
  };
}

/** `s3://bucket/prefix` -> `prefix/`: a prefix is a "folder", whose segments obey the key rules. */
function normalizePrefix(prefix: string): string {
  const trimmed = prefix.replace(/^\/+|\/+$/g, '');
  if (trimmed === '') return '';
  const problem = keyProblem(trimmed);
  if (problem !== undefined) throw new ObjectStoreError(`invalid S3 key prefix ${JSON.stringify(prefix)}: ${problem}`);
  return `${trimmed}/`;
}

/**
 * User metadata travels as `x-amz-meta-NAME: value` headers, and servers do not all keep what was sent:
 * - Ceph RGW turns every "_" in NAME into "-" (it passes headers through CGI-style variables), so
 *   `computed_at` comes back as `computed-at`. The lake's metadata names use "_" (docs/design.md), so this store
 *   refuses "-" in names and maps "-" back to "_" when reading: names then round-trip on every server. (An
 *   object written by another tool with "-" in a name reads with "_" instead.)
 * - Leading and trailing blanks of a header value are not part of it (HTTP), so S3 drops them: refused too.
 */
function metadataProblem(metadata: Record<string, string>): string | undefined {
  for (const [name, value] of Object.entries(metadata)) {
    if (name.includes('-')) {
      return `metadata key ${JSON.stringify(name)}: use "_" instead of "-" (S3-compatible servers such as Ceph RGW cannot keep the two apart)`;
    }
    if (value !== value.trim())
      return `metadata ${JSON.stringify(name)}: the value must not start or end with blanks (S3 drops them)`;
  }
  return undefined;
}

function readMetadata(metadata: Record<string, string> | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(metadata ?? {})) result[name.replaceAll('-', '_')] = value;
  return result;
}

/**
 * The `x-amz-tagging` header: a URL query string. encodeURIComponent (space as %20, "+" as %2B) rather than
 * URLSearchParams, whose "+" for a space S3 would read as a literal plus.
 */
export function encodeTagging(tags: Tags): string {
  return Object.entries(tags)
    .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
    .join('&');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
