import { InvalidArgumentError } from '@mlops/contracts';
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
import type { ColumnProfile, Profile, ProfileOptions } from './profile.js';
import { isProfile, profile as profileTable } from './profile.js';
import { binCountsSorted, psiEdges, psiFromCounts, PSI_EMPTY_BIN_SHARE } from './psi.js';
import type { PsiOptions } from './psi.js';
import type { SortedSample } from './samples.js';
import { toSortedSample } from './samples.js';
import { kllCdf, kllRankErrorBound, ksFromCdfs, sharesFromCdf, wassersteinFromCdfs } from './sketch-estimates.js';
import { kllQuantile } from './kll-sketch.js';

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
}

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
  /** For estimates: bound on the statistic's error (KS: sum of the sketches' rank-error bounds). */
  readonly errorBound?: number;
  /** `insufficient_data` when a side had too few values (the column then counts as not drifted). */
  readonly status: 'ok' | 'insufficient_data';
  /** Categories in current that the reference never had. */
  readonly newCategories?: readonly string[];
}

/** A column that could not be compared. */
export interface ColumnProblem {
  /** Column name. */
  readonly column: string;
  /** What went wrong. */
  readonly problem: 'type_mismatch' | 'missing_in_reference' | 'missing_in_current' | 'unsupported_type' | 'unsupported_method';
  /** Explanation and fix. */
  readonly message: string;
}

