import { MlopsError } from '@mlops/contracts';
import { tableFromArrays, vectorFromArray, Table, Dictionary, Utf8, Utf8View, Int32, makeVector, RecordBatchReader, tableToIPC } from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createKllSketch, kllCdf, kllRank, kllSamplingLevel, kllUpdate } from './kll-sketch.js';
import { hllEstimate } from './hyperloglog.js';
import type { NumericColumnProfile, CategoricalColumnProfile, Profile } from './profile.js';
import { mergeProfiles, profile, createProfileBuilder, profileBatches } from './profile.js';
import { deserializeProfile, serializeProfile } from './serialize-profile.js';
import { kllRankErrorBound } from './sketch-estimates.js';

const EDGES = [-1, 0, 0.5, 2];

function tableOf(xs: number[], cats: string[]): Table {
  return new Table({ x: makeVector(Float64Array.from(xs)), c: vectorFromArray(cats, new Utf8()) });
}

function num(p: Profile, name = 'x'): NumericColumnProfile {
  return p.columns.get(name) as NumericColumnProfile;
}

const shard = fc.record({
  xs: fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { maxLength: 200 }),
  cats: fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'é'), { maxLength: 200 }),
});

describe('mergeProfiles equals the profile of the concatenation', () => {
  it('exactly for counts, min/max, histograms and category counts; to 1e-9 for moments (fast-check)', () => {
    fc.assert(
      fc.property(fc.array(shard, { minLength: 1, maxLength: 5 }), (shards) => {
        const parts = shards.map((s) => {
          const n = Math.min(s.xs.length, s.cats.length);
          return profile(tableOf(s.xs.slice(0, n), s.cats.slice(0, n)), { histogramEdges: { x: EDGES } });
        });
        const allX = shards.flatMap((s) => s.xs.slice(0, Math.min(s.xs.length, s.cats.length)));
        const allC = shards.flatMap((s) => s.cats.slice(0, Math.min(s.xs.length, s.cats.length)));
        const whole = profile(tableOf(allX, allC), { histogramEdges: { x: EDGES } });
        const merged = mergeProfiles(...parts);
        expect(merged.rowCount).toBe(whole.rowCount);
        const a = num(merged);
        const b = num(whole);
        expect([a.count, a.nulls, a.nans, a.infinities, a.min, a.max]).toEqual([b.count, b.nulls, b.nans, b.infinities, b.min, b.max]);
        expect(a.histogram!.counts).toEqual(b.histogram!.counts);
        expect(Math.abs(a.mean - b.mean)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(b.mean)));
        expect(Math.abs(a.m2 - b.m2)).toBeLessThanOrEqual(1e-9 * Math.max(1, b.m2));
        expect(a.sketch.n).toBe(b.sketch.n);
        expect(Array.from(a.distinct.registers)).toEqual(Array.from(b.distinct.registers));
        const ca = merged.columns.get('c') as CategoricalColumnProfile;
        const cb = whole.columns.get('c') as CategoricalColumnProfile;
        expect(new Map([...ca.counts].sort())).toEqual(new Map([...cb.counts].sort()));
      }),
      { numRuns: 60 },
    );
  });

  it('keeps the sketch rank error within its bound on 200k values merged from 7 shards', () => {
    const n = 200_000;
    const all = new Float64Array(n);
    let s = 7;
    for (let i = 0; i < n; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      all[i] = Math.log(1 + s / 4294967296) * 1000;
    }
    const sketches = [0, 1, 2, 3, 4, 5, 6].map((k) => {
      const sk = createKllSketch();
      kllUpdate(sk, all.subarray((k * n) / 7, ((k + 1) * n) / 7));
      return sk;
    });
    const merged = mergeProfiles(
      ...sketches.map((sketch): Profile => ({ format: 'mlops-drift-profile', rowCount: sketch.n, columns: new Map([['x', { ...num(profile(tableOf([], []))), sketch, count: sketch.n }]]) })),
    );
    const sketch = num(merged).sketch;
    const sorted = Float64Array.from(all).sort();
    const bound = kllRankErrorBound(sketch);
    expect(bound).toBeGreaterThan(0);
    let worst = 0;
    for (let q = 0.01; q < 1; q += 0.01) {
      const v = sorted[Math.floor(q * n)]!;
      let hi = 0;
      while (hi < n && sorted[hi]! <= v) hi++;
      worst = Math.max(worst, Math.abs(kllRank(sketch, v) - hi / n));
    }
    expect(worst).toBeLessThanOrEqual(bound);
    expect(kllCdf(sketch).total).toBe(n);
  });
});

