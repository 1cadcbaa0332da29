import { readFileSync } from 'node:fs';
import { expect } from 'vitest';

/** Reference values written by scripts/generate-fixtures.py (scipy 1.10.1, numpy 1.24.2). */
export interface ScipyReference {
  scipy: string;
  numerical: {
    name: string;
    reference: number[];
    current: number[];
    ks: [number, number];
    cvm?: [number, number];
    ad: [number, number] | null;
    wasserstein: number;
    wasserstein_normed: number;
    energy: number;
    psi_quantile_10: number;
    psi_equal_width_10: number;
    psi_quantile_20: number;
  }[];
  kstwo: [number, number, number][];
  chi2: { reference: number[]; current: number[]; statistic: number; pValue: number; dof: number }[];
  vectors: { p: number[]; q: number[]; js2: number; jse: number; kl: number | 'inf'; hellinger: number; tvd: number }[];
  ztest: { reference: [number, number]; current: [number, number]; statistic: number; pValue: number }[];
  adjust: { p: number[]; bonferroni: number[]; holm: number[]; 'benjamini-hochberg': number[] }[];
}

export const reference: ScipyReference = JSON.parse(readFileSync(new URL('./fixtures/scipy-reference.json', import.meta.url), 'utf8')) as ScipyReference;

/** Matches to 1e-9 relative, or 1e-12 absolute for values near 0 (the bar). */
export function expectClose(actual: number, expected: number, label = ''): void {
  const ok = Math.abs(actual - expected) <= Math.max(1e-9 * Math.abs(expected), 1e-12);
  if (!ok) expect.fail(`${label}: expected ${expected}, got ${actual} (diff ${actual - expected})`);
}
