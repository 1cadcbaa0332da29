import { InvalidArgumentError } from '@mlops/contracts';
import type { DriftReport } from './compare.js';
import type { DriftMonitor, DriftMonitorReport, DriftMonitorStats } from './drift-monitor.js';

/** Options for {@link toPrometheus}. */
export interface PrometheusOptions {
  /** Metric name prefix (default `mlops_drift`). Must match `[a-zA-Z_:][a-zA-Z0-9_:]*`. */
  readonly prefix?: string;
  /** Labels added to every sample, e.g. `{ model: 'churn' }`. */
  readonly labels?: Readonly<Record<string, string>>;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function isMonitor(v: unknown): v is DriftMonitor {
  return typeof v === 'object' && v !== null && typeof (v as DriftMonitor).observe === 'function' && typeof (v as DriftMonitor).snapshot === 'function';
}

function isMonitorReport(r: DriftReport): r is DriftMonitorReport {
  return 'window' in r && 'quality' in r;
}

/**
 * Prometheus text exposition (format 0.0.4) of a drift report or a monitor: per column the
 * statistic, p-value, threshold, drifted and insufficient-data flags; the dataset drift verdict
 * and drifted share; for monitors and monitor reports the window's rows and bad rows, counters
 * (`_total`) for rows observed, bad rows, windows and errors, and every data-quality check value
 * and flagged problem. Serve it from an existing `/metrics` handler (no prom-client needed);
 * a monitor is exported from its last closed window (its open window before the first one).
 */
export function toPrometheus(source: DriftReport | DriftMonitor, options: PrometheusOptions = {}): string {
  const prefix = options.prefix ?? 'mlops_drift';
  if (!NAME.test(prefix)) throw new InvalidArgumentError(`Expected prefix to match [a-zA-Z_:][a-zA-Z0-9_:]*, found ${JSON.stringify(prefix)}.`);
  const base = options.labels ?? {};
  for (const k of Object.keys(base)) {
    if (!LABEL.test(k) || k.startsWith('__')) throw new InvalidArgumentError(`Expected label names to match [a-zA-Z_][a-zA-Z0-9_]* (not starting with __), found ${JSON.stringify(k)}.`);
  }
  let report: DriftReport;
  let totals: DriftMonitorStats | null = null;
  if (isMonitor(source)) {
    report = source.lastReport ?? source.snapshot();
    totals = source.stats;
  } else if (typeof source === 'object' && source !== null && Array.isArray((source as DriftReport).columns)) {
    report = source;
    if (isMonitorReport(source)) totals = source.totals;
  } else throw new InvalidArgumentError('toPrometheus expects a drift report (from compare() or a monitor) or a drift monitor.');

  const out: string[] = [];
  const family = (name: string, type: 'gauge' | 'counter', help: string, samples: readonly [Record<string, string>, number][]): void => {
    if (samples.length === 0) return;
    const full = `${prefix}_${name}`;
    out.push(`# HELP ${full} ${help}`, `# TYPE ${full} ${type}`);
    for (const [labels, value] of samples) {
      const all = { ...base, ...labels };
      const text = Object.entries(all).map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',');
      out.push(`${full}${text ? `{${text}}` : ''} ${formatValue(value)}`);
    }
  };
  const cols = report.columns;
  family('column_statistic', 'gauge', 'Drift test statistic or distance per column.', cols.map((c) => [{ column: c.column, method: c.method }, c.statistic]));
  family('column_p_value', 'gauge', 'p-value per column (tests only).', cols.filter((c) => c.pValue !== null).map((c) => [{ column: c.column, method: c.method }, c.pValue!]));
  family('column_threshold', 'gauge', 'Threshold per column: p-value threshold for tests, distance threshold otherwise.', cols.map((c) => [{ column: c.column, method: c.method }, c.threshold]));
  family('column_drifted', 'gauge', '1 when the column drifted.', cols.map((c) => [{ column: c.column }, c.drifted ? 1 : 0]));
  family('column_insufficient_data', 'gauge', '1 when the column had too few values for a verdict.', cols.map((c) => [{ column: c.column }, c.status === 'insufficient_data' ? 1 : 0]));
  family('column_error_bound', 'gauge', 'Error bound of statistics estimated from sketches.', cols.filter((c) => c.errorBound !== undefined).map((c) => [{ column: c.column, method: c.method }, c.errorBound!]));
  family('dataset_drift', 'gauge', '1 when the share of drifted columns reached the dataset threshold.', [[{}, report.datasetDrift ? 1 : 0]]);
  family('dataset_drifted_share', 'gauge', 'Share of compared columns that drifted (0..1).', [[{}, report.driftedShare]]);
  family('dataset_drifted_columns', 'gauge', 'Columns that drifted.', [[{}, report.driftedColumns]]);
  family('dataset_compared_columns', 'gauge', 'Columns with a verdict.', [[{}, report.comparedColumns]]);
  if (isMonitorReport(report)) {
    family('window_rows', 'gauge', 'Rows in the reported window.', [[{}, report.window.rows]]);
    family('window_bad_rows', 'gauge', 'Rows with a wrong-typed, missing or non-finite value in the reported window.', [[{}, report.window.badRows]]);
    const values: [Record<string, string>, number][] = [];
    for (const [column, checks] of Object.entries(report.quality.values)) {
      for (const [check, value] of Object.entries(checks)) values.push([{ column, check }, value]);
    }
    family('quality_value', 'gauge', 'Measured value of each data-quality check (a share, 0..1).', values);
    family('quality_problem', 'gauge', '1 for each flagged data-quality problem.', report.quality.problems.map((p) => [{ column: p.column, check: p.check, severity: p.severity }, 1]));
  }
  if (totals) {
    family('rows_observed_total', 'counter', 'Rows observed by the monitor.', [[{}, totals.rowsObserved]]);
    family('bad_rows_total', 'counter', 'Rows with a wrong-typed, missing or non-finite monitored value.', [[{}, totals.badRows]]);
    family('windows_total', 'counter', 'Windows reported.', [[{}, totals.windows]]);
    family('errors_total', 'counter', 'Internal monitor errors and unreadable observe() inputs.', [[{}, totals.errors]]);
  }
  return `${out.join('\n')}\n`;
}
