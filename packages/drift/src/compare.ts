import { ArrowTypeId, InvalidArgumentError } from '@mlops/contracts';
import { adjustPValues } from './adjust-p-values.js';
import type { PValueCorrection } from './adjust-p-values.js';
import { andersonDarlingTestSorted } from './anderson-darling-test.js';
import type { ArrowTableLike, ArrowVectorLike } from './arrow-like.js';
import { isArrowTableLike } from './arrow-like.js';
import { chiSquareTest, proportionZTest } from './categorical-tests.js';
import { energyDistanceSorted, wassersteinSorted } from './cdf-distances.js';
import { cramerVonMisesTestSorted } from './cramer-von-mises-test.js';
import { hellingerDistance, jensenShannonDistance, klDivergence, totalVariationDistance } from './distribution-distances.js';
import { columnKind, countCategoriesChunk, readNumericVector } from './internal/arrow-columns.js';
import { kolmogorovSf } from './special/kolmogorov.js';
import { ksTestSorted, roundHalfEven } from './ks-test.js';
import type { CategoricalColumnProfile, NumericColumnProfile, Profile, ProfileOptions } from './profile.js';
import { isProfile, profile as profileTable } from './profile.js';
import { binCountsSorted, psiEdges, psiFromCounts, PSI_EMPTY_BIN_SHARE } from './psi.js';
import type { PsiOptions } from './psi.js';
import type { SortedSample } from './samples.js';
import { toSortedSample } from './samples.js';
import { kllCdf, kllRankErrorBound, ksFromCdfs, sharesFromCdf, wassersteinFromCdfs } from './sketch-estimates.js';
import { kllQuantile } from './kll-sketch.js';
import type { SketchCdf } from './kll-sketch.js';
import { hllEstimate, hllMerge } from './hyperloglog.js';
import { sortedSampleOf } from './samples.js';

/** Drift methods `compare()` can run. Names follow the DriftResult contract's `method` column. */
export type DriftMethod =
  | 'ks'
  | 'cramer_von_mises'
  | 'anderson_darling'
  | 'wasserstein'
  | 'wasserstein_normed'
  | 'energy'
  | 'psi'
  | 'chi_square'
  | 'z_test'
  | 'jensen_shannon'
  | 'kl_divergence'
  | 'hellinger'
  | 'total_variation';

const P_VALUE_METHODS = new Set<DriftMethod>(['ks', 'cramer_von_mises', 'anderson_darling', 'chi_square', 'z_test']);
const CATEGORICAL_ONLY = new Set<DriftMethod>(['chi_square', 'z_test']);
const NUMERIC_ONLY = new Set<DriftMethod>(['ks', 'cramer_von_mises', 'anderson_darling', 'wasserstein', 'wasserstein_normed', 'energy']);
const ALL_METHODS = new Set<DriftMethod>([...P_VALUE_METHODS, 'wasserstein', 'wasserstein_normed', 'energy', 'psi', 'jensen_shannon', 'kl_divergence', 'hellinger', 'total_variation']);

/** Default threshold per method: p-value thresholds for tests (Evidently's), distance thresholds otherwise. */
export const DEFAULT_THRESHOLDS: Readonly<Record<DriftMethod, number>> = {
  ks: 0.05, chi_square: 0.05, z_test: 0.05, cramer_von_mises: 0.1, anderson_darling: 0.1,
  wasserstein: 0.1, wasserstein_normed: 0.1, energy: 0.1, psi: 0.1, jensen_shannon: 0.1, kl_divergence: 0.1, hellinger: 0.1, total_variation: 0.1,
};

/** A per-column override. */
export interface ColumnOverride {
  /** Method for this column. */
  method?: DriftMethod;
  /** Threshold for this column (p-value threshold for tests, distance threshold otherwise). */
  threshold?: number;
}

/** Options for {@link compare}. */
export interface CompareOptions {
  /** Columns to compare (default: every supported column present on either side). */
  columns?: readonly string[];
  /** Method for every numerical column (default: Evidently's choice, see {@link compare}). */
  numericalMethod?: DriftMethod;
  /** Method for every categorical column (default: Evidently's choice). */
  categoricalMethod?: DriftMethod;
  /** Threshold for every column (default: {@link DEFAULT_THRESHOLDS} of the method). */
  threshold?: number;
  /** Per-column method/threshold overrides; they win over the global options. */
  perColumn?: Readonly<Record<string, ColumnOverride>>;
  /** Dataset drift when the share of drifted columns is >= this. Default 0.5 (Evidently). */
  datasetDriftShare?: number;
  /** Optional multiple-testing correction across the p-value columns (none by default, like Evidently). */
  correction?: PValueCorrection;
  /** Bins for PSI and for histogram distances on numerical columns. Default 10 reference-quantile bins. */
  psi?: PsiOptions;
  /** Options used to profile a table side when the other side is a profile. */
  profile?: ProfileOptions;
  /**
   * Fewest usable (non-null, finite) values each side needs for a verdict; below it the column is
   * `insufficient_data`, listed in `problems` and left out of the drifted share. Default
   * {@link DEFAULT_MIN_ROWS} (30).
   */
  minRows?: number;
}

