import { describe, expect, it } from 'vitest';
import { currentComputationVersion, isOlderVersion } from './versions.js';

describe('currentComputationVersion', () => {
  it('takes the flag, else MARKETLAKE_COMPUTATION_VERSION, else 1.0', () => {
    expect(currentComputationVersion('2.0', { MARKETLAKE_COMPUTATION_VERSION: '1.0' })).toBe('2.0');
    expect(currentComputationVersion(undefined, { MARKETLAKE_COMPUTATION_VERSION: '2.0' })).toBe('2.0');
    expect(currentComputationVersion(undefined, { MARKETLAKE_COMPUTATION_VERSION: ' ' })).toBe('1.0');
    expect(currentComputationVersion(undefined, {})).toBe('1.0');
  });

  it('refuses an unknown version and names where it came from', () => {
    expect(() => currentComputationVersion('3.0', {})).toThrow(
      /--computation-version: unknown computation version "3.0"/,
    );
    expect(() => currentComputationVersion(undefined, { MARKETLAKE_COMPUTATION_VERSION: 'x' })).toThrow(
      /MARKETLAKE_COMPUTATION_VERSION/,
    );
  });
});

describe('isOlderVersion', () => {
  it('orders dotted versions numerically', () => {
    expect(isOlderVersion('1.0', '2.0')).toBe(true);
    expect(isOlderVersion('2.0', '2.0')).toBe(false);
    expect(isOlderVersion('2.0', '1.0')).toBe(false);
    expect(isOlderVersion('2.0', '10.0')).toBe(true);
    expect(isOlderVersion('1', '1.0')).toBe(false);
  });

  it('counts a label that cannot be ordered as older, unless it is the current one', () => {
    expect(isOlderVersion('legacy', '1.0')).toBe(true);
  });
});
