import { insufficientDistance, okDistance } from './internal/result.js';
import type { NumericSample, SortedSample } from './samples.js';
import { toSortedSample } from './samples.js';
import type { TwoSampleResult } from './types.js';

// ∫ |F_x - F_y|^p dx over the pooled support, in one merge pass over two sorted samples.
function cdfDistanceSorted(xs: Float64Array, ys: Float64Array, power: 1 | 2): number {
  const n1 = xs.length;
  const n2 = ys.length;
  let i = 0;
  let j = 0;
  let sum = 0;
  let prev = NaN;
  let diff = 0;
  while (i < n1 || j < n2) {
    const v = j >= n2 || (i < n1 && xs[i]! <= ys[j]!) ? xs[i]! : ys[j]!;
    if (i + j > 0) {
      const delta = v - prev;
      sum += power === 1 ? Math.abs(diff) * delta : diff * diff * delta;
    }
    while (i < n1 && xs[i]! <= v) i++;
    while (j < n2 && ys[j]! <= v) j++;
    diff = i / n1 - j / n2;
    prev = v;
  }
  return sum;
}

/** Population standard deviation (ddof = 0), two-pass, like numpy's `np.std`. */
export function populationStd(values: Float64Array): number {
  const n = values.length;
  let s = 0;
  for (let i = 0; i < n; i++) s += values[i]!;
  const mean = s / n;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = values[i]! - mean;
    ss += d * d;
  }
  return Math.sqrt(ss / n);
}

/** Options for {@link wassersteinDistance}. */
export interface WassersteinOptions {
  /**
   * Divide by the reference's population standard deviation, floored at 0.001 (Evidently's
   * "normed" Wasserstein, whose default drift threshold is 0.1). Default false.
   */
  normed?: boolean;
}

/** Wasserstein-1 on sorted samples. */
export function wassersteinSorted(x: SortedSample, y: SortedSample, options: WassersteinOptions = {}): TwoSampleResult {
  if (x.values.length === 0 || y.values.length === 0) {
    return insufficientDistance(x, y, `Wasserstein distance needs values on both sides; found ${x.values.length} reference and ${y.values.length} current values.`);
  }
  let w = cdfDistanceSorted(x.values, y.values, 1);
  if (options.normed) w /= Math.max(populationStd(x.values), 0.001);
  return okDistance(w, x, y);
}

/**
 * First Wasserstein (earth mover's) distance between two 1-D samples, as
 * `scipy.stats.wasserstein_distance(reference, current)`; with `{ normed: true }`, divided by
 * max(std(reference), 0.001) as Evidently's `wasserstein` drift method does. Computed in one
 * merge pass over the sorted samples. An empty side gives `insufficient_data` (statistic 0).
 */
export function wassersteinDistance(reference: NumericSample, current: NumericSample, options: WassersteinOptions = {}): TwoSampleResult {
  return wassersteinSorted(toSortedSample(reference, 'reference'), toSortedSample(current, 'current'), options);
}

/** Energy distance on sorted samples. */
export function energyDistanceSorted(x: SortedSample, y: SortedSample): TwoSampleResult {
  if (x.values.length === 0 || y.values.length === 0) {
    return insufficientDistance(x, y, `Energy distance needs values on both sides; found ${x.values.length} reference and ${y.values.length} current values.`);
  }
  return okDistance(Math.SQRT2 * Math.sqrt(cdfDistanceSorted(x.values, y.values, 2)), x, y);
}

/**
 * Energy distance between two 1-D samples, as `scipy.stats.energy_distance`:
 * √2 · (∫ (F_ref - F_cur)² dx)^½. An empty side gives `insufficient_data`.
 */
export function energyDistance(reference: NumericSample, current: NumericSample): TwoSampleResult {
  return energyDistanceSorted(toSortedSample(reference, 'reference'), toSortedSample(current, 'current'));
}