/** Default `minRows`: fewer usable values than this on either side gives `insufficient_data`. */
export const DEFAULT_MIN_ROWS = 30;

/** One compared column. */
export interface ColumnDrift {
  /** Column name. */
  readonly column: string;
  /** How the column was treated. */
  readonly columnType: 'numerical' | 'categorical';
  /** Method that ran. */
  readonly method: DriftMethod;
  /** Test statistic or distance. */
  readonly statistic: number;
  /** p-value (after correction when `correction` is set); null for distances. */
  readonly pValue: number | null;
  /** p-value before correction (only when a correction was applied). */
  readonly rawPValue?: number | null;
  /** Threshold used. */
  readonly threshold: number;
  /** p-value < threshold for tests; statistic >= threshold for distances. */
  readonly drifted: boolean;
  /** Usable reference values. */
  readonly referenceSize: number;
  /** Usable current values. */
  readonly currentSize: number;
  /** True when computed from sketches (profiles) rather than raw data. */
  readonly estimate: boolean;
  /**
   * For estimates: bound on the statistic's error at 99 % confidence. KS: the sum of both sketches'
   * normalized rank-error bounds, already folded into the p-value (it is computed from
   * max(0, statistic - errorBound), so a verdict never rests on sketch error). Wasserstein: the
   * rank-error bounds times the value range (divided by the reference sd when normed).
   */
  readonly errorBound?: number;
  /** `insufficient_data` when a side had fewer than `minRows` usable values, or the column is all null (then not drifted, not in the share). */
  readonly status: 'ok' | 'insufficient_data';
  /** Categories in current that the reference never had. */
  readonly newCategories?: readonly string[];
}

/** A column that could not be compared. */
export interface ColumnProblem {
  /** Column name. */
  readonly column: string;
  /** What went wrong. */
  readonly problem: 'type_mismatch' | 'missing_in_reference' | 'missing_in_current' | 'unsupported_type' | 'unsupported_method' | 'insufficient_data';
  /** Explanation and fix. */
  readonly message: string;
}

/** The result of {@link compare}: plain data, JSON-safe (see {@link driftReportToJSON}). */
export interface DriftReport {
  /** One entry per compared column, each with a `status` (insufficient-data columns included). */
  readonly columns: readonly ColumnDrift[];
  /** Columns that could not be compared (type mismatches, missing columns...) and insufficient-data columns. */
  readonly problems: readonly ColumnProblem[];
  /** Number of drifted columns. */
  readonly driftedColumns: number;
  /** Number of columns with a verdict (`status: 'ok'`); insufficient-data columns are not counted. */
  readonly comparedColumns: number;
  /** Columns with `status: 'insufficient_data'`. */
  readonly insufficientColumns: number;
  /** driftedColumns / comparedColumns (0 when nothing was compared). */
  readonly driftedShare: number;
  /** The share threshold used. */
  readonly datasetDriftShare: number;
  /** driftedShare >= datasetDriftShare (and at least one column compared). */
  readonly datasetDrift: boolean;
  /** True when any column was estimated from sketches. */
  readonly estimate: boolean;
  /** The correction applied, if any. */
  readonly correction?: PValueCorrection;
}

type Side = { kind: 'table'; table: ArrowTableLike } | { kind: 'profile'; profile: Profile };

function toSide(value: unknown, name: string): Side {
  if (isProfile(value)) return { kind: 'profile', profile: value };
  if (isArrowTableLike(value)) return { kind: 'table', table: value };
  throw new InvalidArgumentError(`Expected ${name} to be an Apache Arrow Table/RecordBatch or a Profile, found ${value === null ? 'null' : typeof value}. Build a table with tableFromArrays() or a profile with profile().`);
}

function checkMethod(m: unknown, where: string): DriftMethod {
  if (!ALL_METHODS.has(m as DriftMethod)) throw new InvalidArgumentError(`Expected ${where} to be one of ${[...ALL_METHODS].join(', ')}; found ${JSON.stringify(m)}.`);
  return m as DriftMethod;
}

