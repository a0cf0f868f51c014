/** The benches' command-line flags: `--name VALUE`, read from process.argv. */

/** The value after `--name`, or undefined when the flag is absent. */
export function flag(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index < 0 ? undefined : process.argv[index + 1];
}

/** `--name N`, a positive whole number; `fallback` when absent; anything else is refused with the flag's name. */
export function positiveInt(name: string, fallback: number): number {
  const text = flag(name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive whole number (got ${text})`);
  return value;
}
