import { insufficientTest, okResult } from './internal/result.js';
import type { NumericSample, SortedSample } from './samples.js';
import { toSortedSample } from './samples.js';
import type { TwoSampleTestResult } from './types.js';

// Scholz & Stephens (1987) Table 2 interpolation coefficients and their significance levels.
const B0 = [0.675, 1.281, 1.645, 1.96, 2.326, 2.573, 3.085];
const B1 = [-0.245, 0.25, 0.678, 1.149, 1.822, 2.364, 3.615];
const B2 = [-0.105, -0.305, -0.362, -0.391, -0.396, -0.345, -0.154];
const SIG = [0.25, 0.1, 0.05, 0.025, 0.01, 0.005, 0.001];

/** Lower cap of the Anderson–Darling p-value (scipy's table ends there). */
export const ANDERSON_DARLING_P_MIN = 0.001;
/** Upper cap of the Anderson–Darling p-value. */
export const ANDERSON_DARLING_P_MAX = 0.25;

// Least-squares quadratic through (x_i, y_i) by Householder QR on the column-scaled Vandermonde
// matrix, the same problem numpy.polyfit(x, y, 2) solves. Returns [c2, c1, c0].
function quadraticFit(x: readonly number[], y: readonly number[]): [number, number, number] {
  const rows = x.length;
  const A: number[][] = x.map((v) => [v * v, v, 1]);
  const scale = [0, 1, 2].map((c) => Math.sqrt(A.reduce((s, r) => s + r[c]! * r[c]!, 0)));
  for (const r of A) for (let c = 0; c < 3; c++) r[c]! /= scale[c]!;
  const b = [...y];
  for (let c = 0; c < 3; c++) {
    let norm = 0;
    for (let r = c; r < rows; r++) norm += A[r]![c]! ** 2;
    norm = Math.sqrt(norm);
    const alpha = A[c]![c]! > 0 ? -norm : norm;
    const v = new Array<number>(rows).fill(0);
    for (let r = c; r < rows; r++) v[r] = A[r]![c]!;
    v[c]! -= alpha;
    const vnorm2 = v.reduce((s, e) => s + e * e, 0);
    if (vnorm2 === 0) continue;
    for (let cc = c; cc < 3; cc++) {
      let dot = 0;
      for (let r = c; r < rows; r++) dot += v[r]! * A[r]![cc]!;
      const f = (2 * dot) / vnorm2;
      for (let r = c; r < rows; r++) A[r]![cc]! -= f * v[r]!;
    }
    let dot = 0;
    for (let r = c; r < rows; r++) dot += v[r]! * b[r]!;
    const f = (2 * dot) / vnorm2;
    for (let r = c; r < rows; r++) b[r]! -= f * v[r]!;
  }
  const coef = [0, 0, 0];
  for (let c = 2; c >= 0; c--) {
    let s = b[c]!;
    for (let cc = c + 1; cc < 3; cc++) s -= A[c]![cc]! * coef[cc]!;
    coef[c] = s / A[c]![c]!;
  }
  return [coef[0]! / scale[0]!, coef[1]! / scale[1]!, coef[2]! / scale[2]!];
}

// Two samples: m = k - 1 = 1, so the critical values and the fitted curve are constants.
const CRITICAL = B0.map((b0, i) => b0 + B1[i]! / Math.sqrt(1) + B2[i]! / 1);
const FIT = quadraticFit(CRITICAL, SIG.map(Math.log));
const CRIT_MIN = Math.min(...CRITICAL);
const CRIT_MAX = Math.max(...CRITICAL);