function checkThreshold(t: unknown, where: string): number {
  if (typeof t !== 'number' || !(t >= 0) || !Number.isFinite(t)) throw new InvalidArgumentError(`Expected ${where} to be a finite number >= 0, found ${String(t)}.`);
  return t;
}

function countsOfVector(v: ArrowVectorLike): { counts: Map<string, number>; nulls: number } {
  const counts = new Map<string, number>();
  let nulls = 0;
  let at = 0;
  for (const d of v.data) {
    nulls += countCategoriesChunk(v, d, at, counts);
    at += d.length;
  }
  return { counts, nulls };
}

function distinctSorted(a: Float64Array, b: Float64Array, limit: number): number {
  let i = 0;
  let j = 0;
  let count = 0;
  while (i < a.length || j < b.length) {
    const v = j >= b.length || (i < a.length && a[i]! <= b[j]!) ? a[i]! : b[j]!;
    while (i < a.length && a[i]! === v) i++;
    while (j < b.length && b[j]! === v) j++;
    if (++count > limit) return count;
  }
  return count;
}

function countsOfSorted(a: Float64Array): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i < a.length; ) {
    let j = i;
    while (j < a.length && a[j] === a[i]) j++;
    m.set(String(a[i]), j - i);
    i = j;
  }
  return m;
}

interface Computed {
  statistic: number;
  pValue: number | null;
  referenceSize: number;
  currentSize: number;
  status: 'ok' | 'insufficient_data';
  estimate: boolean;
  errorBound?: number;
  newCategories?: readonly string[];
}

function categoricalFromCounts(method: DriftMethod, ref: Map<string, number>, cur: Map<string, number>, estimate: boolean): Computed {
  const keys = [...new Set([...ref.keys(), ...cur.keys()])];
  const r = keys.map((k) => ref.get(k) ?? 0);
  const c = keys.map((k) => cur.get(k) ?? 0);
  const rn = r.reduce((a, b) => a + b, 0);
  const cn = c.reduce((a, b) => a + b, 0);
  const newCategories = keys.filter((k, i) => r[i] === 0 && c[i]! > 0);
  const base = { referenceSize: rn, currentSize: cn, estimate, newCategories };
  if (rn === 0 || cn === 0) return { ...base, statistic: 0, pValue: P_VALUE_METHODS.has(method) ? 1 : null, status: 'insufficient_data' };
  switch (method) {
    case 'chi_square': {
      const t = chiSquareTest(r, c);
      return { ...base, statistic: t.statistic, pValue: t.pValue, status: t.status };
    }
    case 'z_test': {
      // The first category (in reference order) is "success"; the test is symmetric in the choice.
      const t = proportionZTest({ successes: r[0]!, trials: rn }, { successes: c[0]!, trials: cn });
      return { ...base, statistic: t.statistic, pValue: t.pValue, status: t.status };
    }
    case 'jensen_shannon':
      return { ...base, statistic: jensenShannonDistance(r, c, { base: Math.E }), pValue: null, status: 'ok' };
    case 'psi':
      return { ...base, statistic: psiFromCounts(r, c), pValue: null, status: 'ok' };
    case 'kl_divergence': {
      // KL is infinite when current lacks a reference category; clamp empty shares like PSI does.
      const rs = r.map((v) => (v === 0 ? PSI_EMPTY_BIN_SHARE : v / rn));
      const cs = c.map((v) => (v === 0 ? PSI_EMPTY_BIN_SHARE : v / cn));
      return { ...base, statistic: klDivergence(rs, cs), pValue: null, status: 'ok' };
    }
    case 'hellinger':
      return { ...base, statistic: hellingerDistance(r, c), pValue: null, status: 'ok' };
    case 'total_variation':
      return { ...base, statistic: totalVariationDistance(r, c), pValue: null, status: 'ok' };
    default:
      throw new InvalidArgumentError(`Method "${method}" needs a numerical column.`);
  }
}

