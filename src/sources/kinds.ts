// The names of the sources, apart from the sources themselves: the CLI's help and option parsing need the names
// without loading a vendor client (yahoo-finance2 costs a noticeable part of a start-up).

/**
 * Where snapshots come from, by the name a user types (`--source yahoo`). The name is not the stored one:
 * `yahoo` produces snapshots whose `source` is `yfinance`, the key segment of the existing bucket.
 */
export const SOURCE_KINDS = ['yahoo', 'csv', 'sample'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

export function isSourceKind(name: string): name is SourceKind {
  return (SOURCE_KINDS as readonly string[]).includes(name);
}
