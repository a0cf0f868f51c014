import { redact } from '../secrets.js';

/**
 * Passes everything written to stdout and stderr through `redact` until the returned function is called. The
 * streams themselves are the one place every printed text goes through: the commands' own output, printJson,
 * error messages and stack traces, commander's messages and Node's warnings (process.emitWarning), so a new
 * command or a new message cannot forget it. Each write is one message or document (the CLI never writes a text
 * in pieces), so a secret is never split over two writes.
 */
export function redactProcessOutput(): () => void {
  const restores = [process.stdout, process.stderr].map((stream) => {
    const own = Object.prototype.hasOwnProperty.call(stream, 'write');
    const original = stream.write;
    stream.write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]): boolean {
      return (original as (...args: unknown[]) => boolean).call(this, redactChunk(chunk), ...rest);
    } as typeof stream.write;
    return () => {
      if (own) stream.write = original;
      else delete (stream as { write?: unknown }).write;
    };
  });
  return () => {
    for (const restore of restores.reverse()) restore();
  };
}

function redactChunk(chunk: unknown): unknown {
  if (typeof chunk === 'string') return redact(chunk);
  if (chunk instanceof Uint8Array) {
    const text = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8');
    const redacted = redact(text);
    // Bytes that are not text (or hold nothing to hide) go out untouched.
    return redacted === text ? chunk : Buffer.from(redacted, 'utf8');
  }
  return chunk;
}
