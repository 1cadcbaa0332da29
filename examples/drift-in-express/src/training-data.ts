import { tableFromArrays } from 'apache-arrow';
import type { Table } from 'apache-arrow';

/** One prediction request's features. */
export interface Features {
  /** Age in years (until the product change: then months). */
  age: number;
  /** Yearly income, thousands. */
  income: number;
  /** Subscription plan. */
  plan: string;
}

/** A seeded generator (mulberry32) so the example prints the same numbers every run. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Draws `n` requests; `ageUnit: 'months'` is the product change that silently rescaled age. */
export function drawFeatures(n: number, seed: number, ageUnit: 'years' | 'months' = 'years'): Features[] {
  const r = seeded(seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  return Array.from({ length: n }, () => {
    const years = Math.min(90, Math.max(18, 41 + 12 * normal()));
    return { age: ageUnit === 'years' ? years : years * 12, income: Math.max(5, 58 + 20 * normal()), plan: ['free', 'pro', 'team'][r() < 0.6 ? 0 : r() < 0.75 ? 1 : 2]! };
  });
}

/** The training set the model was fitted on: the monitor's reference. */
export function trainingTable(): Table {
  const rows = drawFeatures(5000, 7);
  return tableFromArrays({ age: Float64Array.from(rows, (x) => x.age), income: Float64Array.from(rows, (x) => x.income), plan: rows.map((x) => x.plan) });
}
