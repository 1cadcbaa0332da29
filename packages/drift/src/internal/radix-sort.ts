// Sorts float64 values (no NaN) by an LSD radix sort on the high 32 bits of the IEEE pattern
// (mapped so unsigned order equals numeric order; 3 passes of 11 bits), then orders each run of
// values sharing those 32 bits (sign, exponent and 20 mantissa bits). Short runs get an insertion
// sort; long ones (values of large magnitude and small spread, e.g. epoch-ms timestamps within
// minutes of each other, all share one high word) the native comparison sort, so the worst case
// stays O(n log n) instead of the quadratic insertion pass it once was. On 1M values this is
// several times faster than Float64Array.prototype.sort, which makes "sort once per column" cheap.

const RADIX_MIN = 1024;
const BITS = 11;
const BUCKETS = 1 << BITS;
const MASK = BUCKETS - 1;
/** Runs of equal high words up to this length are insertion-sorted; longer ones use the native sort. */
const INSERTION_RUN = 16;

// Scratch reused across calls (sorting is synchronous) so large sorts do not churn the GC;
// replaced when a much smaller sort follows.
let scratch = new Float64Array(0);
const counts = new Int32Array(3 * BUCKETS);

// The order-preserving key of a high word, branch-free (the sign of normal data is random, and a
// mispredicted branch per value per pass cost more than the rest of the pass): negatives are
// inverted, non-negatives get their sign bit set. As an int32; callers read it with >>>.
function key(hi: number): number {
  return hi ^ ((hi >> 31) | 0x80000000);
}

/** Sorts `values` ascending in place and returns it. NaN must have been removed. */
export function sortFloat64(values: Float64Array): Float64Array {
  const n = values.length;
  if (n < RADIX_MIN) return values.sort();
  if (scratch.length < n || scratch.length > 16 * n) scratch = new Float64Array(n);
  let src: Float64Array = values;
  let dst: Float64Array = scratch.subarray(0, n);
  // Int32 views: a Uint32Array load above 2^31 is not a small integer to V8.
  let srcHi = new Int32Array(src.buffer, src.byteOffset, 2 * n);
  let dstHi = new Int32Array(dst.buffer, dst.byteOffset, 2 * n);
  const valuesHi = srcHi;
  counts.fill(0);
  for (let i = 0; i < n; i++) {
    const k = key(srcHi[2 * i + 1]!);
    counts[k & MASK]!++;
    counts[BUCKETS + ((k >>> 11) & MASK)]!++;
    counts[2 * BUCKETS + (k >>> 22)]!++;
  }
  let moved = 0;
  for (let pass = 0; pass < 3; pass++) {
    const base = pass * BUCKETS;
    const shift = pass * 11;
    let sum = 0;
    let skip = false;
    for (let d = 0; d < BUCKETS; d++) {
      const c = counts[base + d]!;
      if (c === n) skip = true;
      counts[base + d] = sum;
      sum += c;
    }
    if (skip) continue;
    for (let i = 0; i < n; i++) {
      const digit = (key(srcHi[2 * i + 1]!) >>> shift) & MASK;
      dst[counts[base + digit]!++] = src[i]!;
    }
    [src, dst] = [dst, src];
    [srcHi, dstHi] = [dstHi, srcHi];
    moved++;
  }
  if (moved % 2 === 1) values.set(src);
  // Only values sharing their high 32 bits (one sign, so plain numeric order) can be out of order.
  for (let s = 0; s < n - 1; ) {
    const hi = valuesHi[2 * s + 1]!;
    let e = s + 1;
    while (e < n && valuesHi[2 * e + 1] === hi) e++;
    if (e - s > INSERTION_RUN) values.subarray(s, e).sort();
    else if (e - s > 1) insertionSort(values, s, e);
    s = e;
  }
  return values;
}

function insertionSort(values: Float64Array, from: number, to: number): void {
  for (let i = from + 1; i < to; i++) {
    const v = values[i]!;
    if (v >= values[i - 1]!) continue;
    let j = i - 1;
    while (j >= from && values[j]! > v) {
      values[j + 1] = values[j]!;
      j--;
    }
    values[j + 1] = v;
  }
}
