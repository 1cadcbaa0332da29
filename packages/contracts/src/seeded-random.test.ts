import { describe, expect, it } from 'vitest';
import { seededRandom } from './seeded-random.js';

describe('seededRandom', () => {
  it('reproduces the published mulberry32 sequence', () => {
    // Reference: the original mulberry32 (Tommy Ettinger), seed 42, written independently here.
    const reference = (seed: number): (() => number) => {
      let a = seed | 0;
      return () => {
        a = (a + 0x6d2b79f5) | 0;
        let t = Math.imul(a ^ (a >>> 15), 1 | a);
        t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
      };
    };
    const ours = seededRandom(42);
    const theirs = reference(42);
    for (let i = 0; i < 10_000; i++) expect(ours()).toBe(theirs());
  });

  it('is deterministic per seed, differs across seeds, and stays in [0, 1) with a uniform mean', () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    const c = seededRandom(8);
    let sum = 0;
    let differs = 0;
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      const x = a();
      expect(b()).toBe(x);
      if (c() !== x) differs++;
      expect(x >= 0 && x < 1).toBe(true);
      sum += x;
    }
    expect(differs).toBeGreaterThan(n - 10);
    expect(Math.abs(sum / n - 0.5)).toBeLessThan(0.005);
  });
});