describe('KLL sampler for large streams', () => {
  it('samples once n is large and keeps the rank error within its bound on 2.5M values in odd-sized batches, sorted input included', () => {
    const n = 2_500_000;
    expect(kllSamplingLevel(1024, 100_000)).toBe(0);
    expect(kllSamplingLevel(1024, n)).toBeGreaterThan(0);
    const all = new Float64Array(n);
    let s = 11;
    for (let i = 0; i < n; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      all[i] = Math.tan((s / 4294967296 - 0.5) * 3);
    }
    const sorted = Float64Array.from(all).sort();
    // Odd batch sizes exercise the remainder blocks that go to the levels below the sampling level.
    for (const input of [all, sorted]) {
      const sketch = createKllSketch();
      for (let i = 0; i < n; i += 65_537) kllUpdate(sketch, input.subarray(i, Math.min(n, i + 65_537)));
      expect(sketch.n).toBe(n);
      expect(kllCdf(sketch).total).toBe(n);
      let worst = 0;
      for (let q = 0.005; q < 1; q += 0.005) {
        const v = sorted[Math.floor(q * n)]!;
        let lo = 0;
        let hi = n;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (sorted[mid]! <= v) lo = mid + 1;
          else hi = mid;
        }
        worst = Math.max(worst, Math.abs(kllRank(sketch, v) - lo / n));
      }
      expect(worst).toBeLessThanOrEqual(kllRankErrorBound(sketch));
    }
  });
});

describe('profile()', () => {
  it('profiles Utf8View string columns as categorical (read with the @mlops/contracts readers)', () => {
    const p = profile(new Table({ c: vectorFromArray(['a', 'b', null, 'a'], new Utf8View()) }));
    const c = p.columns.get('c') as CategoricalColumnProfile;
    expect(c.kind).toBe('categorical');
    expect(c.nulls).toBe(1);
    expect([...c.counts]).toEqual([['a', 2], ['b', 1]]);
  });

  it('counts nulls, NaN and infinities separately, and reads ints, dictionaries and booleans', () => {
    const t = new Table({
      f: vectorFromArray([1.5, null, NaN, Infinity, -2, 3], undefined),
      i: makeVector(Int32Array.from([1, 2, 3, 4, 5, 6])),
      d: vectorFromArray(['x', 'y', 'x', null, 'x', 'z'], new Dictionary(new Utf8(), new Int32())),
      b: vectorFromArray([true, false, true, null, true, true]),
    });
    const p = profile(t);
    const f = num(p, 'f');
    expect([f.count, f.nulls, f.nans, f.infinities, f.min, f.max]).toEqual([3, 1, 1, 1, -2, 3]);
    expect(f.mean).toBeCloseTo(2.5 / 3, 12);
    expect(num(p, 'i').m2 / 6).toBeCloseTo(35 / 12, 12);
    const d = p.columns.get('d') as CategoricalColumnProfile;
    expect(d.counts).toEqual(new Map([['x', 3], ['y', 1], ['z', 1]]));
    expect(d.nulls).toBe(1);
    expect((p.columns.get('b') as CategoricalColumnProfile).counts).toEqual(new Map([['true', 4], ['false', 1]]));
    expect(hllEstimate(d.distinct)).toBe(3);
  });

  it('profiles an Arrow IPC stream batch by batch to the same result as the whole table', async () => {
    const xs = Float64Array.from({ length: 30000 }, (_, i) => Math.sin(i) * 10);
    const cats = Array.from({ length: 30000 }, (_, i) => `c${i % 7}`);
    const whole = tableOf(Array.from(xs), cats);
    const batched = new Table([...whole.slice(0, 10000).batches, ...whole.slice(10000, 25000).batches, ...whole.slice(25000).batches]);
    const streamed = await profileBatches(RecordBatchReader.from(tableToIPC(batched, 'stream')), { histogramEdges: { x: EDGES } });
    const direct = profile(whole, { histogramEdges: { x: EDGES } });
    expect(streamed.rowCount).toBe(30000);
    expect(num(streamed).histogram!.counts).toEqual(num(direct).histogram!.counts);
    expect([num(streamed).min, num(streamed).max, num(streamed).count]).toEqual([num(direct).min, num(direct).max, num(direct).count]);
    expect(num(streamed).mean).toBeCloseTo(num(direct).mean, 12);
    expect((streamed.columns.get('c') as CategoricalColumnProfile).counts).toEqual((direct.columns.get('c') as CategoricalColumnProfile).counts);
  });

  it('switches to heavy hitters above the category cap with a bounded undercount', () => {
    const cats = Array.from({ length: 5000 }, (_, i) => (i % 3 === 0 ? 'hot' : `cold-${i}`));
    const p = profile(tableFromArrays({ c: cats }), { categoryCap: 50 });
    const c = p.columns.get('c') as CategoricalColumnProfile;
    expect(c.exact).toBe(false);
    expect(c.counts.size).toBeLessThanOrEqual(50);
    const hot = c.counts.get('hot')!;
    expect(hot).toBeLessThanOrEqual(1667);
    expect(hot + c.maxUndercount).toBeGreaterThanOrEqual(1667);
    expect(Math.abs(hllEstimate(c.distinct) - 3334) / 3334).toBeLessThan(0.05);
  });

  it('rejects bad options and schema changes with coded errors', () => {
    expect(() => profile(tableOf([1], ['a']), { histogramEdges: { x: [1, 1] } })).toThrowError(/strictly increasing/);
    expect(() => profile(tableOf([1], ['a']), { columns: ['nope'] })).toThrowError(/not in the table/);
    const b = createProfileBuilder();
    b.add(tableOf([1], ['a']));
    try {
      b.add(tableFromArrays({ x: ['now a string'] }));
      expect.unreachable();
    } catch (e) {
      expect(MlopsError.isInstance(e, 'SCHEMA_MISMATCH')).toBe(true);
    }
    expect(() => mergeProfiles(profile(tableOf([1], ['a']), { histogramEdges: { x: [0] } }), profile(tableOf([1], ['a'])))).toThrowError(/histogram edges/);
  });
});