/** The result of {@link compare}: plain data, JSON-safe (see {@link driftReportToJSON}). */
export interface DriftReport {
  /** One entry per compared column. */
  readonly columns: readonly ColumnDrift[];
  /** Columns that could not be compared (type mismatches, missing columns...). */
  readonly problems: readonly ColumnProblem[];
  /** Number of drifted columns. */
  readonly driftedColumns: number;
  /** Number of compared columns. */
  readonly comparedColumns: number;
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

function numericFromProfiles(method: DriftMethod, a: ColumnProfile & { kind: 'numeric' }, b: ColumnProfile & { kind: 'numeric' }, psiOptions: PsiOptions): Computed | string {
  const base = { referenceSize: a.count, currentSize: b.count };
  if (a.count === 0 || b.count === 0) return { ...base, statistic: 0, pValue: P_VALUE_METHODS.has(method) ? 1 : null, status: 'insufficient_data', estimate: true };
  const errA = kllRankErrorBound(a.sketch);
  const errB = kllRankErrorBound(b.sketch);
  const estimate = errA > 0 || errB > 0;
  switch (method) {
    case 'ks': {
      const d = ksFromCdfs(kllCdf(a.sketch), kllCdf(b.sketch));
      return { ...base, statistic: d, pValue: ksPValue(d, a.count, b.count), status: 'ok', estimate, errorBound: errA + errB };
    }
    case 'wasserstein':
    case 'wasserstein_normed': {
      let w = wassersteinFromCdfs(kllCdf(a.sketch), kllCdf(b.sketch));
      if (method === 'wasserstein_normed') w /= Math.max(Math.sqrt(a.m2 / a.count), 0.001);
      return { ...base, statistic: w, pValue: null, status: 'ok', estimate };
    }
    case 'psi':
    case 'jensen_shannon':
    case 'kl_divergence':
    case 'hellinger':
    case 'total_variation': {
      if (a.histogram && b.histogram && a.histogram.edges.join() === b.histogram.edges.join()) {
        return histogramDistance(method, a.histogram.counts, b.histogram.counts, { ...base, estimate: false });
      }
      const ca = kllCdf(a.sketch);
      const cb = kllCdf(b.sketch);
      const bins = psiOptions.bins ?? 10;
      const edges: number[] = [];
      for (let i = 1; i < bins; i++) {
        edges.push(psiOptions.binning === 'equal-width' ? a.min! + ((a.max! - a.min!) * i) / bins : kllQuantile(ca, i / bins));
      }
      const rs = sharesFromCdf(ca, edges).map((s) => s * a.count);
      const cs = sharesFromCdf(cb, edges).map((s) => s * b.count);
      return histogramDistance(method, rs, cs, { ...base, estimate: estimate });
    }
    default:
      return `Method "${method}" needs raw values; from profiles use ks, wasserstein(_normed), psi or a histogram distance.`;
  }
}

function defaultMethod(columnType: 'numerical' | 'categorical', referenceRows: number, nUnique: number): DriftMethod {
  if (columnType === 'numerical') return referenceRows <= 1000 ? 'ks' : 'wasserstein_normed';
  if (referenceRows <= 1000) return nUnique > 2 ? 'chi_square' : 'z_test';
  return 'jensen_shannon';
}

function columnNames(side: Side): string[] {
  return side.kind === 'table' ? side.table.schema.fields.map((f) => f.name) : [...side.profile.columns.keys()];
}

function kindOf(side: Side, name: string): { kind: 'numeric' | 'categorical' | 'unsupported' | 'missing'; type: string } {
  if (side.kind === 'table') {
    const v = side.table.getChild(name);
    if (!v) return { kind: 'missing', type: '' };
    return { kind: columnKind(v.type), type: v.type.toString() };
  }
  const c = side.profile.columns.get(name);
  return c ? { kind: c.kind, type: c.sourceType } : { kind: 'missing', type: '' };
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
  const names = options.columns ? [...options.columns] : [...new Set([...columnNames(ref), ...columnNames(cur)])];
  const results: ColumnDrift[] = [];
  const problems: ColumnProblem[] = [];
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
    if (rk.kind !== ck.kind) {
      problems.push({ column: name, problem: 'type_mismatch', message: `Column "${name}" is ${rk.kind} (${rk.type}) in the reference but ${ck.kind} (${ck.type}) in the current data. Cast one side so both have the same kind.` });
      continue;
    }
    const override = options.perColumn?.[name] ?? {};
    let computed: Computed | string;
    let columnType: 'numerical' | 'categorical';
    let method: DriftMethod;
    if (ref.kind === 'table' && cur.kind === 'table') {
      const rv = ref.table.getChild(name)!;
      const cv = cur.table.getChild(name)!;
      const referenceRows = ref.table.numRows;
      if (rk.kind === 'numeric') {
        const x = toSortedSample(readNumericVector(rv), 'reference');
        const y = toSortedSample(readNumericVector(cv), 'current');
        const nUnique = distinctSorted(x.values, y.values, 5);
        columnType = nUnique > 5 ? 'numerical' : 'categorical';
        method = override.method ?? (columnType === 'numerical' ? options.numericalMethod : options.categoricalMethod) ?? defaultMethod(columnType, referenceRows, nUnique);
        if (CATEGORICAL_ONLY.has(method)) columnType = 'categorical';
        else if (NUMERIC_ONLY.has(method)) columnType = 'numerical';
        computed = columnType === 'numerical' ? numericFromSorted(method, x, y, psiOptions) : categoricalFromCounts(method, countsOfSorted(x.values), countsOfSorted(y.values), false);
      } else {
        const rc = countsOfVector(rv).counts;
        const cc = countsOfVector(cv).counts;
        columnType = 'categorical';
        const nUnique = new Set([...rc.keys(), ...cc.keys()]).size;
        method = override.method ?? options.categoricalMethod ?? defaultMethod('categorical', referenceRows, nUnique);
        computed = NUMERIC_ONLY.has(method) ? `Method "${method}" needs a numerical column; "${name}" is categorical.` : categoricalFromCounts(method, rc, cc, false);
      }
    } else {
      const a = (ref as { profile: Profile }).profile.columns.get(name)!;
      const b = (cur as { profile: Profile }).profile.columns.get(name)!;
      const referenceRows = (ref as { profile: Profile }).profile.rowCount;
      if (a.kind === 'numeric' && b.kind === 'numeric') {
        columnType = 'numerical';
        method = override.method ?? options.numericalMethod ?? defaultMethod('numerical', referenceRows, Infinity);
        computed = CATEGORICAL_ONLY.has(method) ? `Method "${method}" needs a categorical column; "${name}" is numerical.` : numericFromProfiles(method, a, b, psiOptions);
      } else if (a.kind === 'categorical' && b.kind === 'categorical') {
        columnType = 'categorical';
        const nUnique = new Set([...a.counts.keys(), ...b.counts.keys()]).size;
        method = override.method ?? options.categoricalMethod ?? defaultMethod('categorical', referenceRows, nUnique);
        computed = NUMERIC_ONLY.has(method) ? `Method "${method}" needs a numerical column; "${name}" is categorical.` : categoricalFromCounts(method, a.counts, b.counts, !(a.exact && b.exact));
      } else continue;
    }
    if (typeof computed === 'string') {
      problems.push({ column: name, problem: 'unsupported_method', message: computed });
      continue;
    }
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
  const driftedShare = finalColumns.length ? drifted / finalColumns.length : 0;
  return {
    columns: finalColumns, problems, driftedColumns: drifted, comparedColumns: finalColumns.length, driftedShare, datasetDriftShare: share,
    datasetDrift: finalColumns.length > 0 && driftedShare >= share, estimate: finalColumns.some((r) => r.estimate),
    ...(options.correction ? { correction: options.correction } : {}),
  };
}
