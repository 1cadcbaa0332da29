import { InvalidArgumentError } from '@mlops/contracts';

/** A probability or count vector: non-negative, finite, not all zero. */
export type DistributionVector = Float64Array | readonly number[];

function normalize(v: DistributionVector, name: string, length?: number): Float64Array {
  if (v === null || typeof v !== 'object' || typeof v.length !== 'number') {
    throw new InvalidArgumentError(`Expected ${name} to be an array of non-negative numbers (probabilities or counts), found ${v === null ? 'null' : typeof v}.`);
  }
  if (length !== undefined && v.length !== length) {
    throw new InvalidArgumentError(
      `Expected the two distributions to have the same length, found ${length} and ${v.length}. Align categories or bins first (e.g. with alignCategories).`,
    );
  }
  let sum = 0;
  for (let i = 0; i < v.length; i++) {
    const x = v[i]!;
    if (typeof x !== 'number' || !(x >= 0) || x === Infinity) {
      throw new InvalidArgumentError(`Expected ${name}[${i}] to be a finite number >= 0, found ${String(x)}. Probabilities and counts cannot be negative, NaN or infinite.`);
    }
    sum += x;
  }
  if (!(sum > 0)) throw new InvalidArgumentError(`Expected ${name} to have a positive total, found all zeros (length ${v.length}). There is nothing to compare.`);
  const out = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i]! / sum;
  return out;
}

// scipy.special.rel_entr: x ln(x / y), 0 when x = 0, +Infinity when x > 0 and y = 0.
function relEntr(x: number, y: number): number {
  if (x > 0 && y > 0) return x * Math.log(x / y);
  if (x === 0 && y >= 0) return 0;
  return Infinity;
}

/** Options for {@link jensenShannonDistance}. */
export interface JensenShannonOptions {
  /** Logarithm base. Default 2, so the distance lies in [0, 1]; Evidently uses e (max ≈ 0.833). */
  base?: number;
}

/**
 * Jensen–Shannon **distance** (the square root of the divergence) between two probability or
 * count vectors of equal length, as `scipy.spatial.distance.jensenshannon(p, q, base)`. Inputs are
 * normalized to sum to 1. Negative, NaN or all-zero inputs throw `INVALID_ARGUMENT`.
 */
export function jensenShannonDistance(p: DistributionVector, q: DistributionVector, options: JensenShannonOptions = {}): number {
  const base = options.base ?? 2;
  if (!(base > 0) || base === 1 || !Number.isFinite(base)) {
    throw new InvalidArgumentError(`Expected jensenShannonDistance option "base" to be a positive number other than 1, found ${base}. Use 2 (bits) or Math.E (nats).`);
  }
  const pn = normalize(p, 'p');
  const qn = normalize(q, 'q', pn.length);
  let left = 0;
  let right = 0;
  for (let i = 0; i < pn.length; i++) {
    const m = (pn[i]! + qn[i]!) / 2;
    left += relEntr(pn[i]!, m);
    right += relEntr(qn[i]!, m);
  }
  const js = (left + right) / Math.log(base);
  return Math.sqrt(Math.max(js, 0) / 2);
}

/**
 * Kullback–Leibler divergence KL(p || q) in nats, as `scipy.stats.entropy(p, q)`. Inputs are
 * normalized. Returns `Infinity` when q has a zero where p does not (as scipy does): smooth or
 * clamp q first if you need a finite value.
 */
export function klDivergence(p: DistributionVector, q: DistributionVector): number {
  const pn = normalize(p, 'p');
  const qn = normalize(q, 'q', pn.length);
  let s = 0;
  for (let i = 0; i < pn.length; i++) s += relEntr(pn[i]!, qn[i]!);
  return s;
}

/** Hellinger distance in [0, 1]: (1/√2) · ‖√p − √q‖₂ over normalized vectors. */
export function hellingerDistance(p: DistributionVector, q: DistributionVector): number {
  const pn = normalize(p, 'p');
  const qn = normalize(q, 'q', pn.length);
  let s = 0;
  for (let i = 0; i < pn.length; i++) {
    const d = Math.sqrt(pn[i]!) - Math.sqrt(qn[i]!);
    s += d * d;
  }
  return Math.sqrt(s / 2);
}

/** Total variation distance in [0, 1]: ½ Σ |p − q| over normalized vectors. */
export function totalVariationDistance(p: DistributionVector, q: DistributionVector): number {
  const pn = normalize(p, 'p');
  const qn = normalize(q, 'q', pn.length);
  let s = 0;
  for (let i = 0; i < pn.length; i++) s += Math.abs(pn[i]! - qn[i]!);
  return s / 2;
}
