import { InvalidArgumentError } from '@mlops/contracts';
import type { ArrowTableLike } from './arrow-like.js';
import { isArrowTableLike } from './arrow-like.js';
import { kllCdf } from './kll-sketch.js';
import type { ColumnProfile, NumericColumnProfile, Profile } from './profile.js';
import { isNullPlaceholder, isProfile, profile as profileTable } from './profile.js';

/** The data-quality checks run with every monitor window (and by {@link checkDataQuality}). */
export type DataQualityCheck = 'missing_column' | 'new_column' | 'type_change' | 'null_rate' | 'non_finite' | 'out_of_range' | 'new_categories' | 'constant';

/** How bad a data-quality problem is. */
export type DataQualitySeverity = 'info' | 'warning' | 'error';

/** Threshold and severity of one check; `false` turns the check off. */
export type DataQualityCheckSetting = false | { readonly threshold?: number; readonly severity?: DataQualitySeverity };

/** Options for the data-quality checks. */
export interface DataQualityOptions {
  /** Per check overrides for every column (see {@link DEFAULT_DATA_QUALITY_CHECKS} for the defaults). */
  readonly checks?: Readonly<Partial<Record<DataQualityCheck, DataQualityCheckSetting>>>;
  /** Per column overrides; `false` turns every check off for that column. */
  readonly perColumn?: Readonly<Record<string, false | Readonly<Partial<Record<DataQualityCheck, DataQualityCheckSetting>>>>>;
}

/**
 * Default severity and threshold per check. A check flags a column when its `value` is above the
 * threshold (`constant`, `missing_column`, `new_column`, `type_change`: when above 0).
 * - `missing_column`: share of current rows without the column.
 * - `new_column`: 1 for a column the reference does not have.
 * - `type_change`: share of current rows whose value had the wrong type (1 when the whole column changed type).
 * - `null_rate`: increase of the null share over the reference's (absolute, 0..1).
 * - `non_finite`: increase of the NaN/±Infinity share over the reference's.
 * - `out_of_range`: share of current finite values outside the reference [min, max].
 * - `new_categories`: share of current values in categories the reference never had (exact references only).
 * - `constant`: 1 when the current column holds a single value while the reference held several.
 */
export const DEFAULT_DATA_QUALITY_CHECKS: Readonly<Record<DataQualityCheck, { readonly threshold: number; readonly severity: DataQualitySeverity }>> = {
  missing_column: { threshold: 0, severity: 'error' },
  new_column: { threshold: 0, severity: 'info' },
  type_change: { threshold: 0, severity: 'error' },
  null_rate: { threshold: 0.1, severity: 'warning' },
  non_finite: { threshold: 0.01, severity: 'error' },
  out_of_range: { threshold: 0.05, severity: 'warning' },
  new_categories: { threshold: 0.05, severity: 'warning' },
  constant: { threshold: 0, severity: 'warning' },
};

/** One flagged data-quality problem. */
export interface DataQualityProblem {
  /** Column name. */
  readonly column: string;
  /** Which check. */
  readonly check: DataQualityCheck;
  /** Severity (from the options, or the default). */
  readonly severity: DataQualitySeverity;
  /** The measured value (a share, see {@link DEFAULT_DATA_QUALITY_CHECKS}). */
  readonly value: number;
  /** The threshold it exceeded. */
  readonly threshold: number;
  /** What was found and what to do. */
  readonly message: string;
  /** For `new_categories`: up to 20 of the new categories, most frequent first. */
  readonly categories?: readonly string[];
}

/** Data-quality results of one comparison. */
export interface DataQualityReport {
  /** Flagged problems, errors first. */
  readonly problems: readonly DataQualityProblem[];
  /** Every measured check value per column (flagged or not), for metrics: `values[column][check]`. */
  readonly values: Readonly<Record<string, Readonly<Partial<Record<DataQualityCheck, number>>>>>;
}

