/**
 * The quality mark of a processed object (docs/design.md "Data quality", "Tags", "User metadata"): the quality
 * checks failed on the raw snapshot it was computed from (or on the results themselves), yet it was written, under
 * the `warn` policy or because only warnings failed.
 *
 * The mark is in the object's tags and metadata, not in its body: the body is what the computation made of the raw
 * snapshot, and two objects of the same identity (kind, ticker, as_of, computation version, raw snapshot) hold the
 * same bytes whatever a run thought of the snapshot (reprocessing and retries compare objects by that identity and
 * by sha256). The same text goes to the result rows' `quality_failed` column, so that a row says what its object
 * says.
 *
 *   tag       quality=flagged                     only on a marked object (a clean one has no `quality` tag)
 *   metadata  quality_failed=<check>:<severity>,...  errors first, then warnings, each in check id order
 *             quality_run_id=<run id>              the run that judged: a daily run (its verdicts in
 *                                                  quality_results and quality/...) or a reprocess (in its summary)
 *
 * The metadata of an object is 2 KB in all: `quality_failed` is at most MAX_QUALITY_FAILED_LENGTH characters. The
 * catalog's checks that can mark (the snapshot and result checks) fit in it whole at error severity; beyond it, the
 * list is cut between two entries and ends with `+N more`, N the failures left out (errors come first, so they are
 * the last to go).
 */

export const QUALITY_TAG = 'quality';
export const QUALITY_FLAGGED = 'flagged';
export const QUALITY_FAILED_METADATA = 'quality_failed';
export const QUALITY_RUN_METADATA = 'quality_run_id';
/** The longest `quality_failed` value (and column value); see the module comment. */
export const MAX_QUALITY_FAILED_LENGTH = 600;

/** A failed verdict as the mark names it. */
export interface FailedCheck {
  check: string;
  severity: 'error' | 'warn';
}

export interface QualityMark {
  /** The run whose checks failed. */
  runId: string;
  /** The `quality_failed` text: `check:severity` entries, comma-separated, bounded (see the module comment). */
  failed: string;
}

/** The mark of results whose snapshot failed `failures`; undefined when nothing failed (clean results carry none). */
export function qualityMark(runId: string, failures: readonly FailedCheck[]): QualityMark | undefined {
  if (failures.length === 0) return undefined;
  return { runId, failed: failedText(failures) };
}

/**
 * `check:severity,...`, errors first then warnings, each by check id (code unit order, so that every process
 * renders the same bytes), each check once; cut to MAX_QUALITY_FAILED_LENGTH between entries with `+N more`.
 */
export function failedText(failures: readonly FailedCheck[]): string {
  const rank = (failure: FailedCheck) => (failure.severity === 'error' ? 0 : 1);
  const entries = [
    ...new Set(
      [...failures]
        .sort((a, b) => rank(a) - rank(b) || (a.check < b.check ? -1 : a.check > b.check ? 1 : 0))
        .map((failure) => `${failure.check}:${failure.severity}`),
    ),
  ];
  let text = '';
  for (const [index, entry] of entries.entries()) {
    const next = text === '' ? entry : `${text},${entry}`;
    const left = entries.length - index - 1;
    // Room is kept for the `+N more` this entry would need if a later one does not fit.
    const reserve = left === 0 ? 0 : `,+${left} more`.length;
    if (next.length + reserve > MAX_QUALITY_FAILED_LENGTH) {
      const omitted = entries.length - index;
      return text === '' ? `+${omitted} more` : `${text},+${omitted} more`;
    }
    text = next;
  }
  return text;
}

/** The tag a marked object carries beside its kind's tags; none for a clean one. */
export function qualityMarkTags(mark: QualityMark | undefined): Record<string, string> {
  return mark === undefined ? {} : { [QUALITY_TAG]: QUALITY_FLAGGED };
}

/** The metadata a marked object carries beside its kind's metadata; none for a clean one. */
export function qualityMarkMetadata(mark: QualityMark | undefined): Record<string, string> {
  return mark === undefined ? {} : { [QUALITY_FAILED_METADATA]: mark.failed, [QUALITY_RUN_METADATA]: mark.runId };
}

/** What an object's metadata says of its mark: none, a mark, or why it is not one of ours (half a mark). */
export type MarkReading = { ok: true; mark: QualityMark | undefined } | { ok: false; reason: string };

/** The mark an object's (or an outbox entry's) metadata records; a reader of foreign objects reports `reason`. */
export function readQualityMark(metadata: Readonly<Record<string, string>>): MarkReading {
  const failed = metadata[QUALITY_FAILED_METADATA];
  const runId = metadata[QUALITY_RUN_METADATA];
  if (failed === undefined && runId === undefined) return { ok: true, mark: undefined };
  if (failed === undefined || runId === undefined || failed === '' || runId === '') {
    return {
      ok: false,
      reason:
        `its metadata has ${QUALITY_FAILED_METADATA}=${JSON.stringify(failed ?? null)} and ` +
        `${QUALITY_RUN_METADATA}=${JSON.stringify(runId ?? null)}; a quality mark has both, not empty`,
    };
  }
  return { ok: true, mark: { runId, failed } };
}

/**
 * The mark of metadata marketlake wrote itself (an outbox entry): half a mark there is a bug, thrown naming `key`.
 */
export function qualityMarkOf(key: string, metadata: Readonly<Record<string, string>>): QualityMark | undefined {
  const reading = readQualityMark(metadata);
  if (!reading.ok) throw new Error(`${key}: ${reading.reason}`);
  return reading.mark;
}
