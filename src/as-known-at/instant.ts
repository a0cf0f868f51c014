/**
 * Parsing the time of `--as-known-at`: its own module so that the CLI can check the option without loading the
 * catalog queries behind "as known at" (a command loads only what it uses).
 */
import { UserError } from '../errors.js';

export class InvalidInstantError extends UserError {
  override readonly name = 'InvalidInstantError';
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/i;

/**
 * An ISO 8601 instant WITH its zone (`2026-11-26T21:30:00Z`, `2026-11-27T06:30+09:00`). A bare date or a time
 * without a zone is refused: "as known at 2026-11-26" could mean its start or its end, and a local time would
 * depend on the machine that runs the command.
 */
export function parseInstant(text: string): Date {
  const trimmed = text.trim();
  const time = ISO_INSTANT.test(trimmed) ? Date.parse(trimmed) : Number.NaN;
  if (Number.isNaN(time)) {
    throw new InvalidInstantError(
      `"${text}" is not an ISO 8601 time with a zone, e.g. 2026-11-26T21:30:00Z or 2026-11-27T06:30:00+09:00`,
    );
  }
  return new Date(time);
}
