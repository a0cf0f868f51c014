import { readFile } from 'node:fs/promises';
import { InputError } from '../errors.js';
import type { Bar } from './bars.js';
import { validateBars } from './validate.js';

/**
 * Daily bars from CSV text with a header row `Date,Open,High,Low,Close,Volume` in any column order
 * (the format Yahoo's download and most vendors use). An `Adj Close` column is kept but not used by the
 * indicators; other columns are ignored. Fields are plain (no quoting): market data never needs commas.
 */
const REQUIRED = ['date', 'open', 'high', 'low', 'close', 'volume'] as const;
type Column = (typeof REQUIRED)[number] | 'adj close';

/** A decimal number as vendors write it; rejects `NaN`, `Infinity`, hex, empty and trailing junk. */
const NUMBER_PATTERN = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function normalizeHeader(name: string): string {
  return name
    .trim()
    .replace(/^\uFEFF/, '')
    .toLowerCase()
    .replace(/[_\s]+/g, ' ');
}

export function parseBarsCsv(text: string, source: string): Bar[] {
  const lines = text.split(/\r?\n/);
  const headerIndex = lines.findIndex((line) => line.trim() !== '');
  if (headerIndex < 0)
    throw new InputError(source, undefined, 'the file is empty (expected a header row and data rows)');

  const headerLine = headerIndex + 1;
  const header = lines[headerIndex].split(',').map(normalizeHeader);
  const position = new Map<Column, number>();
  header.forEach((name, index) => {
    if ((REQUIRED as readonly string[]).includes(name) || name === 'adj close') {
      if (position.has(name as Column)) throw new InputError(source, headerLine, `column "${name}" appears twice`);
      position.set(name as Column, index);
    }
  });
  const missing = REQUIRED.filter((name) => !position.has(name));
  if (missing.length > 0) {
    throw new InputError(
      source,
      headerLine,
      `missing column(s) ${missing.map((m) => m[0].toUpperCase() + m.slice(1)).join(', ')} ` +
        `(the header must name Date, Open, High, Low, Close, Volume)`,
    );
  }

  const bars: Bar[] = [];
  const lineNumbers: number[] = [];
  for (let i = headerIndex + 1; i < lines.length; i++) {
    const raw = lines[i];
    if (raw.trim() === '') continue;
    const line = i + 1;
    const cells = raw.split(',');
    if (cells.length !== header.length) {
      throw new InputError(source, line, `expected ${header.length} fields like the header, found ${cells.length}`);
    }
    const cell = (column: Column) => cells[position.get(column)!].trim();
    const number = (column: Column, label: string): number => {
      const text = cell(column);
      if (!NUMBER_PATTERN.test(text)) {
        throw new InputError(source, line, `${label} ${JSON.stringify(text)} is not a number`);
      }
      return Number(text);
    };
    const adjText = position.has('adj close') ? cell('adj close') : '';
    bars.push({
      date: cell('date'),
      open: number('open', 'Open'),
      high: number('high', 'High'),
      low: number('low', 'Low'),
      close: number('close', 'Close'),
      adjClose: adjText === '' ? null : number('adj close', 'Adj Close'),
      volume: number('volume', 'Volume'),
    });
    lineNumbers.push(line);
  }
  if (bars.length === 0) throw new InputError(source, undefined, 'the file has a header but no data rows');
  validateBars(bars, source, (index) => lineNumbers[index]);
  return bars;
}

export async function readBarsCsv(path: string): Promise<Bar[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(
      path,
      undefined,
      code === 'ENOENT' ? 'no such file' : `cannot read: ${(error as Error).message}`,
    );
  }
  return parseBarsCsv(text, path);
}

/** CSV text in the same format, for exports and test fixtures. */
export function formatBarsCsv(bars: readonly Bar[]): string {
  const rows = ['Date,Open,High,Low,Close,Adj Close,Volume'];
  for (const b of bars) rows.push(`${b.date},${b.open},${b.high},${b.low},${b.close},${b.adjClose ?? ''},${b.volume}`);
  return rows.join('\n') + '\n';
}
