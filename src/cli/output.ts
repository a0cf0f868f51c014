/** How the CLI speaks: JSON on stdout for scripts, aligned tables for people, messages on stderr. */

let stdoutGuarded = false;

/**
 * `marketlake get raw NVDA | head`: once the reader has gone, what is left of the output has nowhere to go, and
 * that is what the user asked for, so the command finishes quietly (a run still completes its work) instead of
 * dying on an unhandled EPIPE. Any other failure to write stdout (a full disk behind `> file`) is reported and
 * fails the command.
 */
export function guardStdout(): void {
  if (stdoutGuarded) return;
  stdoutGuarded = true;
  let readerGone = false;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') readerGone = true;
    if (readerGone) return;
    process.stderr.write(`marketlake: cannot write to stdout: ${error.message}\n`);
    process.exitCode = 1;
  });
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value) + '\n');
}

export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '-';
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude >= 1e9 || magnitude < 1e-4)) return value.toExponential(4);
  return value.toFixed(magnitude >= 1000 ? 2 : 4);
}

/** A plain text table: the first row is the header; numbers are right-aligned. */
export function formatTable(rows: readonly (readonly string[])[]): string {
  if (rows.length === 0) return '';
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  const numeric = /^[-+]?[\d.,]+(e[-+]?\d+)?%?$|^-$/i;
  return rows
    .map((row, r) =>
      row
        .map((cell, c) => (r > 0 && c > 0 && numeric.test(cell) ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function printTable(rows: readonly (readonly string[])[]): void {
  process.stdout.write(formatTable(rows) + '\n');
}