function numericFromSorted(method: DriftMethod, x: SortedSample, y: SortedSample, psiOptions: PsiOptions): Computed {
  const wrap = (r: { statistic: number; pValue: number | null; referenceSize: number; currentSize: number; status: 'ok' | 'insufficient_data' }): Computed => ({
    statistic: r.statistic, pValue: r.pValue, referenceSize: r.referenceSize, currentSize: r.currentSize, status: r.status, estimate: false,
  });
  switch (method) {
    case 'ks':
      return wrap(ksTestSorted(x, y));
    case 'cramer_von_mises':
      return wrap(cramerVonMisesTestSorted(x, y));
    case 'anderson_darling':
      return wrap(andersonDarlingTestSorted(x, y));
    case 'wasserstein':
      return wrap(wassersteinSorted(x, y));
    case 'wasserstein_normed':
      return wrap(wassersteinSorted(x, y, { normed: true }));
    case 'energy':
      return wrap(energyDistanceSorted(x, y));
    default: {
      const base = { referenceSize: x.values.length, currentSize: y.values.length, estimate: false };
      if (x.values.length === 0 || y.values.length === 0) return { ...base, statistic: 0, pValue: null, status: 'insufficient_data' };
      const edges = psiEdges(x.values, psiOptions.bins ?? 10, psiOptions.binning ?? 'quantile');
      const rc = Array.from(binCountsSorted(x.values, edges));
      const cc = Array.from(binCountsSorted(y.values, edges));
      return histogramDistance(method, rc, cc, base);
    }
  }
}

function histogramDistance(method: DriftMethod, rc: number[], cc: number[], base: { referenceSize: number; currentSize: number; estimate: boolean; errorBound?: number }): Computed {
  switch (method) {
    case 'psi':
      return { ...base, statistic: psiFromCounts(rc, cc), pValue: null, status: 'ok' };
    case 'jensen_shannon':
      return { ...base, statistic: jensenShannonDistance(rc, cc, { base: Math.E }), pValue: null, status: 'ok' };
    case 'kl_divergence': {
      const rn = rc.reduce((a, b) => a + b, 0);
      const cn = cc.reduce((a, b) => a + b, 0);
      return { ...base, statistic: klDivergence(rc.map((v) => (v === 0 ? PSI_EMPTY_BIN_SHARE : v / rn)), cc.map((v) => (v === 0 ? PSI_EMPTY_BIN_SHARE : v / cn))), pValue: null, status: 'ok' };
    }
    case 'hellinger':
      return { ...base, statistic: hellingerDistance(rc, cc), pValue: null, status: 'ok' };
    case 'total_variation':
      return { ...base, statistic: totalVariationDistance(rc, cc), pValue: null, status: 'ok' };
    default:
      throw new InvalidArgumentError(`Method "${method}" needs a categorical column.`);
  }
}

// KS p-value for an estimated statistic: the asymptotic distribution scipy uses at these sizes.
function ksPValue(d: number, n1: number, n2: number): number {
  const m = Math.max(n1, n2);
  const n = Math.min(n1, n2);
  return Math.min(Math.max(kolmogorovSf(Math.max(1, roundHalfEven((m * n) / (m + n))), d), 0), 1);
}

// A sketch that never compacted holds every value of its column, sorted, at weight 1.
function exactValues(p: NumericColumnProfile): Float64Array | null {
  return p.sketch.levels.length === 1 && p.sketch.levels[0]!.length === p.count ? p.sketch.levels[0]! : null;
}

function numericFromProfiles(method: DriftMethod, a: NumericColumnProfile, b: NumericColumnProfile, psiOptions: PsiOptions): Computed | string {
  const base = { referenceSize: a.count, currentSize: b.count };
  const sameEdges = a.histogram && b.histogram && a.histogram.edges.join() === b.histogram.edges.join();
  const histogramMethod = method === 'psi' || method === 'jensen_shannon' || method === 'kl_divergence' || method === 'hellinger' || method === 'total_variation';
  if (histogramMethod && sameEdges) return histogramDistance(method, a.histogram!.counts, b.histogram!.counts, { ...base, estimate: false });
  // Uncompacted sketches are the raw values: run the exact test, so small profiles equal tables.
  const xa = exactValues(a);
  const xb = exactValues(b);
  if (xa && xb) return numericFromSorted(method, sortedSampleOf(xa), sortedSampleOf(xb), psiOptions);
  const errA = kllRankErrorBound(a.sketch);
  const errB = kllRankErrorBound(b.sketch);
  const bound = errA + errB;
  switch (method) {
    case 'ks': {
      const d = ksFromCdfs(kllCdf(a.sketch), kllCdf(b.sketch));
      // Fold the sketch error into the verdict: the true D is >= d - bound with 99 % confidence,
      // so the p-value of that lower bound is an upper bound on the p-value (issue #14).
      return { ...base, statistic: d, pValue: ksPValue(Math.max(0, d - bound), a.count, b.count), status: 'ok', estimate: true, errorBound: bound };
    }
    case 'wasserstein':
    case 'wasserstein_normed': {
      // |W_est - W| <= ∫ |F_a_err| + |F_b_err| dx <= (errA + errB) * (value range).
      const range = Math.max(a.max!, b.max!) - Math.min(a.min!, b.min!);
      let w = wassersteinFromCdfs(kllCdf(a.sketch), kllCdf(b.sketch));
      let errorBound = bound * range;
      if (method === 'wasserstein_normed') {
        const sd = Math.max(Math.sqrt(a.m2 / a.count), 0.001);
        w /= sd;
        errorBound /= sd;
      }
      return { ...base, statistic: w, pValue: null, status: 'ok', estimate: true, errorBound };
    }
    case 'psi':
    case 'jensen_shannon':
    case 'kl_divergence':
    case 'hellinger':
    case 'total_variation': {
      const ca = kllCdf(a.sketch);
      const cb = kllCdf(b.sketch);
      const bins = psiOptions.bins ?? 10;
      const edges: number[] = [];
      for (let i = 1; i < bins; i++) {
        edges.push(psiOptions.binning === 'equal-width' ? a.min! + ((a.max! - a.min!) * i) / bins : kllQuantile(ca, i / bins));
      }
      const rs = sharesFromCdf(ca, edges).map((s) => s * a.count);
      const cs = sharesFromCdf(cb, edges).map((s) => s * b.count);
      return histogramDistance(method, rs, cs, { ...base, estimate: true });
    }
    default:
      return `Method "${method}" needs raw values; from profiles use ks, wasserstein(_normed), psi or a histogram distance.`;
  }
}

