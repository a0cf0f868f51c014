/**
 * User input echoed in a message must not drive the terminal: an argument such as `$'\e]0;pwned\a'` would
 * otherwise retitle the window, move the cursor or hide text. Every message that shows user input goes
 * through `quote`; the CLI also passes whatever it prints to stderr through `escapeControls`, as a last line
 * of defence for messages that embed input without quoting it (commander's own, for one).
 */

/**
 * C0 controls (but tab and newline), DEL, C1 controls (U+009B is CSI on some terminals), and the Unicode
 * format characters that reorder or hide text (bidi overrides and isolates, line and paragraph separators).
 */
const UNSAFE_KEEPING_LINES =
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const LONE_SURROGATE = /\p{Surrogate}/gu;

function escapeCharacter(character: string): string {
  const code = character.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** `text` with every control or reordering character written as `\xNN` / `\uNNNN`; newlines and tabs kept. */
export function escapeControls(text: string): string {
  return text.replace(UNSAFE_KEEPING_LINES, escapeCharacter).replace(LONE_SURROGATE, escapeCharacter);
}

/** User input for a message: in double quotes, with `"`, `\`, newlines and every control character escaped. */
export function quote(input: string): string {
  const escaped = input
    .replace(/[\\"]/g, (c) => `\\${c}`)
    .replace(UNSAFE, (c) => (c === '\n' ? '\\n' : c === '\t' ? '\\t' : c === '\r' ? '\\r' : escapeCharacter(c)))
    .replace(LONE_SURROGATE, escapeCharacter);
  return `"${escaped}"`;
}
