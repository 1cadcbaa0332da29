/**
 * Money is held as integer micro-units of the billing currency (1 USD = 1,000,000 micros) in
 * float64 slots. Sums stay exact up to 2^53 micros (about 9 billion dollars), and every split
 * below hands out whole micros, so "allocated + idle + shared = asset cost" holds exactly,
 * not just to the cent.
 */
export const MICROS_PER_UNIT = 1_000_000;

/** Converts a currency amount to integer micros (rounded half away from zero). */
export function toMicros(amount: number): number {
  return Math.sign(amount) * Math.round(Math.abs(amount) * MICROS_PER_UNIT);
}

/** Converts integer micros to a currency amount. */
export function fromMicros(micros: number): number {
  return micros / MICROS_PER_UNIT;
}

/** Exact decimal text of integer micros, e.g. 1234567 -> "1.234567". */
export function formatMicros(micros: number): string {
  const negative = micros < 0;
  const abs = Math.abs(micros);
  const whole = Math.floor(abs / MICROS_PER_UNIT);
  const frac = abs - whole * MICROS_PER_UNIT;
  return `${negative ? '-' : ''}${whole}.${String(frac).padStart(6, '0')}`;
}

/**
 * Splits the integer `total` over entries in proportion to `weights[index[k]]` for k in
 * [from, to), writing whole units into `out[index[k]]` (added, not assigned). Largest-remainder
 * method: the parts sum to `total` exactly. Zero total weight splits evenly. `knownWeightSum`, when
 * given, must be the sum of those weights added in that order (it saves the caller's second pass).
 */
export function distributeInteger(
  total: number,
  weights: Float64Array,
  index: Int32Array,
  from: number,
  to: number,
  out: Float64Array,
  even = false,
  knownWeightSum?: number,
): void {
  const count = to - from;
  if (count <= 0 || total === 0) return;
  let weightSum = 0;
  // A caller that just summed the same weights in the same order passes the sum (bit-identical).
  if (knownWeightSum !== undefined) weightSum = knownWeightSum;
  else if (!even) for (let k = from; k < to; k++) weightSum += weights[index[k]!]!;
  const useEven = even || !(weightSum > 0);
  const sign = total < 0 ? -1 : 1;
  const abs = Math.abs(total);
  let given = 0;
  if (count === 1) {
    out[index[from]!]! += total;
    return;
  }
  if (scratch.length < count) scratch = new Float64Array(Math.max(count, scratch.length * 2));
  const remainders = scratch;
  for (let k = from; k < to; k++) {
    const exact = useEven ? abs / count : (abs * weights[index[k]!]!) / weightSum;
    const whole = Math.floor(exact);
    remainders[k - from] = exact - whole;
    out[index[k]!]! += sign * whole;
    given += whole;
  }
  let left = abs - given;
  if (left <= 0) return;
  // Hand the leftover units (fewer than `count`) to the largest remainders; ties go to the earlier
  // entry. Small groups scan (no allocation: this runs once per node-window-resource); big ones sort.
  if (count <= 64) {
    for (; left > 0; left--) {
      let best = 0;
      for (let k = 1; k < count; k++) if (remainders[k]! > remainders[best]!) best = k;
      out[index[from + best]!]! += sign;
      remainders[best] = -1;
    }
    return;
  }
  const order = Array.from({ length: count }, (_, k) => k);
  order.sort((a, b) => remainders[b]! - remainders[a]! || a - b);
  for (let r = 0; left > 0; r++, left--) out[index[from + order[r % count]!]!]! += sign;
}

let scratch = new Float64Array(256);
