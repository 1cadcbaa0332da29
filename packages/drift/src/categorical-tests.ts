import { InvalidArgumentError } from '@mlops/contracts';
import { chiSquareSf, normalTwoSidedP } from './special/gamma.js';
import type { TestStatus } from './types.js';

/**
 * Category counts: a count vector (positions already aligned between the two sides), a
 * `Record<category, count>` or a `Map<category, count>` (aligned by name).
 */
export type CategoryCounts = readonly number[] | Float64Array | Readonly<Record<string, number>> | ReadonlyMap<string, number>;

/** Two count vectors aligned by category name. */
export interface AlignedCounts {
  /** Category names, in order (reference categories first, then ones new in current). */
  readonly categories: readonly string[];
  /** Reference count per category. */
  readonly reference: Float64Array;
  /** Current count per category. */
  readonly current: Float64Array;
  /** Categories present in current but absent (or zero) in the reference. */
  readonly newInCurrent: readonly string[];
  /** Categories present in the reference but absent (or zero) in current. */
  readonly missingInCurrent: readonly string[];
}

function checkCount(v: unknown, where: string): number {
  if (typeof v !== 'number' || !(v >= 0) || v === Infinity) {
    throw new InvalidArgumentError(`Expected ${where} to be a finite count >= 0, found ${String(v)}.`);
  }
  return v;
}

function toEntries(counts: CategoryCounts, name: string): [string, number][] | null {
  if (counts === null || typeof counts !== 'object') throw new InvalidArgumentError(`Expected ${name} counts to be an array, a Map or a record of counts, found ${counts === null ? 'null' : typeof counts}.`);
  if (Array.isArray(counts) || ArrayBuffer.isView(counts)) return null;
  if (counts instanceof Map) return [...(counts as ReadonlyMap<string, number>).entries()].map(([k, v]) => [String(k), checkCount(v, `${name}["${String(k)}"]`)]);
  return Object.entries(counts as Record<string, number>).map(([k, v]) => [k, checkCount(v, `${name}["${k}"]`)]);
}

/**
 * Aligns two category-count inputs by name (or by position for plain vectors, which must then
 * have equal length) and reports categories new in current / missing from current.
 */
export function alignCategories(reference: CategoryCounts, current: CategoryCounts): AlignedCounts {
  const re = toEntries(reference, 'reference');
  const ce = toEntries(current, 'current');
  if (re === null || ce === null) {
    if (re !== null || ce !== null) throw new InvalidArgumentError('Expected both count inputs to be vectors, or both to be named (Map or record); found one of each. Use the same form on both sides.');
    const r = reference as readonly number[];
    const c = current as readonly number[];
    if (r.length !== c.length) throw new InvalidArgumentError(`Expected count vectors of equal length, found ${r.length} reference and ${c.length} current. Pass named counts (a Map or record) to align categories by name.`);
    const categories = Array.from({ length: r.length }, (_, i) => String(i));
    const rf = Float64Array.from(r, (v, i) => checkCount(v, `reference[${i}]`));
    const cf = Float64Array.from(c, (v, i) => checkCount(v, `current[${i}]`));
    return {
      categories,
      reference: rf,
      current: cf,
      newInCurrent: categories.filter((_, i) => rf[i] === 0 && cf[i]! > 0),
      missingInCurrent: categories.filter((_, i) => rf[i]! > 0 && cf[i] === 0),
    };
  }
  const index = new Map<string, number>();
  const categories: string[] = [];
  for (const [k] of [...re, ...ce]) {
    if (index.has(k)) continue;
    index.set(k, index.size);
    categories.push(k);
  }
  const rf = new Float64Array(categories.length);
  const cf = new Float64Array(categories.length);
  for (const [k, v] of re) rf[index.get(k)!]! += v;
  for (const [k, v] of ce) cf[index.get(k)!]! += v;
  return {
    categories,
    reference: rf,
    current: cf,
    newInCurrent: categories.filter((_, i) => rf[i] === 0 && cf[i]! > 0),
    missingInCurrent: categories.filter((_, i) => rf[i]! > 0 && cf[i] === 0),
  };
}

/** Result of {@link chiSquareTest}. */
export interface ChiSquareResult {
  /** Pearson's chi-square statistic of the 2 × k table. */
  readonly statistic: number;
  /** p-value from the chi-square distribution with `dof` degrees of freedom. */
  readonly pValue: number;
  /** Degrees of freedom: (categories with any count) - 1. */
  readonly dof: number;
  /** `insufficient_data` when a side has no counts or fewer than 2 categories occur. */
  readonly status: TestStatus;
  /** Total reference count. */
  readonly referenceSize: number;
  /** Total current count. */
  readonly currentSize: number;
  /** Categories that appear in current but not in the reference. */
  readonly newCategories: readonly string[];
  /** Categories of the reference that do not appear in current. */
  readonly missingCategories: readonly string[];
  /** Why the result is `insufficient_data`. */
  readonly reason?: string;
}

/**
 * Chi-square test of homogeneity on the 2 × k table [reference; current], as
 * `scipy.stats.chi2_contingency([reference, current], correction=False)`. Categories with a zero
 * count on both sides are dropped first (scipy would raise on their zero expected frequency).
 * A side with no counts, or fewer than 2 occurring categories, gives `insufficient_data`
 * (statistic 0, p-value 1).
 */
