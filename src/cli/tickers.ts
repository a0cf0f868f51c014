import { InvalidArgumentError } from 'commander';
import { messageOf } from '../errors.js';
import { normalizeTicker } from '../market/ticker.js';

/**
 * Tickers named on the command line are arguments, not data: a bad one is a usage error (exit 2) raised while
 * the command line is parsed, before anything is opened. (A universe file is data: its bad lines fail alone.)
 * An empty list or element is a typo, never "everything"; `NVDA,nvda` names one instrument once.
 */
export function parseTickerList(value: string): string[] {
  if (value.trim() === '') throw new InvalidArgumentError('name at least one ticker');
  const tickers = value.split(',').map((element, index) => {
    if (element.trim() === '')
      throw new InvalidArgumentError(`ticker ${index + 1} of the list is empty (a doubled, leading or trailing ",")`);
    try {
      return normalizeTicker(element);
    } catch (error) {
      throw new InvalidArgumentError(messageOf(error));
    }
  });
  return [...new Set(tickers)];
}

/** One ticker given as an argument (`get raw NVDA`): normalised, or a usage error. */
export function parseTickerArgument(value: string): string {
  try {
    return normalizeTicker(value);
  } catch (error) {
    throw new InvalidArgumentError(messageOf(error));
  }
}