/** What a monitor counted while ingesting (rows are the window's rows). Internal. */
export interface IngestCounters {
  rows: number;
  missing: Map<string, number>;
  wrongType: Map<string, number>;
  newColumns: Set<string>;
}

function settingFor(options: DataQualityOptions, column: string, check: DataQualityCheck): { threshold: number; severity: DataQualitySeverity } | null {
  const col = options.perColumn?.[column];
  if (col === false) return null;
  const s = col?.[check] ?? options.checks?.[check];
  if (s === false) return null;
  const d = DEFAULT_DATA_QUALITY_CHECKS[check];
  return { threshold: s?.threshold ?? d.threshold, severity: s?.severity ?? d.severity };
}

const SEVERITY_ORDER: Record<DataQualitySeverity, number> = { error: 0, warning: 1, info: 2 };

function outOfRangeShare(ref: NumericColumnProfile, cur: NumericColumnProfile): number {
  if (cur.count === 0 || ref.min === null || ref.max === null) return 0;
  const cdf = kllCdf(cur.sketch);
  let below = 0;
  let atOrBelowMax = 0;
  for (let i = 0; i < cdf.values.length; i++) {
    if (cdf.values[i]! < ref.min) below = cdf.cumulative[i]!;
    if (cdf.values[i]! <= ref.max) atOrBelowMax = cdf.cumulative[i]!;
  }
  return (below + (cdf.total - atOrBelowMax)) / cdf.total;
}

function short(v: number | null): string {
  return v === null ? 'none' : String(Number(v.toPrecision(6)));
}

function pct(v: number): string {
  return `${(v * 100).toFixed(v < 0.001 && v > 0 ? 3 : 1)}%`;
}

/**
 * Runs the data-quality checks of `current` against `reference` (profiles, or tables that are
 * profiled first). `counters` carries what a monitor saw while ingesting (missing columns,
 * wrong-typed values, columns the reference lacks). Internal form; see {@link checkDataQuality}.
 */
