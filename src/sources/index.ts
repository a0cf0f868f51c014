import { UserError } from '../errors.js';
import { CsvFolderSource, type CsvFolderOptions } from './csv/csv-folder.js';
import { SampleSource, type SampleSourceOptions } from './sample/sample.js';
import type { MarketDataSource } from './source.js';
import { SOURCE_KINDS, type SourceKind } from './kinds.js';
import { YahooSource, type YahooSourceOptions } from './yahoo/yahoo.js';

export { isSourceKind, SOURCE_KINDS, type SourceKind } from './kinds.js';

export interface SourceOptions {
  yahoo: YahooSourceOptions;
  csv: CsvFolderOptions;
  sample: SampleSourceOptions;
}

/** Options are required only where a source cannot do without them (the csv folder). */
type OptionsArgument<K extends SourceKind> = object extends SourceOptions[K]
  ? [options?: SourceOptions[K]]
  : [options: SourceOptions[K]];

export function createSource<K extends SourceKind>(name: K, ...[options]: OptionsArgument<K>): MarketDataSource {
  // The name may come from a command line at run time, whatever the types say.
  const kind: string = name;
  switch (kind) {
    case 'yahoo':
      return new YahooSource((options as YahooSourceOptions | undefined) ?? {});
    case 'csv':
      return new CsvFolderSource(options as CsvFolderOptions);
    case 'sample':
      return new SampleSource((options as SampleSourceOptions | undefined) ?? {});
    default:
      throw new UserError(`unknown source ${JSON.stringify(kind)}: expected one of ${SOURCE_KINDS.join(', ')}`);
  }
}

export { CsvFolderSource, type CsvFolderOptions } from './csv/csv-folder.js';
export { SAMPLE_EPOCH, SampleSource, type SampleSourceOptions } from './sample/sample.js';
export { SAMPLE_TICKERS, SAMPLE_UNIVERSE, universeEntry, type UniverseEntry } from './sample/sample-universe.js';
export { MARKETS, MARKET_CODES, marketOfTicker, type Market, type MarketProfile } from './markets.js';
export { NoDataError, SourceFetchError, type MarketDataSource, type SnapshotRequest } from './source.js';
export { YahooHttpError, YahooNetworkError, YahooSource, type YahooSourceOptions } from './yahoo/yahoo.js';
export { DEFAULT_RETRY_POLICY, type RetryInfo, type RetryPolicy } from './retry.js';
