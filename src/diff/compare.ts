/**
 * Comparing one field across two computation versions.
 *
 * Changed: one side null and the other a number, or |a - b| > 1e-9 x max(|a|, |b|, 1) — relative for large
 * values, absolute (1e-9) near zero, so that floating-point noise in the last bits is not a change.
 * Relative difference: |a - b| / max(|a|, |b|) (0 when both are 0), so between 0 and 2 whatever the price level;
 * the worst cases are ranked by it (null <-> number first), since an absolute ranking would only ever name the
 * most expensive tickers.
 */
export const RELATIVE_TOLERANCE = 1e-9;

export interface WorstCase {
  ticker: string;
  as_of: string;
  from: number | null;
  to: number | null;
  /** null when one side is null. */
  abs_diff: number | null;
  rel_diff: number | null;
}

export interface FieldStatistics {
  field: string;
  /** Pairs in which the field was present on either side. */
  compared: number;
  changed: number;
  /** Over the pairs where both sides are numbers; null when there were none. */
  max_abs_diff: number | null;
  max_rel_diff: number | null;
  /** Changed pairs of the field, worst first. */
  worst: WorstCase[];
}

export function isChanged(a: number | null, b: number | null): boolean {
  if (a === null || b === null) return a !== b;
  return Math.abs(a - b) > RELATIVE_TOLERANCE * Math.max(Math.abs(a), Math.abs(b), 1);
}

export function relativeDifference(a: number, b: number): number {
  const scale = Math.max(Math.abs(a), Math.abs(b));
  return scale === 0 ? 0 : Math.abs(a - b) / scale;
}

/** Severity for ranking: a value appearing or disappearing is worse than any numeric difference. */
function severity(c: WorstCase): [number, number] {
  return c.rel_diff === null ? [Infinity, Infinity] : [c.rel_diff, c.abs_diff ?? 0];
}

function worse(a: WorstCase, b: WorstCase): boolean {
  const [ra, aa] = severity(a);
  const [rb, ab] = severity(b);
  return ra !== rb ? ra > rb : aa > ab;
}

export class FieldAccumulator {
  private compared = 0;
  private changed = 0;
  private maxAbs: number | null = null;
  private maxRel: number | null = null;
  private readonly worst: WorstCase[] = [];

  constructor(
    readonly field: string,
    private readonly top: number,
  ) {}

  add(ticker: string, asOf: string, a: number | null, b: number | null): void {
    this.compared++;
    let abs: number | null = null;
    let rel: number | null = null;
    if (a !== null && b !== null) {
      abs = Math.abs(a - b);
      rel = relativeDifference(a, b);
      if (this.maxAbs === null || abs > this.maxAbs) this.maxAbs = abs;
      if (this.maxRel === null || rel > this.maxRel) this.maxRel = rel;
    }
    if (!isChanged(a, b)) return;
    this.changed++;
    this.keepIfWorst({ ticker, as_of: asOf, from: a, to: b, abs_diff: abs, rel_diff: rel });
  }

  /** Insertion into a list of at most `top`, kept sorted worst first (top is small: 5). */
  private keepIfWorst(candidate: WorstCase): void {
    let at = this.worst.findIndex((c) => worse(candidate, c));
    if (at === -1) at = this.worst.length;
    if (at >= this.top) return;
    this.worst.splice(at, 0, candidate);
    if (this.worst.length > this.top) this.worst.pop();
  }

  result(): FieldStatistics {
    return {
      field: this.field,
      compared: this.compared,
      changed: this.changed,
      max_abs_diff: this.maxAbs,
      max_rel_diff: this.maxRel,
      worst: [...this.worst],
    };
  }
}
