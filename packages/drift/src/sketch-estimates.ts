import type { KllSketch, SketchCdf } from './kll-sketch.js';
import { kllCdf } from './kll-sketch.js';

/**
 * Normalized rank error bound (99 % confidence) of a KLL sketch with parameter k, from the
 * empirical fit published for Apache DataSketches' KLL (2.296 / k^0.9723); 0 while the sketch
 * has never compacted (it then holds every value exactly).
 */
export function kllRankErrorBound(sketch: KllSketch): number {
  if (sketch.levels.length <= 1) return 0;
  return 2.296 / sketch.k ** 0.9723;
}

/** KS statistic between two weighted step CDFs, in one merge pass. */
export function ksFromCdfs(a: SketchCdf, b: SketchCdf): number {
  let i = 0;
  let j = 0;
  let best = 0;
  const na = a.values.length;
  const nb = b.values.length;
  while (i < na || j < nb) {
    const v = j >= nb || (i < na && a.values[i]! <= b.values[j]!) ? a.values[i]! : b.values[j]!;
    while (i < na && a.values[i]! <= v) i++;
    while (j < nb && b.values[j]! <= v) j++;
    const fa = i ? a.cumulative[i - 1]! / a.total : 0;
    const fb = j ? b.cumulative[j - 1]! / b.total : 0;
    const d = Math.abs(fa - fb);
    if (d > best) best = d;
  }
  return best;
}

/** ∫ |F_a − F_b| dx between two weighted step CDFs (Wasserstein-1 estimate). */
export function wassersteinFromCdfs(a: SketchCdf, b: SketchCdf): number {
  let i = 0;
  let j = 0;
  let sum = 0;
  let prev = NaN;
  let diff = 0;
  const na = a.values.length;
  const nb = b.values.length;
  while (i < na || j < nb) {
    const v = j >= nb || (i < na && a.values[i]! <= b.values[j]!) ? a.values[i]! : b.values[j]!;
    if (i + j > 0) sum += Math.abs(diff) * (v - prev);
    while (i < na && a.values[i]! <= v) i++;
    while (j < nb && b.values[j]! <= v) j++;
    diff = (i ? a.cumulative[i - 1]! / a.total : 0) - (j ? b.cumulative[j - 1]! / b.total : 0);
    prev = v;
  }
  return sum;
}

/** Estimated share of values per bin (edges as in psi()) from a sketch CDF. */
export function sharesFromCdf(cdf: SketchCdf, edges: readonly number[]): number[] {
  const shares: number[] = [];
  let prev = 0;
  let i = 0;
  for (const e of edges) {
    // Weight strictly below the edge: values < e belong to bins below it.
    while (i < cdf.values.length && cdf.values[i]! < e) i++;
    const below = i ? cdf.cumulative[i - 1]! : 0;
    shares.push((below - prev) / cdf.total);
    prev = below;
  }
  shares.push((cdf.total - prev) / cdf.total);
  return shares;
}

export { kllCdf };
