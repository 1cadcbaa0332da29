import { MlopsError } from '@mlops/contracts';
import { describe, expect, it } from 'vitest';
import { andersonDarlingTest } from './anderson-darling-test.js';
import { energyDistance, wassersteinDistance } from './cdf-distances.js';
import { cramerVonMisesTest } from './cramer-von-mises-test.js';
import { ksTest } from './ks-test.js';
import { psi } from './psi.js';
import { sortFloat64 } from './internal/radix-sort.js';

const all = [ksTest, cramerVonMisesTest, andersonDarlingTest, wassersteinDistance, energyDistance, psi] as const;

describe('degenerate inputs never produce NaN', () => {
  it('empty and all-null sides give insufficient_data with a reason', () => {
    for (const test of all) {
      for (const [a, b] of [
        [[], [1, 2, 3]],
        [[null, NaN, undefined], [1, 2, 3]],
        [[1, 2, 3], new Float64Array([NaN, Infinity])],
      ] as const) {
        const r = test(a as unknown as number[], b as unknown as number[]);
        expect(r.status).toBe('insufficient_data');
        expect(r.reason).toMatch(/values/);
        expect(Number.isNaN(r.statistic)).toBe(false);
      }
    }
  });
  it('n < 2 for Cramér–von Mises and a single distinct value for Anderson–Darling', () => {
    expect(cramerVonMisesTest([1], [1, 2, 3]).status).toBe('insufficient_data');
    expect(andersonDarlingTest([2, 2, 2], [2, 2]).status).toBe('insufficient_data');
    expect(ksTest([2, 2, 2], [2, 2])).toMatchObject({ status: 'ok', statistic: 0, pValue: 1 });
    expect(wassersteinDistance([2, 2], [2, 2], { normed: true }).statistic).toBe(0);
  });
  it('counts ignored entries per side', () => {
    const r = ksTest([1, null, NaN, 2, Infinity], [3, 4, undefined]);
    expect(r.ignored).toEqual({ reference: 3, current: 1 });
    expect(r.referenceSize).toBe(2);
  });
  it('rejects non-numeric input with INVALID_ARGUMENT', () => {
    try {
      ksTest(['a'] as unknown as number[], [1]);
      expect.unreachable();
    } catch (e) {
      expect(MlopsError.isInstance(e, 'INVALID_ARGUMENT')).toBe(true);
      expect((e as Error).message).toMatch(/reference\[0\]/);
    }
    expect(() => ksTest(null as unknown as number[], [1])).toThrowError(/Float64Array/);
    expect(() => psi([1, 2], [1, 2], { bins: 1 })).toThrowError(/between 2 and 10000/);
  });
});

describe('sortFloat64 (radix)', () => {
  it('sorts like a comparison sort, including negatives, zeros and infinities', () => {
    const n = 5000;
    const a = new Float64Array(n);
    let s = 12345;
    for (let i = 0; i < n; i++) {
      s = (s * 1103515245 + 12345) % 2147483648;
      a[i] = ((s / 2147483648) * 2 - 1) * 10 ** ((i % 7) - 3);
    }
    a[0] = -0;
    a[1] = Infinity;
    a[2] = -Infinity;
    a[3] = 5e-324;
    const expected = Float64Array.from(a).sort();
    expect(Array.from(sortFloat64(a))).toEqual(Array.from(expected));
  });

  // Epoch-ms timestamps minutes apart share their high 32 bits (a 2^20 ms ≈ 17 min bucket), so
  // the radix passes leave them unordered; the insertion pass that followed was quadratic:
  // 150k such values took seconds (13 ms for a monitor's 8,192-value flush instead of 0.2 ms).
  it('sorts long runs sharing the high 32 bits (timestamps within minutes) in O(n log n)', () => {
    const n = 150_000;
    const base = Date.UTC(2026, 11, 6);
    const a = new Float64Array(n);
    let s = 99;
    for (let i = 0; i < n; i++) {
      s = (s * 1103515245 + 12345) % 2147483648;
      // 10 minutes of ms timestamps, one short run of tiny values and a few negatives among them.
      a[i] = i % 1000 === 0 ? -base - (s % 600_000) : i % 997 === 0 ? 1 + (s % 8) * 2 ** -40 : base + (s % 600_000);
    }
    const expected = Float64Array.from(a).sort();
    const c0 = process.cpuUsage();
    sortFloat64(a);
    const c = process.cpuUsage(c0);
    expect(Array.from(a)).toEqual(Array.from(expected));
    // About 15 ms here; the quadratic pass needed ~5.6e9 steps (4-5 s). A 1 s CPU bound leaves room for a busy machine.
    expect((c.user + c.system) / 1000).toBeLessThan(1000);
  });
});