/** AD test on cleaned, sorted samples. */
export function andersonDarlingTestSorted(x: SortedSample, y: SortedSample): TwoSampleTestResult {
  const samples = [x.values, y.values];
  const n = [x.values.length, y.values.length];
  if (n[0] === 0 || n[1] === 0) return insufficientTest(x, y, `Anderson–Darling needs values on both sides; found ${n[0]} reference and ${n[1]} current values.`);
  const N = n[0]! + n[1]!;
  if (N < 4) return insufficientTest(x, y, `Anderson–Darling needs at least 4 values in total (its variance formula divides by N - 3); found ${N}.`);
  // Distinct pooled values z_j with l_j (ties in the pool) and per-sample counts, in one merge pass.
  const xs = samples[0]!;
  const ys = samples[1]!;
  let i = 0;
  let j = 0;
  let below = 0;
  let distinct = 0;
  const sums = [0, 0];
  let allDistinctCheck = true;
  // First pass: count distinct values (to know whether l_j is forced to 1, as scipy does).
  {
    let a = 0;
    let c = 0;
    while (a < n[0]! || c < n[1]!) {
      const v = c >= n[1]! || (a < n[0]! && xs[a]! <= ys[c]!) ? xs[a]! : ys[c]!;
      while (a < n[0]! && xs[a]! === v) a++;
      while (c < n[1]! && ys[c]! === v) c++;
      distinct++;
    }
    allDistinctCheck = distinct === N;
  }
  if (distinct < 2) return insufficientTest(x, y, 'Anderson–Darling needs at least 2 distinct values in the pooled sample; all values are equal.');
  while (i < n[0]! || j < n[1]!) {
    const v = j >= n[1]! || (i < n[0]! && xs[i]! <= ys[j]!) ? xs[i]! : ys[j]!;
    const i0 = i;
    const j0 = j;
    while (i < n[0]! && xs[i]! === v) i++;
    while (j < n[1]! && ys[j]! === v) j++;
    const lj = allDistinctCheck ? 1 : i - i0 + (j - j0);
    const Bj = below + lj / 2;
    const denom = Bj * (N - Bj) - (N * lj) / 4;
    const M0 = i - (i - i0) / 2;
    const M1 = j - (j - j0) / 2;
    sums[0]! += ((lj / N) * (N * M0 - Bj * n[0]!) ** 2) / denom;
    sums[1]! += ((lj / N) * (N * M1 - Bj * n[1]!) ** 2) / denom;
    below += i - i0 + (j - j0);
  }
  let A2kN = sums[0]! / n[0]! + sums[1]! / n[1]!;
  A2kN *= (N - 1) / N;
  const k = 2;
  const H = 1 / n[0]! + 1 / n[1]!;
  // h = Σ_{i=1}^{N-1} 1/i and g = Σ_{i<j} 1/((N-i) j), summed in scipy's order.
  let cum = 0;
  let g = 0;
  for (let t = 0; t < N - 2; t++) {
    cum += 1 / (N - 1 - t);
    g += cum / (t + 2);
  }
  const h = cum + 1;
  const a = (4 * g - 6) * (k - 1) + (10 - 6 * g) * H;
  const b = (2 * g - 4) * k ** 2 + 8 * h * k + (2 * g - 14 * h - 4) * H - 8 * h + 4 * g - 6;
  const c = (6 * h + 2 * g - 2) * k ** 2 + (4 * h - 4 * g + 6) * k + (2 * h - 6) * H + 4 * h;
  const d = (2 * h + 6) * k ** 2 - 4 * h * k;
  const sigmasq = (a * N ** 3 + b * N ** 2 + c * N + d) / ((N - 1) * (N - 2) * (N - 3));
  const A2 = (A2kN - (k - 1)) / Math.sqrt(sigmasq);
  let p: number;
  if (A2 < CRIT_MIN) p = ANDERSON_DARLING_P_MAX;
  else if (A2 > CRIT_MAX) p = ANDERSON_DARLING_P_MIN;
  else p = Math.exp((FIT[0] * A2 + FIT[1]) * A2 + FIT[2]);
  return okResult(A2, p, x, y);
}

/**
 * k-sample Anderson–Darling test for two samples, as `scipy.stats.anderson_ksamp([reference,
 * current])` (scipy 1.10, midrank version, Scholz & Stephens 1987). The statistic is the
 * standardized A2; the p-value is interpolated from Scholz & Stephens' table and therefore
 * **capped to [0.001, 0.25]**: 0.25 means "0.25 or more", 0.001 means "0.001 or less".
 * Insufficient data (an empty side, or a single distinct value overall) gives
 * `insufficient_data` (scipy raises).
 */
export function andersonDarlingTest(reference: NumericSample, current: NumericSample): TwoSampleTestResult {
  return andersonDarlingTestSorted(toSortedSample(reference, 'reference'), toSortedSample(current, 'current'));
}
