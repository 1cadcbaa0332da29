import { makeVector, tableFromArrays, vectorFromArray, Table, Float64, Null, Utf8 } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { compare } from './compare.js';
import { createProfileBuilder, mergeProfiles, profile } from './profile.js';
import { serializeProfile } from './serialize-profile.js';
import { normals, rng } from '../test/generators.js';

// Regression tests for issue #14, "decisions from profiles must be right" (defects 1-7).

describe('defect 1: KS from sketches folds in the KLL rank-error bound', () => {
  it('the same 1M rows, profiled whole vs merged from 10 shards, are never "drifted"', () => {
    for (const seed of [1, 2, 3]) {
      const x = normals(1_000_000, 0, 1, seed);
      const whole = profile(tableFromArrays({ x }));
      const shards = Array.from({ length: 10 }, (_, i) => profile(tableFromArrays({ x: x.subarray(i * 100_000, (i + 1) * 100_000) })));
      const r = compare(whole, mergeProfiles(...shards), { numericalMethod: 'ks' }).columns[0]!;
      expect(r.estimate).toBe(true);
      expect(r.errorBound).toBeGreaterThan(0.004);
      expect(r.drifted).toBe(false);
      expect(r.pValue).toBeGreaterThan(0.5);
    }
  });

  it('a 0.01 sd shift on 1M rows is found by the exact table test (and is below the profile bound)', () => {
    const ref = tableFromArrays({ x: normals(1_000_000, 0, 1, 11) });
    const cur = tableFromArrays({ x: normals(1_000_000, 0.01, 1, 12) });
    const exact = compare(ref, cur, { numericalMethod: 'ks' }).columns[0]!;
    expect(exact.estimate).toBe(false);
    expect(exact.drifted).toBe(true);
    const est = compare(profile(ref), profile(cur), { numericalMethod: 'ks' }).columns[0]!;
    // Documented: the shift's KS distance (~0.004) is inside the sketches' error bound.
    expect(exact.statistic).toBeLessThan(est.errorBound!);
  });

  it('Wasserstein from profiles carries an error bound that covers the exact value', () => {
    const a = tableFromArrays({ x: normals(300_000, 0, 1, 5) });
    const b = tableFromArrays({ x: normals(300_000, 0.05, 1.1, 6) });
    for (const method of ['wasserstein', 'wasserstein_normed'] as const) {
      const exact = compare(a, b, { numericalMethod: method }).columns[0]!;
      const est = compare(profile(a), profile(b), { numericalMethod: method }).columns[0]!;
      expect(est.estimate).toBe(true);
      expect(est.errorBound).toBeGreaterThan(0);
      expect(Math.abs(est.statistic - exact.statistic)).toBeLessThanOrEqual(est.errorBound!);
    }
  });

  it('small profiles (sketch never compacted) give exactly the table result', () => {
    const a = tableFromArrays({ x: normals(500, 0, 1, 7) });
    const b = tableFromArrays({ x: normals(400, 0.3, 1, 8) });
    const t = compare(a, b).columns[0]!;
    const p = compare(profile(a), profile(b)).columns[0]!;
    expect(p).toMatchObject({ method: 'ks', statistic: t.statistic, pValue: t.pValue, estimate: false });
  });
});

describe('defect 2: categorical profiles above categoryCap keep an "other" bucket', () => {
  // Before the fix: exact JS 0.079, from profiles 0.266 ("drifted"); now 0.058.
  it('the same ~4,900-category distribution is not drifted from profiles when it is not drifted exactly', () => {
    const cats = 4900;
    const weights = Array.from({ length: cats }, (_, i) => 1 / (i + 1000));
    const total = weights.reduce((a, b) => a + b, 0);
    const cdf: number[] = [];
    let acc = 0;
    for (const w of weights) cdf.push((acc += w / total));
    const draw = (n: number, seed: number): string[] => {
      const r = rng(seed);
      return Array.from({ length: n }, () => {
        const u = r();
        let lo = 0;
        let hi = cats - 1;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (cdf[mid]! >= u) hi = mid;
          else lo = mid + 1;
        }
        return `c${lo}`;
      });
    };
    const ref = tableFromArrays({ c: draw(200_000, 21) });
    const cur = tableFromArrays({ c: draw(200_000, 22) });
    const exact = compare(ref, cur).columns[0]!;
    const pr = profile(ref);
    const pc = profile(cur);
    expect(pr.columns.get('c')).toMatchObject({ exact: false });
    const est = compare(pr, pc).columns[0]!;
    expect(exact.method).toBe('jensen_shannon');
    expect(est.method).toBe('jensen_shannon');
    expect(exact.drifted).toBe(false);
    expect(est.drifted).toBe(false);
    expect(est.estimate).toBe(true);
    expect(est.statistic).toBeLessThanOrEqual(exact.statistic + 0.01);
  });
});