export function dataQualityFromProfiles(reference: Profile, current: Profile, options: DataQualityOptions = {}, counters?: IngestCounters, minRows = 30): DataQualityReport {
  const problems: DataQualityProblem[] = [];
  const values: Record<string, Partial<Record<DataQualityCheck, number>>> = {};
  const rows = counters?.rows ?? current.rowCount;
  const record = (column: string, check: DataQualityCheck, value: number, message: (threshold: number) => string, extra?: { categories?: readonly string[] }): void => {
    const s = settingFor(options, column, check);
    if (!s) return;
    (values[column] ??= {})[check] = value;
    if (value > s.threshold) problems.push({ column, check, severity: s.severity, value, threshold: s.threshold, message: message(s.threshold), ...(extra?.categories ? { categories: extra.categories } : {}) });
  };
  const currentNames = new Set([...current.columns.keys()]);
  for (const name of counters?.newColumns ?? []) currentNames.add(name);
  for (const name of currentNames) {
    if (!reference.columns.has(name)) record(name, 'new_column', 1, () => `Column "${name}" is in the current data but not in the reference; it is not monitored. Add it to the reference (or ignore it) if that is expected.`);
  }
  for (const [name, ref] of reference.columns) {
    const cur: ColumnProfile | undefined = current.columns.get(name);
    const missing = counters ? (counters.missing.get(name) ?? 0) / Math.max(rows, 1) : cur ? 0 : 1;
    if (rows > 0 || !counters) record(name, 'missing_column', missing, () => `Column "${name}" was missing from ${pct(missing)} of current rows. Check the producer of these rows (a renamed or dropped field).`);
    if (!cur) continue;
    const curIsNull = isNullPlaceholder(cur);
    const staticTypeChange = !curIsNull && !isNullPlaceholder(ref) && cur.kind !== ref.kind ? 1 : 0;
    const typeChange = counters ? (counters.wrongType.get(name) ?? 0) / Math.max(rows, 1) : staticTypeChange;
    record(name, 'type_change', typeChange, () => `Column "${name}" had values of the wrong type in ${pct(typeChange)} of current rows (reference type ${ref.sourceType}${staticTypeChange ? `, current ${cur.sourceType}` : ''}); they were not profiled. Convert them at the source.`);
    const refRows = Math.max(reference.rowCount, 1);
    const curRows = Math.max(rows, 1);
    const refNullRate = ref.nulls / refRows;
    const curNullRate = cur.nulls / curRows;
    if (rows >= 1) record(name, 'null_rate', Math.max(0, curNullRate - refNullRate), (t) => `Column "${name}" is ${pct(curNullRate)} null (reference ${pct(refNullRate)}), up more than ${pct(t)}.`);
    if (ref.kind === 'numeric' && cur.kind === 'numeric') {
      const refBad = (ref.nans + ref.infinities) / refRows;
      const curBad = (cur.nans + cur.infinities) / curRows;
      if (rows >= 1) record(name, 'non_finite', Math.max(0, curBad - refBad), () => `Column "${name}" has ${pct(curBad)} NaN or ±Infinity values (${cur.nans} NaN, ${cur.infinities} infinite; reference ${pct(refBad)}). These are left out of drift statistics.`);
      if (cur.count > 0) {
        const out = outOfRangeShare(ref, cur);
        record(name, 'out_of_range', out, () => `${pct(out)} of "${name}" values are outside the reference range [${short(ref.min)}, ${short(ref.max)}] (current [${short(cur.min)}, ${short(cur.max)}]). A unit or encoding change looks like this.`);
      }
      if (cur.count >= minRows && cur.min === cur.max && ref.min !== ref.max) record(name, 'constant', 1, () => `Column "${name}" holds the single value ${cur.min} in ${cur.count} current rows; the reference varies over [${short(ref.min)}, ${short(ref.max)}].`);
    } else if (ref.kind === 'categorical' && cur.kind === 'categorical') {
      if (ref.exact && cur.count > 0 && !isNullPlaceholder(ref)) {
        let inNew = 0;
        const fresh: [string, number][] = [];
        for (const [k, v] of cur.counts) {
          if (!ref.counts.has(k)) {
            inNew += v;
            fresh.push([k, v]);
          }
        }
        fresh.sort((a, b) => b[1] - a[1]);
        const share = inNew / cur.count;
        const categories = fresh.slice(0, 20).map(([k]) => k);
        record(name, 'new_categories', share, () => `${pct(share)} of "${name}" values are in ${fresh.length} categories the reference never had (${categories.slice(0, 5).map((c) => JSON.stringify(c)).join(', ')}${fresh.length > 5 ? ', ...' : ''}).`, { categories });
      }
      if (cur.count >= minRows && cur.counts.size === 1 && cur.exact && ref.counts.size > 1) record(name, 'constant', 1, () => `Column "${name}" holds the single category ${JSON.stringify([...cur.counts.keys()][0])} in ${cur.count} current rows; the reference had ${ref.counts.size}.`);
    }
  }
  problems.sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
  return { problems, values };
}

/**
 * Data-quality checks of `current` against `reference` (Arrow tables or profiles): missing and new
 * columns, type changes, null-rate increase, NaN/Infinity, values outside the reference range,
 * new categories and constant columns, each with a severity and a threshold
 * ({@link DEFAULT_DATA_QUALITY_CHECKS}) that `options` can change or turn off per column.
 */
export function checkDataQuality(reference: ArrowTableLike | Profile, current: ArrowTableLike | Profile, options: DataQualityOptions = {}): DataQualityReport {
  const toProfile = (v: ArrowTableLike | Profile, name: string): Profile => {
    if (isProfile(v)) return v;
    if (isArrowTableLike(v)) return profileTable(v);
    throw new InvalidArgumentError(`Expected ${name} to be an Apache Arrow Table/RecordBatch or a Profile, found ${v === null ? 'null' : typeof v}.`);
  };
  return dataQualityFromProfiles(toProfile(reference, 'reference'), toProfile(current, 'current'), options);
}
