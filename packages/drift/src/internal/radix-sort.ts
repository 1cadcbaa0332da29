// Sorts float64 values (no NaN) by an LSD radix sort on the high 32 bits of the IEEE pattern
// (mapped so unsigned order equals numeric order; 3 passes of 11 bits), then an insertion pass
// that orders the rare runs sharing those 32 bits. High bits carry sign, exponent and 20 mantissa
// bits, so such runs are tiny and the result is exactly sorted. On 1M values this is several
// times faster than Float64Array.prototype.sort, which makes "sort once per column" cheap.

const RADIX_MIN = 1024;
const BITS = 11;
const BUCKETS = 1 << BITS;
const MASK = BUCKETS - 1;

// Scratch reused across calls (sorting is synchronous) so large sorts do not churn the GC;
// replaced when a much smaller sort follows.
let scratch = new Float64Array(0);
const counts = new Uint32Array(3 * BUCKETS);

function key(hi: number): number {
  return hi & 0x80000000 ? ~hi >>> 0 : (hi | 0x80000000) >>> 0;
}

/** Sorts `values` ascending in place and returns it. NaN must have been removed. */
export function sortFloat64(values: Float64Array): Float64Array {
  const n = values.length;
  if (n < RADIX_MIN) return values.sort();
  if (scratch.length < n || scratch.length > 16 * n) scratch = new Float64Array(n);
  let src: Float64Array = values;
  let dst: Float64Array = scratch.subarray(0, n);
  let srcHi: Uint32Array = new Uint32Array(src.buffer, src.byteOffset, 2 * n);
  let dstHi: Uint32Array = new Uint32Array(dst.buffer, dst.byteOffset, 2 * n);
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
  // Insertion pass: only values sharing their high 32 bits can still be out of order.
  for (let i = 1; i < n; i++) {
    const v = values[i]!;
    if (v >= values[i - 1]!) continue;
    let j = i - 1;
    while (j >= 0 && values[j]! > v) {
      values[j + 1] = values[j]!;
      j--;
    }
    values[j + 1] = v;
  }
  return values;
}