describe('defect 3: all-null and Null-typed columns are listed with a status, outside the share', () => {
  it('a column whose current type became Null is reported, not dropped', () => {
    const ref = tableFromArrays({ age: normals(2000, 40, 10, 1), income: normals(2000, 5, 1, 2) });
    const cur = new Table({ age: vectorFromArray([null, null, null], new Null()), income: makeVector(normals(3, 5, 1, 3)) });
    expect(String(cur.getChild('age')!.type)).toBe('Null');
    const report = compare(ref, cur, { minRows: 1 });
    const age = report.columns.find((c) => c.column === 'age');
    expect(age).toMatchObject({ status: 'insufficient_data', drifted: false, currentSize: 0 });
    expect(report.problems.map((p) => `${p.column}:${p.problem}`)).toContain('age:insufficient_data');
    expect(report.comparedColumns).toBe(1);
    // From profiles too.
    const fromProfiles = compare(profile(ref), profile(cur), { minRows: 1 });
    expect(fromProfiles.columns.find((c) => c.column === 'age')).toMatchObject({ status: 'insufficient_data', drifted: false });
  });

  it('an all-null typed column counts as insufficient data, not as a non-drifted column', () => {
    const ref = tableFromArrays({ a: normals(2000, 0, 1, 1), b: normals(2000, 0, 1, 2) });
    const cur = new Table({ a: makeVector(normals(2000, 3, 1, 3)), b: vectorFromArray(new Array<number | null>(2000).fill(null), new Float64()) });
    for (const report of [compare(ref, cur), compare(profile(ref), profile(cur))]) {
      expect(report.columns.find((c) => c.column === 'b')).toMatchObject({ status: 'insufficient_data', drifted: false, statistic: 0 });
      expect(report.comparedColumns).toBe(1);
      expect(report.driftedShare).toBe(1);
      expect(report.datasetDrift).toBe(true);
    }
  });
});

describe('defect 4: one method-selection rule on non-null counts, the same for tables and profiles', () => {
  it('a 4-value numeric column gets the same method as a table and as a profile', () => {
    const r = rng(3);
    const ref = tableFromArrays({ v: Float64Array.from({ length: 5000 }, () => Math.floor(r() * 4)) });
    const cur = tableFromArrays({ v: Float64Array.from({ length: 5000 }, () => Math.floor(r() * 4)) });
    const t = compare(ref, cur).columns[0]!;
    const p = compare(profile(ref), profile(cur)).columns[0]!;
    expect(t.method).toBe('jensen_shannon');
    expect(p.method).toBe('jensen_shannon');
    expect(p.columnType).toBe('categorical');
    // Per-value counts come from the KLL sketch (compacted at 5,000 rows): close, marked estimate.
    expect(p.estimate).toBe(true);
    expect(Math.abs(p.statistic - t.statistic)).toBeLessThan(0.01);
  });

  it('nulls do not count toward the size rule', () => {
    const values = normals(1500, 0, 1, 4);
    const withNulls = vectorFromArray(Array.from(values, (v, i) => (i < 600 ? null : v)), new Float64());
    const ref = new Table({ x: withNulls });
    const cur = tableFromArrays({ x: normals(900, 0, 1, 5) });
    expect(compare(ref, cur).columns[0]!.method).toBe('ks');
    expect(compare(profile(ref), profile(cur)).columns[0]!.method).toBe('ks');
  });
});

describe('defect 5: minRows', () => {
  it('3 current rows against 5,000 reference rows is insufficient_data, not drift', () => {
    const ref = tableFromArrays({ x: normals(5000, 0, 1, 1) });
    const cur = tableFromArrays({ x: Float64Array.of(10, 11, 12) });
    const report = compare(ref, cur);
    expect(report.columns[0]).toMatchObject({ status: 'insufficient_data', drifted: false });
    expect(report.datasetDrift).toBe(false);
    expect(compare(ref, cur, { minRows: 3 }).columns[0]).toMatchObject({ status: 'ok', drifted: true });
  });
});

describe('defect 6: finish() returns an immutable snapshot', () => {
  it('a snapshot does not change when more rows are added', () => {
    const b = createProfileBuilder();
    b.add(tableFromArrays({ x: normals(100, 0, 1, 1), s: Array.from({ length: 100 }, (_, i) => `k${i % 7}`) }));
    const snap = b.finish();
    const bytes = serializeProfile(snap);
    b.add(tableFromArrays({ x: normals(5000, 3, 1, 2), s: Array.from({ length: 5000 }, () => 'new') }));
    expect(serializeProfile(snap)).toEqual(bytes);
    expect(snap.rowCount).toBe(100);
    expect(Object.isFrozen(snap)).toBe(true);
    expect(b.finish().rowCount).toBe(5100);
  });
});

describe('defect 7: column types come from the first batch that has values, not from all-null batches', () => {
  it('an all-null 1-row batch inferred as Float64 then string batches', () => {
    const b = createProfileBuilder();
    b.add(new Table({ s: vectorFromArray([null], new Float64()) }));
    b.add(new Table({ s: vectorFromArray(['a', 'b', null], new Utf8()) }));
    b.add(new Table({ s: vectorFromArray([null]) }));
    const col = b.finish().columns.get('s')!;
    expect(col.kind).toBe('categorical');
    expect(col).toMatchObject({ count: 2, nulls: 3 });
  });
});
