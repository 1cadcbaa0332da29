import { Bool, Float64, Int64, makeVector, Table, Utf8, vectorFromArray } from 'apache-arrow';
import { driftResultContract, validateTable } from '@mlops/contracts';
import type { ColumnDrift, DriftReport } from './compare.js';
import type { DriftMonitorReport } from './drift-monitor.js';

/**
 * The report as an Apache Arrow table following the shared `DriftResult` contract
 * (docs/decisions/001-data-contracts.md): column, method, statistic, p_value (null for distances),
 * threshold, drifted, reference_size, current_size (Int64), estimate, status. One row per compared column;
 * columns listed in `report.problems` have no row.
 */
export function driftReportToTable(report: DriftReport): Table {
  const rows = report.columns;
  const table = new Table({
    column: vectorFromArray(rows.map((r) => r.column), new Utf8()),
    method: vectorFromArray(rows.map((r) => r.method), new Utf8()),
    statistic: makeVector(Float64Array.from(rows, (r) => r.statistic)),
    p_value: vectorFromArray(rows.map((r) => r.pValue), new Float64()),
    threshold: makeVector(Float64Array.from(rows, (r) => r.threshold)),
    drifted: vectorFromArray(rows.map((r) => r.drifted), new Bool()),
    reference_size: vectorFromArray(rows.map((r) => BigInt(r.referenceSize)), new Int64()),
    current_size: vectorFromArray(rows.map((r) => BigInt(r.currentSize)), new Int64()),
    estimate: vectorFromArray(rows.map((r) => r.estimate), new Bool()),
    status: vectorFromArray(rows.map((r) => r.status), new Utf8()),
  });
  // Checked against the shared contract from @mlops/contracts, so consumers can rely on it.
  return validateTable(table, driftResultContract, { strict: true });
}

/** One column of {@link DriftReportJson} (snake_case keys, like the DriftResult Arrow view). */
export interface DriftColumnJson {
  /** Column name. */
  readonly column: string;
  /** How the column was treated ({@link ColumnDrift.columnType}). */
  readonly column_type: 'numerical' | 'categorical';
  /** Method that ran. */
  readonly method: ColumnDrift['method'];
  /** Test statistic or distance; null only when the statistic is not finite. */
  readonly statistic: number | null;
  /** p-value (after correction when one was applied); null for distances. */
  readonly p_value: number | null;
  /** p-value before correction; present only when a correction was applied. */
  readonly raw_p_value?: number | null;
  /** Threshold used. */
  readonly threshold: number;
  /** The verdict: p-value < threshold for tests, statistic >= threshold for distances. */
  readonly drifted: boolean;
  /** Usable (non-null, finite) reference values. */
  readonly reference_size: number;
  /** Usable (non-null, finite) current values. */
  readonly current_size: number;
  /** True when computed from sketches (profiles) rather than raw data. */
  readonly estimate: boolean;
  /** For estimates: the statistic's error bound at 99 % confidence ({@link ColumnDrift.errorBound}); absent when exact. */
  readonly error_bound?: number;
  /** `insufficient_data`: fewer than `minRows` usable values on a side, or an all-null column (not drifted, not in the share). */
  readonly status: 'ok' | 'insufficient_data';
  /** Categories in current that the reference never had. */
  readonly new_categories?: readonly string[];
}

/**
 * JSON view of a drift report, version 1. Its JSON Schema ships in the package:
 * `@mlops/drift/schema/drift-report.v1.schema.json`. Fields are only added within v1.
 */
export interface DriftReportJson {
  /** Format marker and version. */
  readonly format: 'mlops-drift-report/v1';
  /** Dataset-level verdict. */
  readonly dataset: {
    /** Dataset drift: driftedShare >= datasetDriftShare and at least one column compared. */
    readonly drift: boolean;
    /** Columns with `drifted: true`. */
    readonly driftedColumns: number;
    /** Columns with a verdict (status `ok`): the share's denominator. */
    readonly comparedColumns: number;
    /** Columns with status `insufficient_data` (listed, outside the share). */
    readonly insufficientColumns: number;
    /** driftedColumns / comparedColumns (0 when nothing was compared). */
    readonly driftedShare: number;
    /** The share at or above which the dataset drifts. */
    readonly datasetDriftShare: number;
    /** True when any column was computed from sketches. */
    readonly estimate: boolean;
    /** The p-value correction applied, or null. */
    readonly correction: string | null;
  };
  /** Per-column results. */
  readonly columns: readonly DriftColumnJson[];
  /** Columns not compared, or without a verdict, with the reason. */
  readonly problems: DriftReport['problems'];
  /** Monitor reports: the window. */
  readonly window?: DriftMonitorReport['window'];
  /** Monitor reports: data-quality checks. */
  readonly quality?: DriftMonitorReport['quality'];
  /** Monitor reports: reference vs current distributions. */
  readonly distributions?: DriftMonitorReport['distributions'];
  /** Monitor reports: totals. */
  readonly totals?: DriftMonitorReport['totals'];
}

function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

/** A JSON-safe view of a `compare()` or monitor report (stable keys, snake_case per column like the Arrow view). */
export function driftReportToJSON(report: DriftReport | DriftMonitorReport): DriftReportJson {
  const m = report as Partial<DriftMonitorReport>;
  return {
    format: 'mlops-drift-report/v1',
    dataset: {
      drift: report.datasetDrift, driftedColumns: report.driftedColumns, comparedColumns: report.comparedColumns, insufficientColumns: report.insufficientColumns,
      driftedShare: report.driftedShare, datasetDriftShare: report.datasetDriftShare, estimate: report.estimate, correction: report.correction ?? null,
    },
    columns: report.columns.map((r) => ({
      column: r.column, column_type: r.columnType, method: r.method, statistic: finiteOrNull(r.statistic), p_value: r.pValue, threshold: r.threshold, drifted: r.drifted,
      reference_size: r.referenceSize, current_size: r.currentSize, estimate: r.estimate, status: r.status,
      ...(r.rawPValue !== undefined ? { raw_p_value: r.rawPValue } : {}),
      ...(r.errorBound !== undefined && Number.isFinite(r.errorBound) ? { error_bound: r.errorBound } : {}),
      ...(r.newCategories ? { new_categories: r.newCategories } : {}),
    })),
    problems: report.problems.map((p) => ({ column: p.column, problem: p.problem, message: p.message })),
    ...(m.window ? { window: m.window } : {}),
    ...(m.quality ? { quality: m.quality } : {}),
    ...(m.distributions ? { distributions: m.distributions } : {}),
    ...(m.totals ? { totals: m.totals } : {}),
  };
}