export function chiSquareTest(referenceCounts: CategoryCounts, currentCounts: CategoryCounts): ChiSquareResult {
  const aligned = alignCategories(referenceCounts, currentCounts);
  const r: number[] = [];
  const c: number[] = [];
  let R = 0;
  let C = 0;
  for (let i = 0; i < aligned.categories.length; i++) {
    if (aligned.reference[i]! + aligned.current[i]! === 0) continue;
    r.push(aligned.reference[i]!);
    c.push(aligned.current[i]!);
    R += aligned.reference[i]!;
    C += aligned.current[i]!;
  }
  const base = { referenceSize: R, currentSize: C, newCategories: aligned.newInCurrent, missingCategories: aligned.missingInCurrent };
  if (R === 0 || C === 0 || r.length < 2) {
    return { statistic: 0, pValue: 1, dof: Math.max(r.length - 1, 0), status: 'insufficient_data', ...base, reason: `Chi-square needs counts on both sides and at least 2 categories; found totals ${R} and ${C} over ${r.length} categories.` };
  }
  const T = R + C;
  let stat = 0;
  // Row-major over the table, as scipy sums it: the reference row, then the current row.
  for (let i = 0; i < r.length; i++) {
    const e = (R * (r[i]! + c[i]!)) / T;
    stat += (r[i]! - e) ** 2 / e;
  }
  for (let i = 0; i < r.length; i++) {
    const e = (C * (r[i]! + c[i]!)) / T;
    stat += (c[i]! - e) ** 2 / e;
  }
  const dof = r.length - 1;
  return { statistic: stat, pValue: chiSquareSf(stat, dof), dof, status: 'ok', ...base };
}

/** A binary sample: booleans or 0/1 numbers (null/undefined/NaN ignored), or pre-aggregated counts. */
export type BinarySample = readonly (boolean | number | null | undefined)[] | Uint8Array | { readonly successes: number; readonly trials: number };

/** Result of {@link proportionZTest}. */
export interface ProportionZTestResult {
  /** z = (p_ref − p_cur) / √(P(1 − P)(1/n_ref + 1/n_cur)), P the pooled proportion. */
  readonly statistic: number;
  /** Two-sided p-value, 2 · P(Z > |z|). */
  readonly pValue: number;
  /** `insufficient_data` when a side is empty; a pooled proportion of 0 or 1 gives z = 0, p = 1. */
  readonly status: TestStatus;
  /** Proportion of successes (true / 1) in the reference. */
  readonly referenceProportion: number;
  /** Proportion of successes in current. */
  readonly currentProportion: number;
  /** Usable reference values. */
  readonly referenceSize: number;
  /** Usable current values. */
  readonly currentSize: number;
  /** Why the result is `insufficient_data`. */
  readonly reason?: string;
}

function countBinary(s: BinarySample, name: string): { successes: number; trials: number } {
  if (s !== null && typeof s === 'object' && 'successes' in s && 'trials' in s) {
    const { successes, trials } = s;
    if (!Number.isInteger(trials) || trials < 0 || !Number.isInteger(successes) || successes < 0 || successes > trials) {
      throw new InvalidArgumentError(`Expected ${name} to have integer 0 <= successes <= trials, found successes=${successes}, trials=${trials}.`);
    }
    return { successes, trials };
  }
  if (s === null || typeof s !== 'object' || typeof (s as { length?: unknown }).length !== 'number') {
    throw new InvalidArgumentError(`Expected ${name} to be an array of booleans or 0/1 numbers, or { successes, trials }; found ${s === null ? 'null' : typeof s}.`);
  }
  const arr = s as ArrayLike<unknown>;
  let successes = 0;
  let trials = 0;
  for (let i = 0; i < arr.length; i++) {
    const v = arr[i];
    if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) continue;
    if (v === true || v === 1) successes++;
    else if (v !== false && v !== 0) throw new InvalidArgumentError(`Expected ${name}[${i}] to be true/false or 1/0, found ${String(v)}. Map the column to booleans first.`);
    trials++;
  }
  return { successes, trials };
}

/**
 * Two-proportion z-test with a pooled standard error (Evidently's `z` test for binary columns),
 * two-sided p-value 2 · P(Z > |z|) computed from the normal tail directly (no 1 − cdf
 * cancellation). An empty side gives `insufficient_data`.
 */
export function proportionZTest(reference: BinarySample, current: BinarySample): ProportionZTestResult {
  const r = countBinary(reference, 'reference');
  const c = countBinary(current, 'current');
  const p1 = r.trials ? r.successes / r.trials : 0;
  const p2 = c.trials ? c.successes / c.trials : 0;
  const base = { referenceProportion: p1, currentProportion: p2, referenceSize: r.trials, currentSize: c.trials };
  if (r.trials === 0 || c.trials === 0) {
    return { statistic: 0, pValue: 1, status: 'insufficient_data', ...base, reason: `The z-test needs values on both sides; found ${r.trials} reference and ${c.trials} current values.` };
  }
  const P = (p1 * r.trials + p2 * c.trials) / (r.trials + c.trials);
  const se = Math.sqrt(P * (1 - P) * (1 / r.trials + 1 / c.trials));
  if (!(se > 0)) return { statistic: 0, pValue: 1, status: 'ok', ...base };
  const z = (p1 - p2) / se;
  return { statistic: z, pValue: Math.min(normalTwoSidedP(z), 1), status: 'ok', ...base };
}
