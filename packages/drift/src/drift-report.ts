import { Bool, Float64, Int64, makeVector, Table, Utf8, vectorFromArray } from 'apache-arrow';
import { driftResultContract, validateTable } from '@mlops/contracts';
import type { DriftReport } from './compare.js';

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

/** JSON view of a drift report. */
export interface DriftReportJson {
  /** Format marker and version. */
  readonly format: 'mlops-drift-report/v1';
  /** Dataset-level verdict. */
  readonly dataset: { readonly drift: boolean; readonly driftedColumns: number; readonly comparedColumns: number; readonly driftedShare: number; readonly datasetDriftShare: number; readonly estimate: boolean; readonly correction: string | null };
  /** Per-column results with snake_case keys matching the DriftResult contract, plus extras. */
  readonly columns: readonly Record<string, string | number | boolean | null | readonly string[]>[];
  /** Columns not compared, with the reason. */
  readonly problems: DriftReport['problems'];
}

/** A JSON-safe view of the report (stable keys, snake_case per column like the Arrow view). */
export function driftReportToJSON(report: DriftReport): DriftReportJson {
  return {
    format: 'mlops-drift-report/v1',
    dataset: {
      drift: report.datasetDrift, driftedColumns: report.driftedColumns, comparedColumns: report.comparedColumns, driftedShare: report.driftedShare,
      datasetDriftShare: report.datasetDriftShare, estimate: report.estimate, correction: report.correction ?? null,
    },
    columns: report.columns.map((r) => ({
      column: r.column, column_type: r.columnType, method: r.method, statistic: r.statistic, p_value: r.pValue, threshold: r.threshold, drifted: r.drifted,
      reference_size: r.referenceSize, current_size: r.currentSize, estimate: r.estimate, status: r.status,
      ...(r.rawPValue !== undefined ? { raw_p_value: r.rawPValue } : {}),
      ...(r.errorBound !== undefined ? { error_bound: r.errorBound } : {}),
      ...(r.newCategories ? { new_categories: r.newCategories } : {}),
    })),
    problems: report.problems,
  };
}
