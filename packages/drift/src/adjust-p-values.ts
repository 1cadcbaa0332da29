import { InvalidArgumentError } from '@mlops/contracts';

/** A multiple-testing correction: family-wise (`bonferroni`, `holm`) or false discovery rate (`benjamini-hochberg`). */
export type PValueCorrection = 'bonferroni' | 'holm' | 'benjamini-hochberg';

/**
 * Adjusts p-values for multiple comparisons; returns adjusted p-values in the input order, each
 * capped at 1 (same values as R's `p.adjust` and statsmodels' `multipletests`).
 * - `bonferroni`: min(1, m·p).
 * - `holm`: step-down, min(1, max_{j<=i} (m − j + 1)·p_(j)).
 * - `benjamini-hochberg`: step-up, min_{j>=i} m·p_(j)/j.
 */
export function adjustPValues(pValues: readonly number[] | Float64Array, method: PValueCorrection): number[] {
  const m = pValues.length;
  for (let i = 0; i < m; i++) {
    const p = pValues[i]!;
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new InvalidArgumentError(`Expected pValues[${i}] to be a number in [0, 1], found ${String(p)}.`);
  }
  if (m === 0) return [];
  if (method === 'bonferroni') return Array.from(pValues, (p) => Math.min(1, p * m));
  const order = Array.from({ length: m }, (_, i) => i).sort((a, b) => pValues[a]! - pValues[b]! || a - b);
  const out = new Array<number>(m);
  if (method === 'holm') {
    let running = 0;
    for (let rank = 0; rank < m; rank++) {
      const i = order[rank]!;
      running = Math.max(running, Math.min(1, (m - rank) * pValues[i]!));
      out[i] = running;
    }
    return out;
  }
  if (method === 'benjamini-hochberg') {
    let running = 1;
    for (let rank = m - 1; rank >= 0; rank--) {
      const i = order[rank]!;
      running = Math.min(running, (m * pValues[i]!) / (rank + 1));
      out[i] = running;
    }
    return out;
  }
  throw new InvalidArgumentError(`Expected a correction method 'bonferroni', 'holm' or 'benjamini-hochberg', found ${JSON.stringify(method)}.`);
}
