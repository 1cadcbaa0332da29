import { makeVector, Table, tableFromArrays, vectorFromArray, Utf8, Int8, Float32, TimestampMillisecond, Type } from 'apache-arrow';
import { checkTable, driftResultContract } from '@mlops/contracts';
import { describe, expect, it } from 'vitest';
import { chiSquareTest, proportionZTest } from './categorical-tests.js';
import { wassersteinDistance } from './cdf-distances.js';
import { compare } from './compare.js';
import { jensenShannonDistance } from './distribution-distances.js';
import { driftReportToJSON, driftReportToTable } from './drift-report.js';
import { ksTest } from './ks-test.js';
import { mergeProfiles, profile } from './profile.js';
import { binCountsSorted, psiFromCounts } from './psi.js';
import { normals } from '../test/generators.js';

describe('compare() on raw tables', () => {
  it('picks Evidently defaults for small references and matches the standalone tests', () => {
    const ref = tableFromArrays({ x: normals(500, 0, 1, 1), c: Array.from({ length: 500 }, (_, i) => ['a', 'b', 'c'][i % 3]!), flag: Array.from({ length: 500 }, (_, i) => i % 4 === 0) });
    const cur = tableFromArrays({ x: normals(400, 0.4, 1, 2), c: Array.from({ length: 400 }, (_, i) => ['a', 'b', 'c', 'd'][i % 4]!), flag: Array.from({ length: 400 }, (_, i) => i % 2 === 0) });
    const report = compare(ref, cur);
    const byName = Object.fromEntries(report.columns.map((c) => [c.column, c]));
    expect(byName.x!.method).toBe('ks');
    expect(byName.x!.pValue).toBe(ksTest(normals(500, 0, 1, 1), normals(400, 0.4, 1, 2)).pValue);
    expect(byName.x!.drifted).toBe(true);
    expect(byName.c!.method).toBe('chi_square');
    expect(byName.c!.statistic).toBe(chiSquareTest({ a: 167, b: 167, c: 166 }, { a: 100, b: 100, c: 100, d: 100 }).statistic);
    expect(byName.c!.newCategories).toEqual(['d']);
    expect(byName.flag!.method).toBe('z_test');
    expect(Math.abs(byName.flag!.statistic)).toBeCloseTo(Math.abs(proportionZTest({ successes: 125, trials: 500 }, { successes: 200, trials: 400 }).statistic), 12);
    expect(report.driftedColumns).toBe(3);
    expect(report.datasetDrift).toBe(true);
    expect(report.estimate).toBe(false);
  });

  it('uses normed Wasserstein and Jensen–Shannon above 1000 reference rows', () => {
    const cats = (n: number, k: number) => Array.from({ length: n }, (_, i) => `k${i % k}`);
    const ref = tableFromArrays({ x: normals(3000, 0, 2, 3), c: cats(3000, 5) });
    const cur = tableFromArrays({ x: normals(2000, 0.1, 2, 4), c: cats(2000, 6) });
    const report = compare(ref, cur);
    const [x, c] = report.columns;
    expect(x!.method).toBe('wasserstein_normed');
    expect(x!.statistic).toBe(wassersteinDistance(normals(3000, 0, 2, 3), normals(2000, 0.1, 2, 4), { normed: true }).statistic);
    expect(c!.method).toBe('jensen_shannon');
    expect(c!.statistic).toBeCloseTo(jensenShannonDistance([600, 600, 600, 600, 600, 0], [334, 334, 333, 333, 333, 333], { base: Math.E }), 12);
    expect(c!.drifted).toBe(c!.statistic >= 0.1);
  });

  it('treats low-cardinality numbers as categorical, reads every numeric width and timestamps', () => {
    const ref = new Table({
      small: makeVector(Int8Array.from({ length: 300 }, (_, i) => i % 3)),
      f32: makeVector(Float32Array.from(normals(300, 0, 1, 5))),
      ts: vectorFromArray(Array.from({ length: 300 }, (_, i) => 1_700_000_000_000 + i * 1000), new TimestampMillisecond()),
    });
    const cur = new Table({
      small: makeVector(Int8Array.from({ length: 300 }, (_, i) => (i % 5 === 0 ? 0 : i % 3))),
      f32: makeVector(Float32Array.from(normals(300, 0, 1, 6))),
      ts: vectorFromArray(Array.from({ length: 300 }, (_, i) => 1_700_000_100_000 + i * 1000), new TimestampMillisecond()),
    });
    const report = compare(ref, cur);
    const byName = Object.fromEntries(report.columns.map((c) => [c.column, c]));
    expect(byName.small).toMatchObject({ columnType: 'categorical', method: 'chi_square' });
    expect(byName.f32).toMatchObject({ columnType: 'numerical', method: 'ks' });
    expect(byName.ts).toMatchObject({ columnType: 'numerical', method: 'ks', drifted: true });
    void Int8;
    void Float32;
  });

  it('reports a type mismatch per column instead of throwing', () => {
    const ref = tableFromArrays({ a: Float64Array.from([1, 2, 3, 4, 5, 6, 7]), b: ['x', 'y', 'x', 'y', 'x', 'y', 'x'] });
    const cur = new Table({ a: vectorFromArray(['1', '2', '3'], new Utf8()), b: vectorFromArray(['x', 'y', 'y'], new Utf8()) });
    const report = compare(ref, cur, { minRows: 1 });
    expect(report.problems).toEqual([expect.objectContaining({ column: 'a', problem: 'type_mismatch' })]);
    expect(report.columns.map((c) => c.column)).toEqual(['b']);
  });

  it('applies overrides, thresholds and p-value corrections', () => {
    const ref = tableFromArrays({ x: normals(800, 0, 1, 7), y: normals(800, 0, 1, 8) });
    const cur = tableFromArrays({ x: normals(800, 0.12, 1, 9), y: normals(800, 0, 1, 10) });
    const plain = compare(ref, cur, { perColumn: { y: { method: 'psi', threshold: 0.2 } } });
    expect(plain.columns[1]).toMatchObject({ method: 'psi', threshold: 0.2, pValue: null });
    const corrected = compare(ref, cur, { correction: 'bonferroni', numericalMethod: 'cramer_von_mises' });
    for (const c of corrected.columns) expect(c.pValue).toBeCloseTo(Math.min(1, c.rawPValue! * 2), 14);
    expect(() => compare(ref, cur, { numericalMethod: 'bogus' as 'ks' })).toThrowError(/one of ks/);
    expect(() => compare(ref, {} as Table)).toThrowError(/Arrow Table\/RecordBatch or a Profile/);
  });

  it('produces a DriftResult-contract Arrow table and a JSON view', () => {
    const ref = tableFromArrays({ x: normals(200, 0, 1, 11), c: Array.from({ length: 200 }, (_, i) => (i % 2 ? 'a' : 'b')) });
    const cur = tableFromArrays({ x: normals(200, 1, 1, 12), c: Array.from({ length: 200 }, (_, i) => (i % 3 ? 'a' : 'b')) });
    const report = compare(ref, cur, { numericalMethod: 'wasserstein' });
    const table = driftReportToTable(report);
    expect(table.schema.fields.map((f) => [f.name, f.typeId])).toEqual([
      ['column', Type.Utf8], ['method', Type.Utf8], ['statistic', Type.Float], ['p_value', Type.Float], ['threshold', Type.Float],
      ['drifted', Type.Bool], ['reference_size', Type.Int], ['current_size', Type.Int], ['estimate', Type.Bool], ['status', Type.Utf8],
    ]);
    expect(table.numRows).toBe(2);
    expect(checkTable(table, driftResultContract, { strict: true }).problems).toEqual([]);
    expect(table.getChild('p_value')!.get(0)).toBeNull();
    expect(table.getChild('reference_size')!.get(0)).toBe(200n);
    const json = driftReportToJSON(report);
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
    expect(json.columns[0]).toMatchObject({ column: 'x', method: 'wasserstein', p_value: null, drifted: true });
  });
});