// Per-value counts of a low-cardinality numeric column from its sketch (exact while uncompacted).
function countsFromCdf(cdf: SketchCdf): Map<string, number> {
  const m = new Map<string, number>();
  let prev = 0;
  for (let i = 0; i < cdf.values.length; i++) {
    m.set(String(cdf.values[i]), cdf.cumulative[i]! - prev);
    prev = cdf.cumulative[i]!;
  }
  return m;
}

const OTHER = '__other__';

// Heavy-hitter summaries (above categoryCap) track different categories on each side: compare
// the categories tracked on every inexact side, plus an explicit "other" bucket holding the rest
// of each side's mass, so both vectors describe the same partition (issue #14, defect 2).
function alignedProfileCounts(a: CategoricalColumnProfile, b: CategoricalColumnProfile): { ref: Map<string, number>; cur: Map<string, number> } {
  if (a.exact && b.exact) return { ref: a.counts, cur: b.counts };
  // One side exact: its categories are known (the other side's untracked count is at most its
  // maxUndercount), so compare every category either side names. Both inexact: those both track,
  // plus those one side tracks with a share above anything the other side could have left
  // untracked (a Misra–Gries summary keeps every category whose count exceeds its maxUndercount,
  // and a tracked count is a lower bound). Without them, one user id taking 30% of a current
  // window of 1M distinct ids went into "other" on both sides and was never seen as drift; with
  // the same distribution on both sides no such category exists, so like is still compared with like.
  const provablyMore = (p: CategoricalColumnProfile, q: CategoricalColumnProfile, k: string): boolean => p.count > 0 && q.count > 0 && p.counts.get(k)! / p.count > q.maxUndercount / q.count;
  const keys = !a.exact && !b.exact
    ? [...new Set([...a.counts.keys(), ...b.counts.keys()])].filter((k) => (a.counts.has(k) && b.counts.has(k)) || (a.counts.has(k) ? provablyMore(a, b, k) : provablyMore(b, a, k)))
    : [...new Set([...a.counts.keys(), ...b.counts.keys()])];
  const pick = (p: CategoricalColumnProfile): Map<string, number> => {
    const m = new Map<string, number>();
    let kept = 0;
    for (const k of keys) {
      const v = p.counts.get(k) ?? 0;
      m.set(k, v);
      kept += v;
    }
    m.set(OTHER, Math.max(0, p.count - kept));
    return m;
  };
  return { ref: pick(a), cur: pick(b) };
}

// The one selection rule (tables and profiles alike), on usable (non-null, finite) counts:
// numeric columns with more than 5 distinct values (reference ∪ current) are numerical, the rest
// categorical; up to 1000 reference values KS / chi-square (z-test when binary), above it normed
// Wasserstein / Jensen–Shannon (Evidently 0.7's rule, but on non-null counts).
function defaultMethod(columnType: 'numerical' | 'categorical', referenceRows: number, nUnique: number): DriftMethod {
  if (columnType === 'numerical') return referenceRows <= 1000 ? 'ks' : 'wasserstein_normed';
  if (referenceRows <= 1000) return nUnique > 2 ? 'chi_square' : 'z_test';
  return 'jensen_shannon';
}

function columnNames(side: Side): string[] {
  return side.kind === 'table' ? side.table.schema.fields.map((f) => f.name) : [...side.profile.columns.keys()];
}

