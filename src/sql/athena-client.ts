import { AthenaClient, type AthenaClientConfig } from '@aws-sdk/client-athena';

/**
 * The Athena client of `marketlake sql --engine athena`, configured as the lake's S3 client is
 * (src/storage/s3/s3-object-store.ts): region from the option, then AWS_REGION, then AWS_DEFAULT_REGION, then
 * us-east-1; credentials from the SDK's default chain (env, profile, SSO, container or instance role) unless given;
 * bounded connection and socket timeouts so an unreachable endpoint fails instead of hanging.
 *
 * Without `endpoint` the SDK picks Athena's regional endpoint, or AWS_ENDPOINT_URL_ATHENA when that is set, or
 * AWS_ENDPOINT_URL (which redirects every AWS client: one set for an S3-compatible lake server catches Athena too).
 */
export interface AthenaClientOptions {
  region?: string;
  /** Another endpoint than Athena's regional one (tests: a local server on 127.0.0.1). */
  endpoint?: string;
  /** Explicit credentials (tests); by default the SDK's standard chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /**
   * Attempts per request including retries (SDK default 3). The SDK retries throttling (TooManyRequestsException,
   * HTTP 429), 5xx answers and network failures with jittered exponential backoff; see runAthenaQuery for why that
   * is safe for StartQueryExecution.
   */
  maxAttempts?: number;
  /** Milliseconds to wait for a TCP connection (default 10 s). */
  connectionTimeoutMs?: number;
  /** Milliseconds a socket may stay idle during a request (default 120 s). */
  requestTimeoutMs?: number;
}

export function athenaRegion(env: NodeJS.ProcessEnv = process.env): string {
  return env.AWS_REGION?.trim() || env.AWS_DEFAULT_REGION?.trim() || 'us-east-1';
}

export function athenaClient(options: AthenaClientOptions = {}): AthenaClient {
  const config: AthenaClientConfig = {
    region: options.region ?? athenaRegion(),
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
    requestHandler: {
      connectionTimeout: options.connectionTimeoutMs ?? 10_000,
      requestTimeout: options.requestTimeoutMs ?? 120_000,
    },
  };
  return new AthenaClient(config);
}
