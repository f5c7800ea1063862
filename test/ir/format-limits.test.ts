import { describe, expect, test } from 'vitest';
import { mergeFormatLimits } from '../../src/ir/index.js';

describe('format limits of formats written together', () => {
  test('the narrowest of each limit; formats without limits change nothing', () => {
    expect(mergeFormatLimits([])).toEqual({});
    expect(mergeFormatLimits([['nir', {}]])).toEqual({});
    expect(
      mergeFormatLimits([
        ['a', { weightRange: [-256, 254], restStart: true }],
        ['b', { weightRange: [-128, 1000], reset: 'zero', signedSpikes: false }],
        ['c', { sigmaDelta: false }],
      ]),
    ).toEqual({ weightRange: [-128, 254], restStart: true, reset: 'zero', signedSpikes: false, sigmaDelta: false });
  });

  test('two formats that need different resets or bias exponents are an error naming both', () => {
    expect(() =>
      mergeFormatLimits([
        ['a', { reset: 'zero' }],
        ['b', { reset: 'subtract' }],
      ]),
    ).toThrow(/^b needs reset subtract and a needs zero/);
    expect(() =>
      mergeFormatLimits([
        ['a', { biasExp: 6 }],
        ['b', { biasExp: 0 }],
      ]),
    ).toThrow(/^b needs biasExp 0 and a needs 6/);
  });
});
