/**
 * Where the tests' S3 server is (scripts/rgw.sh starts one with these defaults). Kept free of vitest so that
 * child processes of the race test can read it too; test/support/rgw.ts re-exports it.
 *   MARKETLAKE_TEST_S3_ENDPOINT    default http://127.0.0.1:7480
 *   MARKETLAKE_TEST_S3_ACCESS_KEY  default marketlake-test
 *   MARKETLAKE_TEST_S3_SECRET_KEY  default marketlake-test-secret
 */
export const DEFAULT_TEST_S3_ENDPOINT = 'http://127.0.0.1:7480';

export interface TestS3Settings {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

export function testS3Settings(env: NodeJS.ProcessEnv = process.env): TestS3Settings {
  return {
    endpoint: env.MARKETLAKE_TEST_S3_ENDPOINT?.trim() || DEFAULT_TEST_S3_ENDPOINT,
    region: 'us-east-1',
    credentials: {
      accessKeyId: env.MARKETLAKE_TEST_S3_ACCESS_KEY?.trim() || 'marketlake-test',
      secretAccessKey: env.MARKETLAKE_TEST_S3_SECRET_KEY?.trim() || 'marketlake-test-secret',
    },
  };
}
