import { describe, expect, it } from 'vitest';
import { checksOfPhase } from '../quality/index.js';
import { NON_BLOCKING_CHECKS } from '../warehouse/blocked-raws.js';

describe('what the warehouse counts as blocking', () => {
  it('leaves out exactly the peer checks, which run after the tickers are written and never block', () => {
    expect([...NON_BLOCKING_CHECKS].sort()).toEqual(
      checksOfPhase('peers')
        .map((check) => check.id)
        .sort(),
    );
  });
});
