import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeControls, quote } from './quote.js';

/** What must never reach a terminal raw: C0 (but tab and newline in escapeControls), DEL, C1, bidi controls. */
const UNSAFE =
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]|\p{Surrogate}/u;

describe('quote and escapeControls', () => {
  it('escape what a terminal would act on', () => {
    expect(quote('\x1b]0;pwned\x07')).toBe('"\\x1b]0;pwned\\x07"');
    expect(quote('a"b\\c\nd\u202e\x9b')).toBe('"a\\"b\\\\c\\nd\\u202e\\x9b"');
    expect(escapeControls('line 1\n\tline 2 \x1b[2J')).toBe('line 1\n\tline 2 \\x1b[2J');
    expect(quote('NVDA')).toBe('"NVDA"');
  });

  it('leave nothing unsafe in any string, and keep quoted input on one line', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (input) => {
        expect(escapeControls(input)).not.toMatch(UNSAFE);
        const quoted = quote(input);
        expect(quoted).not.toMatch(UNSAFE);
        expect(quoted).not.toMatch(/[\n\t]/);
      }),
      { numRuns: 2000 },
    );
  });
});