describe('compare() on profiles', () => {
  it('estimates KS within 0.01 of the exact value on 1M-row samples, and PSI from fixed-edge histograms is exact', () => {
    const n = 1_000_000;
    const refX = normals(n, 0, 1, 21);
    const curX = normals(n, 0.03, 1.05, 22);
    const edges = [-2, -1, -0.5, 0, 0.5, 1, 2];
    const refTable = tableFromArrays({ x: refX });
    const curTable = tableFromArrays({ x: curX });
    // Build the reference profile from 4 shards, as a partitioned job would.
    const shards = [0, 1, 2, 3].map((k) => profile(tableFromArrays({ x: refX.subarray((k * n) / 4, ((k + 1) * n) / 4) }), { histogramEdges: { x: edges } }));
    const refProfile = mergeProfiles(...shards);
    const curProfile = profile(curTable, { histogramEdges: { x: edges } });
    const exact = compare(refTable, curTable, { numericalMethod: 'ks' }).columns[0]!;
    const est = compare(refProfile, curProfile, { numericalMethod: 'ks' }).columns[0]!;
    expect(est.estimate).toBe(true);
    expect(est.errorBound).toBeGreaterThan(0);
    expect(Math.abs(est.statistic - exact.statistic)).toBeLessThanOrEqual(0.01);
    expect(Math.abs(est.statistic - exact.statistic)).toBeLessThanOrEqual(est.errorBound!);
    const psiProfiles = compare(refProfile, curProfile, { numericalMethod: 'psi' }).columns[0]!;
    const rs = Float64Array.from(refX).sort();
    const cs = Float64Array.from(curX).sort();
    expect(psiProfiles.estimate).toBe(false);
    expect(psiProfiles.statistic).toBe(psiFromCounts(binCountsSorted(rs, edges), binCountsSorted(cs, edges)));
    // Mixed: a table against a profile profiles the table with the same edges.
    const mixed = compare(refProfile, curTable, { numericalMethod: 'psi' }).columns[0]!;
    expect(mixed.statistic).toBe(psiProfiles.statistic);
    const w = compare(refProfile, curProfile).columns[0]!;
    expect(w.method).toBe('wasserstein_normed');
    expect(Math.abs(w.statistic - compare(refTable, curTable).columns[0]!.statistic)).toBeLessThan(0.01);
  });

  it('compares categorical profiles exactly while counts are exact, and reports unsupported methods', () => {
    const a = profile(tableFromArrays({ c: ['a', 'b', 'a', 'a', 'c'], x: Float64Array.from([1, 2, 3, 4, 5]) }));
    const b = profile(tableFromArrays({ c: ['a', 'b', 'b', 'b', 'd'], x: Float64Array.from([2, 3, 4, 5, 6]) }));
    // Uncompacted sketches hold the raw values, so even Anderson–Darling runs exactly on them.
    expect(compare(a, b, { numericalMethod: 'anderson_darling', minRows: 1 }).columns[1]).toMatchObject({ column: 'x', method: 'anderson_darling', estimate: false });
    const big = (shift: number): ReturnType<typeof profile> => profile(tableFromArrays({ c: Array.from({ length: 5000 }, (_, i) => 'abcd'[i % 4]!), x: normals(5000, shift, 1, 3) }));
    const bigResult = compare(big(0), big(1), { numericalMethod: 'anderson_darling', categoricalMethod: 'chi_square' });
    const r = compare(a, b, { minRows: 1 });
    expect(r.columns[0]).toMatchObject({ column: 'c', method: 'chi_square', estimate: false, newCategories: ['d'] });
    expect(r.columns[0]!.statistic).toBe(chiSquareTest({ a: 3, b: 1, c: 1 }, { a: 1, b: 3, d: 1 }).statistic);
    expect(bigResult.problems).toEqual([expect.objectContaining({ column: 'x', problem: 'unsupported_method' })]);
  });
});
