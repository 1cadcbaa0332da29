import { InvalidArgumentError } from '@mlops/contracts';
import { insufficientDistance, okDistance } from './internal/result.js';
import type { NumericSample, SortedSample } from './samples.js';
import { toSortedSample } from './samples.js';
import type { TwoSampleResult } from './types.js';

/** Options for {@link psi}. */
export interface PsiOptions {
  /** Number of bins. Default 10. */
  bins?: number;
  /**
   * How bin edges are placed, always from the reference: `quantile` (default) puts edges at the
   * reference quantiles (linear interpolation, numpy's default), `equal-width` splits
   * [min, max] of the reference evenly.
   */
  binning?: 'quantile' | 'equal-width';
}

/** Smallest share a bin can have in the PSI formula: empty bins are clamped to this. */
export const PSI_EMPTY_BIN_SHARE = 1e-4;

/** The PSI result: the usual fields plus the edges and per-bin shares. */
export interface PsiResult extends TwoSampleResult {
  /** Interior bin edges (bins - 1 of them); the outer bins are open-ended. */
  readonly edges: readonly number[];
  /** Reference share per bin (before clamping). */
  readonly referenceShares: readonly number[];
  /** Current share per bin (before clamping). */
  readonly currentShares: readonly number[];
}

/** numpy.quantile(sorted, q) with the default linear method, reproduced operation for operation. */
export function quantileSorted(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  const index = (n - 1) * q;
  const lo = Math.floor(index);
  const gamma = index - lo;
  const a = sorted[Math.min(Math.max(lo, 0), n - 1)]!;
  const b = sorted[Math.min(lo + 1, n - 1)]!;
  const diff = b - a;
  return gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma;
}

/** Interior edges for `bins` bins from a sorted reference. */
export function psiEdges(sortedReference: Float64Array, bins: number, binning: 'quantile' | 'equal-width'): number[] {
  const edges: number[] = [];
  const step = 1 / bins;
  if (binning === 'quantile') {
    for (let i = 1; i < bins; i++) edges.push(quantileSorted(sortedReference, i * step));
  } else {
    const lo = sortedReference[0]!;
    const hi = sortedReference[sortedReference.length - 1]!;
    const width = (hi - lo) / bins;
    for (let i = 1; i < bins; i++) edges.push(i * width + lo);
  }
  return edges;
}

/** Counts of a sorted sample per bin: bin b holds edges[b-1] <= v < edges[b]. */
export function binCountsSorted(sorted: Float64Array, edges: readonly number[]): Float64Array {
  const counts = new Float64Array(edges.length + 1);
  let bin = 0;
  for (let i = 0; i < sorted.length; i++) {
    const v = sorted[i]!;
    while (bin < edges.length && v >= edges[bin]!) bin++;
    counts[bin]!++;
  }
  return counts;
}

/** PSI from per-bin counts: Σ (c - r) ln(c / r) over shares, empty shares clamped to 1e-4. */
export function psiFromCounts(referenceCounts: ArrayLike<number>, currentCounts: ArrayLike<number>): number {
  let nr = 0;
  let nc = 0;
  for (let i = 0; i < referenceCounts.length; i++) {
    nr += referenceCounts[i]!;
    nc += currentCounts[i]!;
  }
  let sum = 0;
  for (let i = 0; i < referenceCounts.length; i++) {
    const r = referenceCounts[i]! === 0 ? PSI_EMPTY_BIN_SHARE : referenceCounts[i]! / nr;
    const c = currentCounts[i]! === 0 ? PSI_EMPTY_BIN_SHARE : currentCounts[i]! / nc;
    sum += (c - r) * Math.log(c / r);
  }
  return sum;
}

function checkBins(bins: number): void {
  if (!Number.isInteger(bins) || bins < 2 || bins > 10000) {
    throw new InvalidArgumentError(`Expected psi option "bins" to be an integer between 2 and 10000, found ${bins}. The usual choice is 10.`);
  }
}

/** PSI on sorted samples. */
export function psiSorted(x: SortedSample, y: SortedSample, options: PsiOptions = {}): PsiResult {
  const bins = options.bins ?? 10;
  const binning = options.binning ?? 'quantile';
  checkBins(bins);
  if (binning !== 'quantile' && binning !== 'equal-width') {
    throw new InvalidArgumentError(`Expected psi option "binning" to be 'quantile' or 'equal-width', found ${JSON.stringify(binning)}.`);
  }
  if (x.values.length === 0 || y.values.length === 0) {
    return { ...insufficientDistance(x, y, `PSI needs values on both sides; found ${x.values.length} reference and ${y.values.length} current values.`), edges: [], referenceShares: [], currentShares: [] };
  }
  const edges = psiEdges(x.values, bins, binning);
  const rc = binCountsSorted(x.values, edges);
  const cc = binCountsSorted(y.values, edges);
  const value = psiFromCounts(rc, cc);
  return {
    ...okDistance(value, x, y),
    edges,
    referenceShares: Array.from(rc, (c) => c / x.values.length),
    currentShares: Array.from(cc, (c) => c / y.values.length),
  };
}

/**
 * Population Stability Index: Σ over bins of (c - r) · ln(c / r), where r and c are the
 * reference and current shares of each bin.
 *
 * Binning rule: edges come from the reference only. With `binning: 'quantile'` (default) the
 * bins - 1 interior edges are the reference quantiles at 1/bins, 2/bins, ... (linear
 * interpolation, numpy's default); with `equal-width` they split [min, max] of the reference
 * evenly. The outer bins are open-ended, so current values outside the reference range still
 * count. A value equal to an edge belongs to the bin above it. A bin with no values gets share
 * 1e-4 ({@link PSI_EMPTY_BIN_SHARE}) before the formula, so the result is always finite.
 * An empty side gives `insufficient_data`.
 */
export function psi(reference: NumericSample, current: NumericSample, options: PsiOptions = {}): PsiResult {
  return psiSorted(toSortedSample(reference, 'reference'), toSortedSample(current, 'current'), options);
}