type SideKind = 'numeric' | 'categorical' | 'unsupported' | 'missing' | 'null';

function kindOf(side: Side, name: string): { kind: SideKind; type: string } {
  if (side.kind === 'table') {
    const v = side.table.getChild(name);
    if (!v) return { kind: 'missing', type: '' };
    if (v.type.typeId === ArrowTypeId.Null) return { kind: 'null', type: 'Null' };
    return { kind: columnKind(v.type), type: v.type.toString() };
  }
  const c = side.profile.columns.get(name);
  if (!c) return { kind: 'missing', type: '' };
  return { kind: c.sourceType === 'Null' ? 'null' : c.kind, type: c.sourceType };
}

function nullCount(side: Side, name: string): number {
  if (side.kind === 'table') return side.table.getChild(name)?.length ?? 0;
  return side.profile.columns.get(name)?.nulls ?? 0;
}

/**
 * Compares a reference and a current dataset column by column and decides dataset drift.
 * Each side is an Apache Arrow Table (raw values: exact tests) or a {@link Profile} (sketch-based
 * estimates, marked `estimate: true` with an error bound). When one side is a table and the other
 * a profile, the table is profiled first (with the profile's histogram edges).
 *
 * Default methods follow Evidently 0.7: numerical columns with more than 5 distinct values use
 * KS (p < 0.05) when the reference has <= 1000 rows, else normed Wasserstein (>= 0.1); other
 * columns are categorical: chi-square (or the z-test when binary) up to 1000 reference rows, else
 * Jensen–Shannon distance (natural log, >= 0.1). Numbers of every Arrow int/float width, decimals,
 * dates and timestamps (as epoch ms) are numerical; strings, dictionary strings and booleans are
 * categorical. A column whose type differs between the sides is reported in `problems`, not
 * thrown. Dataset drift: share of drifted columns >= `datasetDriftShare` (0.5).
 */
