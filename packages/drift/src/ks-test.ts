import { insufficientTest, okResult } from './internal/result.js';
import type { NumericSample, SortedSample } from './samples.js';
import { toSortedSample } from './samples.js';
import { kolmogorovSf } from './special/kolmogorov.js';
import type { TwoSampleTestResult } from './types.js';

// scipy.stats.ks_2samp(method='auto') is exact when both samples have at most this many values.
const MAX_EXACT_N = 10000;

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Round half to even, like numpy's `np.round`. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

// Proportion of lattice paths leaving the band |x - y| < h for equal sample sizes (Hodges 1958).
function probOutsideSquare(n: number, h: number): number {
  let P = 0;
  let k = Math.floor(n / h);
  while (k >= 0) {
    let p1 = 1;
    for (let j = 0; j < h; j++) p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1);
    P = p1 * (1 - P);
    k -= 1;
  }
  return 2 * P;
}

// Proportion of lattice paths from (0,0) to (m,n) that do not stay strictly inside
// |x/m - y/n| < h/lcm, computing 1 - p directly in probability space (Viehmann 2021's stable
// form of Hodges' inside method), one sliding column at a time.
function probOutsideBand(m0: number, n0: number, g: number, h: number): number {
  let m = m0;
  let n = n0;
  if (m < n) [m, n] = [n, m];
  const mg = m / g;
  const ng = n / g;
  let minj = 0;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  let curlen = maxj - minj;
  const lenA = Math.min(2 * maxj + 2, n + 1);
  const A = new Float64Array(lenA).fill(1);
  A.fill(0, minj, maxj);
  for (let i = 1; i <= m; i++) {
    const lastminj = minj;
    const lastlen = curlen;
    minj = Math.max(Math.floor((ng * i - h) / mg) + 1, 0);
    minj = Math.min(minj, n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1;
    let val = minj === 0 ? 0 : 1;
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj;
      val = (A[jj + minj - lastminj]! * i + val * j) / (i + j);
      A[jj] = val;
    }
    curlen = maxj - minj;
    if (lastlen > curlen) A.fill(1, maxj - minj, maxj - minj + (lastlen - curlen));
  }
  return A[maxj - minj - 1]!;
}

/** The two-sided KS statistic D = sup |F_ref - F_cur| of two sorted samples, in one merge pass. */
export function ksStatisticSorted(x: Float64Array, y: Float64Array): number {
  const n1 = x.length;
  const n2 = y.length;
  let i = 0;
  let j = 0;
  let maxS = -Infinity;
  let minS = Infinity;
  while (i < n1 || j < n2) {
    const v = j >= n2 || (i < n1 && x[i]! <= y[j]!) ? x[i]! : y[j]!;
    while (i < n1 && x[i]! <= v) i++;
    while (j < n2 && y[j]! <= v) j++;
    const diff = i / n1 - j / n2;
    if (diff > maxS) maxS = diff;
    if (diff < minS) minS = diff;
  }
  const negMin = Math.min(Math.max(-minS, 0), 1);
  return negMin > maxS ? negMin : maxS;
}

/** KS test on already cleaned, sorted samples (the path compare() uses). */
export function ksTestSorted(x: SortedSample, y: SortedSample): TwoSampleTestResult {
  const n1 = x.values.length;
  const n2 = y.values.length;
  if (n1 === 0 || n2 === 0) return insufficientTest(x, y, `KS needs at least one value on each side; found ${n1} reference and ${n2} current values.`);
  let d = ksStatisticSorted(x.values, y.values);
  if (Math.max(n1, n2) <= MAX_EXACT_N) {
    const g = gcd(n1, n2);
    const lcm = (n1 / g) * n2;
    const h = roundHalfEven(d * lcm);
    d = h / lcm;
    if (h === 0) return okResult(d, 1, x, y, 'exact');
    const prob = n1 === n2 ? probOutsideSquare(n1, h) : probOutsideBand(n1, n2, g, h);
    if (Number.isFinite(prob) && prob >= 0 && prob <= 1) return okResult(d, prob, x, y, 'exact');
  }
  const m = Math.max(n1, n2);
  const n = Math.min(n1, n2);
  const en = (m * n) / (m + n);
  const p = kolmogorovSf(roundHalfEven(en), d);
  return okResult(d, Math.min(Math.max(p, 0), 1), x, y, 'asymptotic');
}

/**
 * Two-sample, two-sided Kolmogorov–Smirnov test: the same statistic and p-value as
 * `scipy.stats.ks_2samp(reference, current, method='auto')`.
 *
 * - Exact null distribution when both samples have <= 10,000 values (as scipy's `auto`); in exact
 *   mode the statistic is the lattice value h / lcm(n1, n2), as scipy reports it.
 * - Otherwise the distribution of the one-sample statistic at n = round(n1·n2 / (n1 + n2))
 *   (scipy's `kstwo.sf`), which is what scipy calls "asymptotic".
 * - Nulls, NaN and ±Infinity are ignored and counted in `ignored`. An empty side gives
 *   `status: 'insufficient_data'` (statistic 0, p-value 1); scipy raises instead.
 */
export function ksTest(reference: NumericSample, current: NumericSample): TwoSampleTestResult {
  return ksTestSorted(toSortedSample(reference, 'reference'), toSortedSample(current, 'current'));
}
