import { afterEach, describe, expect, it } from 'vitest';
import { forgetSecretsForTesting, rememberSecret } from '../secrets.js';
import { redactProcessOutput } from './redacted-output.js';

describe('redactProcessOutput', () => {
  afterEach(() => forgetSecretsForTesting());

  it('redacts whatever is written to stdout and stderr (text or bytes, stack traces included) until restored', () => {
    const written: unknown[] = [];
    const capture = (chunk: unknown) => {
      written.push(Buffer.isBuffer(chunk) ? chunk.toString('utf8') : chunk);
      return true;
    };
    const originalOut = process.stdout.write;
    const originalErr = process.stderr.write;
    process.stdout.write = capture as typeof process.stdout.write;
    process.stderr.write = capture as typeof process.stderr.write;
    try {
      rememberSecret('Stream-Pw-42');
      const restore = redactProcessOutput();
      const error = new Error('cannot reach http://u:Url-Pw-7@h:9/x');
      process.stderr.write(`marketlake: internal error: ${error.stack}\n`);
      process.stdout.write(Buffer.from('{"reason":"password Stream-Pw-42 refused"}\n'));
      const bytes = new Uint8Array([0xff, 0x00, 0x41]);
      process.stdout.write(bytes);
      restore();
      process.stdout.write('after: Stream-Pw-42\n');
      expect(written[0]).toMatch(/^marketlake: internal error: Error: cannot reach http:\/\/u:\*\*\*@h:9\/x\n {4}at /);
      expect(written[0]).not.toContain('Url-Pw-7');
      expect(written[1]).toBe('{"reason":"password *** refused"}\n');
      // Bytes with nothing to hide go out as they are, the same chunk.
      expect(written[2]).toBe(bytes);
      expect(written[3]).toBe('after: Stream-Pw-42\n');
      expect(process.stdout.write).toBe(capture);
    } finally {
      process.stdout.write = originalOut;
      process.stderr.write = originalErr;
    }
  });
});
