import { InvalidArgumentError } from '@mlops/contracts';
import { nextRandom } from './internal/random.js';
import { sortFloat64 } from './internal/radix-sort.js';

/** Default KLL accuracy parameter: ~0.35 % normalized rank error at 99 % confidence. */
export const DEFAULT_SKETCH_K = 1024;
const MIN_CAPACITY = 8;
const DECAY = 2 / 3;

/**
 * A KLL quantile sketch (Karnin, Lang & Liberty 2016) over finite float64 values, as plain data.
 * Level h holds sorted items of weight 2^h. Two sketches merge into one whose rank error is
 * that of a sketch built over the concatenated data. With k = 1024 it holds ~3k items (~25 KB)
 * whatever the number of values, with a normalized rank error of about 0.35 % (99 % confidence).
 */
export interface KllSketch {
  /** Accuracy parameter k. */
  readonly k: number;
  /** Number of values summarized. */
  n: number;
  /** Sorted items per level; level h items weigh 2^h. */
  levels: Float64Array[];
  /** State of the deterministic coin used by compactions. */
  seed: number;
}

/** An empty sketch. */
export function createKllSketch(k: number = DEFAULT_SKETCH_K, seed = 0x2545f491): KllSketch {
  if (!Number.isInteger(k) || k < 16 || k > 65536) throw new InvalidArgumentError(`Expected sketch k to be an integer in [16, 65536], found ${k}. The default 1024 gives ~0.35% rank error.`);
  return { k, n: 0, levels: [new Float64Array(0)], seed };
}

function capacity(k: number, numLevels: number, level: number): number {
  return Math.max(MIN_CAPACITY, Math.ceil(k * DECAY ** (numLevels - 1 - level)));
}

function mergeSorted(a: Float64Array, b: Float64Array): Float64Array {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out = new Float64Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let o = 0;
  while (i < a.length && j < b.length) out[o++] = a[i]! <= b[j]! ? a[i++]! : b[j++]!;
  while (i < a.length) out[o++] = a[i++]!;
  while (j < b.length) out[o++] = b[j++]!;
  return out;
}

function totalSize(s: KllSketch): number {
  let t = 0;
  for (const l of s.levels) t += l.length;
  return t;
}

function totalCapacity(s: KllSketch): number {
  let t = 0;
  for (let h = 0; h < s.levels.length; h++) t += capacity(s.k, s.levels.length, h);
  return t;
}

// Halve level h: keep every other item (random phase) and move them, doubled in weight, up.
function compactLevel(s: KllSketch, h: number): void {
  if (h + 1 >= s.levels.length) s.levels.push(new Float64Array(0));
  const buf = s.levels[h]!;
  const even = buf.length & ~1;
  // An odd item out stays behind (the largest), so no weight is lost.
  const offset = nextRandom(s) & 1;
  const promoted = new Float64Array(even / 2);
  for (let i = 0, o = offset; o < even; i++, o += 2) promoted[i] = buf[o]!;
  s.levels[h] = buf.length & 1 ? buf.slice(even) : new Float64Array(0);
  s.levels[h + 1] = mergeSorted(s.levels[h + 1]!, promoted);
}

function compress(s: KllSketch): void {
  while (totalSize(s) > totalCapacity(s)) {
    let h = 0;
    while (h < s.levels.length && s.levels[h]!.length < capacity(s.k, s.levels.length, h)) h++;
    if (h >= s.levels.length) break;
    compactLevel(s, h);
  }
}

/**
 * Level at which a batch enters the sketch once it is large (KLL §4's sampler). Items that
 * would land on the lowest levels are compacted away almost at once; drawing one random value
 * per block of 2^L consecutive values instead gives an unbiased rank estimate whose variance is
 * at most (values added)·2^L/4. Keeping 2^L ≤ 4n/k² bounds the sampler's standard error by
 * n/k. Measured on 4M normal values at k = 1024, the worst rank error over 2,000 quantiles went
 * from 0.0008–0.0011 (sorting every value) to 0.0012–0.0014, inside the 0.0027 bound of
 * `kllRankErrorBound`, while only about 1/2^L of the values are sorted.
 */
export function kllSamplingLevel(k: number, n: number): number {
  const r = (4 * n) / (k * k);
  return r < 2 ? 0 : Math.floor(Math.log2(r));
}

function insertSorted(s: KllSketch, h: number, sorted: Float64Array): void {
  while (s.levels.length <= h) s.levels.push(new Float64Array(0));
  s.levels[h] = mergeSorted(s.levels[h]!, sorted);
}

