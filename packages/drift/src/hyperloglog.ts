/** HyperLogLog precision: 2^12 registers, ~1.6 % standard error on the distinct count. */
export const HLL_PRECISION = 12;
const M = 1 << HLL_PRECISION;
const ALPHA = 0.7213 / (1 + 1.079 / M);

/** HyperLogLog registers (Flajolet et al. 2007) as plain data; merge = element-wise max. */
export interface HyperLogLog {
  /** One 6-bit rank per register. */
  registers: Uint8Array;
}

/** An empty distinct-count sketch. */
export function createHyperLogLog(): HyperLogLog {
  return { registers: new Uint8Array(M) };
}

// murmur3 finalizer: spreads the bits of a 32-bit word.
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function addHash(hll: HyperLogLog, hash: number): void {
  const index = hash >>> (32 - HLL_PRECISION);
  const rest = (hash << HLL_PRECISION) | (1 << (HLL_PRECISION - 1));
  const rank = Math.clz32(rest) + 1;
  if (rank > hll.registers[index]!) hll.registers[index] = rank;
}

/** Adds finite numbers (-0 and 0 count as one value). */
export function hllAddNumbers(hll: HyperLogLog, values: Float64Array): void {
  const regs = hll.registers;
  // Hash the IEEE words read in place (a Float64Array is always 8-byte aligned) instead of
  // copying each value through a scratch cell: the hash is the same, at about half the cost.
  const words = new Uint32Array(values.buffer, values.byteOffset, values.length * 2);
  for (let i = 0; i < values.length; i++) {
    const lo = words[2 * i]!;
    let hi = words[2 * i + 1]!;
    if (hi === 0x80000000 && lo === 0) hi = 0; // -0 hashes as 0
    const h = fmix(lo ^ fmix(hi + 0x9e3779b9));
    const index = h >>> (32 - HLL_PRECISION);
    const rank = Math.clz32((h << HLL_PRECISION) | (1 << (HLL_PRECISION - 1))) + 1;
    if (rank > regs[index]!) regs[index] = rank;
  }
}

/** Adds one string. */
export function hllAddString(hll: HyperLogLog, value: string): void {
  let h = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) h = Math.imul(h ^ value.charCodeAt(i), 0x01000193);
  addHash(hll, fmix(h));
}

/** Element-wise max of two register sets. */
export function hllMerge(a: HyperLogLog, b: HyperLogLog): HyperLogLog {
  const registers = new Uint8Array(M);
  for (let i = 0; i < M; i++) registers[i] = Math.max(a.registers[i]!, b.registers[i]!);
  return { registers };
}

// 2^-r for every byte a register can hold (exact doubles, so the sum is the same as computing each one).
const INVERSE_POWERS = Float64Array.from({ length: 256 }, (_, r) => 2 ** -r);

/** Estimated number of distinct values (linear counting for small cardinalities). */
export function hllEstimate(hll: HyperLogLog): number {
  let sum = 0;
  let zeros = 0;
  for (let i = 0; i < M; i++) {
    const r = hll.registers[i]!;
    sum += INVERSE_POWERS[r]!;
    if (r === 0) zeros++;
  }
  const raw = (ALPHA * M * M) / sum;
  if (raw <= 2.5 * M && zeros > 0) return Math.round(M * Math.log(M / zeros));
  return Math.round(raw);
}