describe('serializeProfile / deserializeProfile', () => {
  const p = mergeProfiles(profile(tableOf([1, 2, 3, 4.5], ['a', 'b', 'a', 'c']), { histogramEdges: { x: EDGES } }));

  it('round-trips every field', () => {
    const back = deserializeProfile(serializeProfile(p));
    expect(back.rowCount).toBe(4);
    expect(num(back)).toEqual(num(p));
    expect(back.columns.get('c')).toEqual(p.columns.get('c'));
  });

  it('stays under 64 KB per numeric column at 2M rows', () => {
    const n = 2_000_000;
    const xs = new Float64Array(n);
    for (let i = 0; i < n; i++) xs[i] = Math.sin(i) * 1000 + i / 1000;
    const big = profile(tableFromArrays({ x: xs }));
    const bytes = serializeProfile(big);
    expect(bytes.length).toBeLessThan(64 * 1024);
    expect(num(deserializeProfile(bytes)).sketch.n).toBe(n);
  });

  it('throws DATA_CORRUPTED for foreign, truncated or altered bytes and UNSUPPORTED for a newer version', () => {
    const bytes = serializeProfile(p);
    const codeOf = (b: Uint8Array): string => {
      try {
        deserializeProfile(b);
        return 'none';
      } catch (e) {
        return MlopsError.isInstance(e) ? e.code : 'plain';
      }
    };
    expect(codeOf(new TextEncoder().encode('{"rowCount": 1, "columns": []} plus padding'))).toBe('DATA_CORRUPTED');
    expect(codeOf(bytes.subarray(0, bytes.length - 10))).toBe('DATA_CORRUPTED');
    expect(codeOf(new Uint8Array(4))).toBe('DATA_CORRUPTED');
    const flipped = bytes.slice();
    flipped[40]! ^= 0xff;
    expect(codeOf(flipped)).toBe('DATA_CORRUPTED');
    const newer = bytes.slice();
    newer[4] = 99;
    expect(codeOf(newer)).toBe('UNSUPPORTED');
    expect(() => serializeProfile({} as Profile)).toThrowError(/Expected a Profile/);
  });
});
