import { MlopsError } from '@mlops/contracts';
import { describe, expect, it } from 'vitest';
import { expectClose, reference } from '../test/fixtures.js';
import { adjustPValues } from './adjust-p-values.js';
import { alignCategories, chiSquareTest, proportionZTest } from './categorical-tests.js';
import { hellingerDistance, jensenShannonDistance, klDivergence, totalVariationDistance } from './distribution-distances.js';

describe('chiSquareTest = scipy.stats.chi2_contingency(correction=False)', () => {
  for (const c of reference.chi2) {
    it(`${c.reference.length} categories, totals ${c.reference.reduce((a, b) => a + b, 0)}`, () => {
      const r = chiSquareTest(c.reference, c.current);
      expectClose(r.statistic, c.statistic, 'statistic');
      expectClose(r.pValue, c.pValue, 'pValue');
      expect(r.dof).toBe(c.dof);
    });
  }
  it('aligns named categories and reports new and missing ones', () => {
    const r = chiSquareTest({ a: 10, b: 20, c: 5 }, new Map([['b', 18], ['a', 12], ['d', 4]]));
    const v = chiSquareTest([10, 20, 5, 0], [12, 18, 0, 4]);
    expect(r.statistic).toBe(v.statistic);
    expect(r.newCategories).toEqual(['d']);
    expect(r.missingCategories).toEqual(['c']);
    expect(alignCategories({ a: 1 }, { b: 2 }).categories).toEqual(['a', 'b']);
  });
  it('marks degenerate tables insufficient_data instead of returning NaN', () => {
    expect(chiSquareTest([5], [7])).toMatchObject({ status: 'insufficient_data', statistic: 0, pValue: 1 });
    expect(chiSquareTest([0, 0], [3, 4])).toMatchObject({ status: 'insufficient_data' });
  });
  it('throws INVALID_ARGUMENT for negative counts and mixed input forms', () => {
    expect(() => chiSquareTest([1, -1], [1, 1])).toThrowError(/finite count >= 0/);
    try {
      chiSquareTest([1, 2], { a: 1 });
      expect.unreachable();
    } catch (e) {
      expect(MlopsError.isInstance(e, 'INVALID_ARGUMENT')).toBe(true);
    }
  });
});

describe('proportionZTest (pooled two-proportion z-test, 2·norm.sf(|z|))', () => {
  for (const c of reference.ztest) {
    it(`${c.reference.join('/')} vs ${c.current.join('/')}`, () => {
      const r = proportionZTest({ successes: c.reference[0], trials: c.reference[1] }, { successes: c.current[0], trials: c.current[1] });
      expectClose(r.statistic, c.statistic, 'z');
      expectClose(r.pValue, c.pValue, 'p');
    });
  }
  it('accepts boolean arrays, ignores nulls, and handles a pooled proportion of 0', () => {
    const r = proportionZTest([true, false, null, true], [1, 0, 0, 0]);
    const v = proportionZTest({ successes: 2, trials: 3 }, { successes: 1, trials: 4 });
    expect(r.statistic).toBe(v.statistic);
    expect(proportionZTest([false, false], [0, 0])).toMatchObject({ statistic: 0, pValue: 1, status: 'ok' });
    expect(proportionZTest([], [1])).toMatchObject({ status: 'insufficient_data' });
    expect(() => proportionZTest(['x' as unknown as boolean], [1])).toThrowError(/true\/false/);
  });
});

describe('distribution distances match scipy', () => {
  for (const [i, c] of reference.vectors.entries()) {
    it(`vector pair ${i}`, () => {
      expectClose(jensenShannonDistance(c.p, c.q), c.js2, 'js base 2');
      expectClose(jensenShannonDistance(c.p, c.q, { base: Math.E }), c.jse, 'js base e');
      if (c.kl === 'inf') expect(klDivergence(c.p, c.q)).toBe(Infinity);
      else expectClose(klDivergence(c.p, c.q), c.kl, 'kl');
      expectClose(hellingerDistance(c.p, c.q), c.hellinger, 'hellinger');
      expectClose(totalVariationDistance(c.p, c.q), c.tvd, 'tvd');
    });
  }
  it('rejects unequal lengths, negative entries and all-zero vectors with INVALID_ARGUMENT', () => {
    expect(() => jensenShannonDistance([1, 2], [1, 2, 3])).toThrowError(/same length/);
    expect(() => hellingerDistance([1, -2], [1, 2])).toThrowError(/>= 0/);
    expect(() => totalVariationDistance([0, 0], [1, 2])).toThrowError(/positive total/);
    expect(() => jensenShannonDistance([1], [1], { base: 1 })).toThrowError(/base/);
  });
});

describe('adjustPValues', () => {
  for (const c of reference.adjust) {
    it(`${c.p.length} p-values`, () => {
      for (const method of ['bonferroni', 'holm', 'benjamini-hochberg'] as const) {
        const got = adjustPValues(c.p, method);
        c[method].forEach((v, i) => expectClose(got[i]!, v, `${method}[${i}]`));
      }
    });
  }
  it('rejects p-values outside [0, 1] and unknown methods', () => {
    expect(() => adjustPValues([0.5, 1.2], 'holm')).toThrowError(/\[0, 1\]/);
    expect(() => adjustPValues([0.5], 'sidak' as 'holm')).toThrowError(/correction method/);
    expect(adjustPValues([], 'holm')).toEqual([]);
  });
});