export function compare(reference: ArrowTableLike | Profile, current: ArrowTableLike | Profile, options: CompareOptions = {}): DriftReport {
  let ref = toSide(reference, 'reference');
  let cur = toSide(current, 'current');
  const share = options.datasetDriftShare ?? 0.5;
  if (typeof share !== 'number' || !(share >= 0 && share <= 1)) throw new InvalidArgumentError(`Expected datasetDriftShare to be in [0, 1], found ${String(share)}.`);
  if (options.numericalMethod) checkMethod(options.numericalMethod, 'numericalMethod');
  if (options.categoricalMethod) checkMethod(options.categoricalMethod, 'categoricalMethod');
  if (options.threshold !== undefined) checkThreshold(options.threshold, 'threshold');
  for (const [name, o] of Object.entries(options.perColumn ?? {})) {
    if (o.method !== undefined) checkMethod(o.method, `perColumn["${name}"].method`);
    if (o.threshold !== undefined) checkThreshold(o.threshold, `perColumn["${name}"].threshold`);
  }
  const psiOptions = options.psi ?? {};
  // Mixed sides: profile the table with the profile's histogram edges so PSI stays exact.
  if (ref.kind !== cur.kind) {
    const prof = ref.kind === 'profile' ? ref.profile : (cur as { profile: Profile }).profile;
    const histogramEdges: Record<string, readonly number[]> = { ...(options.profile?.histogramEdges ?? {}) };
    for (const [name, col] of prof.columns) if (col.kind === 'numeric' && col.histogram) histogramEdges[name] = col.histogram.edges;
    const opts = { ...options.profile, histogramEdges };
    if (ref.kind === 'table') ref = { kind: 'profile', profile: profileTable(ref.table, opts) };
    else cur = { kind: 'profile', profile: profileTable((cur as { table: ArrowTableLike }).table, opts) };
  }
  const minRows = options.minRows ?? DEFAULT_MIN_ROWS;
  if (!Number.isInteger(minRows) || minRows < 1) throw new InvalidArgumentError(`Expected minRows to be a positive integer, found ${String(minRows)}. It is the fewest usable values each side needs for a verdict (default ${DEFAULT_MIN_ROWS}).`);
  const names = options.columns ? [...options.columns] : [...new Set([...columnNames(ref), ...columnNames(cur)])];
  const results: ColumnDrift[] = [];
  const problems: ColumnProblem[] = [];
  const insufficient = (name: string, why: string): void => {
    problems.push({ column: name, problem: 'insufficient_data', message: `Column "${name}" ${why}; it has no verdict and is left out of the drifted share. Collect more rows, or lower minRows (now ${minRows}).` });
  };
  for (const name of names) {
    const rk = kindOf(ref, name);
    const ck = kindOf(cur, name);
    if (rk.kind === 'missing' || ck.kind === 'missing') {
      if (rk.kind === 'missing' && ck.kind === 'missing') throw new InvalidArgumentError(`Column "${name}" (in options.columns) is in neither the reference nor the current data.`);
      problems.push({ column: name, problem: rk.kind === 'missing' ? 'missing_in_reference' : 'missing_in_current', message: `Column "${name}" is only in the ${rk.kind === 'missing' ? 'current' : 'reference'} data; it was not compared.` });
      continue;
    }
    if (rk.kind === 'unsupported' || ck.kind === 'unsupported') {
      if (options.columns) problems.push({ column: name, problem: 'unsupported_type', message: `Column "${name}" has type ${rk.kind === 'unsupported' ? rk.type : ck.type}, which drift cannot compare. Use numbers, timestamps, booleans or strings.` });
      continue;
    }
    const override = options.perColumn?.[name] ?? {};
    if (rk.kind === 'null' || ck.kind === 'null') {
      // An Arrow Null column is all null: list it with a status instead of dropping it.
      const other = rk.kind === 'null' ? ck : rk;
      const columnType = other.kind === 'numeric' ? 'numerical' : 'categorical';
      const method = override.method ?? (columnType === 'numerical' ? options.numericalMethod : options.categoricalMethod) ?? defaultMethod(columnType, 0, Infinity);
      results.push({
        column: name, columnType, method, statistic: 0, pValue: P_VALUE_METHODS.has(method) ? 1 : null, threshold: override.threshold ?? options.threshold ?? DEFAULT_THRESHOLDS[method], drifted: false,
        referenceSize: rk.kind === 'null' ? 0 : usableCount(ref, name), currentSize: ck.kind === 'null' ? 0 : usableCount(cur, name), estimate: false, status: 'insufficient_data',
      });
      insufficient(name, `is all null (Arrow type Null) in the ${rk.kind === 'null' && ck.kind === 'null' ? 'reference and current' : rk.kind === 'null' ? 'reference' : 'current'} data (${nullCount(rk.kind === 'null' ? ref : cur, name)} nulls)`);
      continue;
    }
    if (rk.kind !== ck.kind) {
      problems.push({ column: name, problem: 'type_mismatch', message: `Column "${name}" is ${rk.kind} (${rk.type}) in the reference but ${ck.kind} (${ck.type}) in the current data. Cast one side so both have the same kind.` });
      continue;
    }
    const col = columnInputs(ref, cur, name, rk.kind, psiOptions);
    let columnType: 'numerical' | 'categorical' = col.numeric && col.nUnique > 5 ? 'numerical' : 'categorical';
    const method = override.method ?? (columnType === 'numerical' ? options.numericalMethod : options.categoricalMethod) ?? defaultMethod(columnType, col.referenceSize, col.nUnique);
    if (col.numeric) {
      if (CATEGORICAL_ONLY.has(method)) columnType = 'categorical';
      else if (NUMERIC_ONLY.has(method)) columnType = 'numerical';
    }
    let computed: Computed | string;
    if (!col.numeric && NUMERIC_ONLY.has(method)) computed = `Method "${method}" needs a numerical column; "${name}" is categorical.`;
    else if (col.referenceSize < minRows || col.currentSize < minRows) {
      computed = { statistic: 0, pValue: P_VALUE_METHODS.has(method) ? 1 : null, referenceSize: col.referenceSize, currentSize: col.currentSize, status: 'insufficient_data', estimate: false };
    } else computed = columnType === 'numerical' ? col.numerical(method) : col.categorical(method);
    if (typeof computed === 'string') {
      problems.push({ column: name, problem: 'unsupported_method', message: computed });
      continue;
    }
    if (computed.status === 'insufficient_data') insufficient(name, `has ${computed.referenceSize} usable reference and ${computed.currentSize} usable current values (need ${minRows} on each side)`);
    const threshold = override.threshold ?? options.threshold ?? DEFAULT_THRESHOLDS[method];
    results.push({
      column: name, columnType, method, statistic: computed.statistic, pValue: computed.pValue, threshold, drifted: false,
      referenceSize: computed.referenceSize, currentSize: computed.currentSize, estimate: computed.estimate, status: computed.status,
      ...(computed.errorBound !== undefined ? { errorBound: computed.errorBound } : {}),
      ...(computed.newCategories && computed.newCategories.length ? { newCategories: computed.newCategories } : {}),
    });
  }
  if (options.correction) {
    const idx = results.map((r, i) => (r.pValue !== null && r.status === 'ok' ? i : -1)).filter((i) => i >= 0);
    const adjusted = adjustPValues(idx.map((i) => results[i]!.pValue!), options.correction);
    idx.forEach((i, k) => {
      results[i] = { ...results[i]!, rawPValue: results[i]!.pValue, pValue: adjusted[k]! };
    });
  }
  const finalColumns = results.map((r) => ({
    ...r,
    drifted: r.status === 'ok' && (r.pValue !== null ? r.pValue < r.threshold : r.statistic >= r.threshold),
  }));
  const drifted = finalColumns.filter((r) => r.drifted).length;
  const compared = finalColumns.filter((r) => r.status === 'ok').length;
  const driftedShare = compared ? drifted / compared : 0;
  return {
    columns: finalColumns, problems, driftedColumns: drifted, comparedColumns: compared, insufficientColumns: finalColumns.length - compared, driftedShare, datasetDriftShare: share,
    datasetDrift: compared > 0 && driftedShare >= share, estimate: finalColumns.some((r) => r.estimate),
    ...(options.correction ? { correction: options.correction } : {}),
  };
}