// One random value per block of 2^level values of `values[from, from + count)`, sorted.
function sampleBlocks(s: KllSketch, values: Float64Array, from: number, count: number, level: number): Float64Array {
  const block = 2 ** level;
  const out = new Float64Array(count / block);
  const mask = block - 1;
  for (let b = 0, at = from; b < out.length; b++, at += block) out[b] = values[at + (nextRandom(s) & mask)]!;
  return sortFloat64(out);
}

/**
 * Adds finite values (any order). The array is not modified unless `reorder` is true: then the
 * caller gives up its order (the values are sorted in place instead of in a copy).
 */
export function kllUpdate(s: KllSketch, values: Float64Array, reorder = false): void {
  const n = values.length;
  if (n === 0) return;
  const level = kllSamplingLevel(s.k, s.n + n);
  if (level === 0) {
    insertSorted(s, 0, sortFloat64(reorder ? values : values.slice()));
  } else {
    // Whole blocks go to `level`; the remainder is split by its binary digits into smaller
    // blocks for the levels below, so every value's weight is kept exactly.
    const block = 2 ** level;
    const whole = n - (n % block);
    if (whole > 0) insertSorted(s, level, sampleBlocks(s, values, 0, whole, level));
    let at = whole;
    for (let h = level - 1; h >= 0; h--) {
      const size = 2 ** h;
      if (n - at >= size) {
        insertSorted(s, h, sampleBlocks(s, values, at, size, h));
        at += size;
      }
    }
  }
  s.n += n;
  compress(s);
}

// Level arrays are never mutated in place (compaction replaces them), so sharing them is safe.
/** A new sketch summarizing both inputs (inputs are not modified). */
export function kllMerge(a: KllSketch, b: KllSketch): KllSketch {
  const k = Math.min(a.k, b.k);
  const levels: Float64Array[] = [];
  const count = Math.max(a.levels.length, b.levels.length);
  for (let h = 0; h < count; h++) levels.push(mergeSorted(a.levels[h] ?? new Float64Array(0), b.levels[h] ?? new Float64Array(0)));
  const out: KllSketch = { k, n: a.n + b.n, levels, seed: (a.seed ^ Math.imul(b.seed, 0x9e3779b1)) >>> 0 };
  compress(out);
  return out;
}

/** The sketch's items as a weighted step CDF: sorted values and cumulative weights (last = n). */
export interface SketchCdf {
  /** Distinct retained values, ascending. */
  readonly values: Float64Array;
  /** Cumulative weight at each value (number of summarized values <= it, estimated). */
  readonly cumulative: Float64Array;
  /** Total weight (= n). */
  readonly total: number;
}

/** Builds the weighted CDF of a sketch: its sorted levels merged pairwise (no comparison sort). */
export function kllCdf(s: KllSketch): SketchCdf {
  let vals = new Float64Array(0);
  let weights = new Float64Array(0);
  s.levels.forEach((l, h) => {
    if (l.length === 0) return;
    const w = 2 ** h;
    const outV = new Float64Array(vals.length + l.length);
    const outW = new Float64Array(vals.length + l.length);
    let i = 0;
    let j = 0;
    let o = 0;
    while (i < vals.length || j < l.length) {
      if (j >= l.length || (i < vals.length && vals[i]! <= l[j]!)) {
        outV[o] = vals[i]!;
        outW[o++] = weights[i++]!;
      } else {
        outV[o] = l[j++]!;
        outW[o++] = w;
      }
    }
    vals = outV;
    weights = outW;
  });
  const values = new Float64Array(vals.length);
  const cumulative = new Float64Array(vals.length);
  let cum = 0;
  let d = 0;
  for (let i = 0; i < vals.length; i++) {
    cum += weights[i]!;
    if (d > 0 && values[d - 1] === vals[i]) cumulative[d - 1] = cum;
    else {
      values[d] = vals[i]!;
      cumulative[d++] = cum;
    }
  }
  return { values: values.slice(0, d), cumulative: cumulative.slice(0, d), total: cum };
}

/** Estimated fraction of summarized values <= x. */
export function kllRank(s: KllSketch, x: number): number {
  if (s.n === 0) return NaN;
  let w = 0;
  s.levels.forEach((l, h) => {
    let lo = 0;
    let hi = l.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (l[mid]! <= x) lo = mid + 1;
      else hi = mid;
    }
    w += lo * 2 ** h;
  });
  return w / s.n;
}

/** Estimated q-quantile (0 <= q <= 1): the smallest retained value whose rank reaches q·n. */
export function kllQuantile(cdf: SketchCdf, q: number): number {
  const target = q * cdf.total;
  let lo = 0;
  let hi = cdf.values.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cdf.cumulative[mid]! >= target) hi = mid;
    else lo = mid + 1;
  }
  return cdf.values[lo]!;
}