function usableCount(side: Side, name: string): number {
  if (side.kind === 'profile') return side.profile.columns.get(name)?.count ?? 0;
  const v = side.table.getChild(name)!;
  if (columnKind(v.type) === 'numeric') {
    const x = readNumericVector(v);
    let n = 0;
    for (let i = 0; i < x.length; i++) if (x[i]! - x[i]! === 0) n++;
    return n;
  }
  return v.length - countsOfVector(v).nulls;
}

interface ColumnInputs {
  numeric: boolean;
  referenceSize: number;
  currentSize: number;
  nUnique: number;
  numerical(method: DriftMethod): Computed | string;
  categorical(method: DriftMethod): Computed | string;
}

// What the selection rule needs (usable counts, distinct values) and how to run either treatment,
// for two tables or two profiles: one rule for both input forms (issue #14, defect 4).
function columnInputs(ref: Side, cur: Side, name: string, kind: 'numeric' | 'categorical', psiOptions: PsiOptions): ColumnInputs {
  if (ref.kind === 'table' && cur.kind === 'table') {
    const rv = ref.table.getChild(name)!;
    const cv = cur.table.getChild(name)!;
    if (kind === 'numeric') {
      const x = toSortedSample(readNumericVector(rv), 'reference');
      const y = toSortedSample(readNumericVector(cv), 'current');
      return {
        numeric: true, referenceSize: x.values.length, currentSize: y.values.length, nUnique: distinctSorted(x.values, y.values, 5),
        numerical: (m) => numericFromSorted(m, x, y, psiOptions),
        categorical: (m) => categoricalFromCounts(m, countsOfSorted(x.values), countsOfSorted(y.values), false),
      };
    }
    const rc = countsOfVector(rv).counts;
    const cc = countsOfVector(cv).counts;
    let rn = 0;
    let cn = 0;
    for (const v of rc.values()) rn += v;
    for (const v of cc.values()) cn += v;
    return {
      numeric: false, referenceSize: rn, currentSize: cn, nUnique: new Set([...rc.keys(), ...cc.keys()]).size,
      numerical: () => `"${name}" is categorical.`,
      categorical: (m) => categoricalFromCounts(m, rc, cc, false),
    };
  }
  const a = (ref as { profile: Profile }).profile.columns.get(name)!;
  const b = (cur as { profile: Profile }).profile.columns.get(name)!;
  if (a.kind === 'numeric' && b.kind === 'numeric') {
    return {
      numeric: true, referenceSize: a.count, currentSize: b.count, nUnique: hllEstimate(hllMerge(a.distinct, b.distinct)),
      numerical: (m) => numericFromProfiles(m, a, b, psiOptions),
      categorical: (m) => {
        const exact = exactValues(a) !== null && exactValues(b) !== null;
        return categoricalFromCounts(m, countsFromCdf(kllCdf(a.sketch)), countsFromCdf(kllCdf(b.sketch)), !exact);
      },
    };
  }
  const ca = a as CategoricalColumnProfile;
  const cb = b as CategoricalColumnProfile;
  const aligned = alignedProfileCounts(ca, cb);
  return {
    numeric: false, referenceSize: ca.count, currentSize: cb.count, nUnique: new Set([...ca.counts.keys(), ...cb.counts.keys()]).size,
    numerical: () => `"${name}" is categorical.`,
    categorical: (m) => categoricalFromCounts(m, aligned.ref, aligned.cur, !(ca.exact && cb.exact)),
  };
}
