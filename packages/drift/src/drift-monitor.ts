import { InvalidArgumentError } from '@mlops/contracts';
import type { ArrowTableLike } from './arrow-like.js';
import { isArrowTableLike } from './arrow-like.js';
import type { CompareOptions, DriftReport } from './compare.js';
import { compare } from './compare.js';
import type { DataQualityOptions, DataQualityReport, IngestCounters } from './data-quality.js';
import { dataQualityFromProfiles } from './data-quality.js';
import { hllEstimate } from './hyperloglog.js';
import type { SketchCdf } from './kll-sketch.js';
import type { MonitoredColumn, Pane } from './monitor-pane.js';
import { createPane } from './monitor-pane.js';
import type { Profile } from './profile.js';
import { isNullPlaceholder, isProfile, mergeProfiles, profile as profileTable } from './profile.js';
import type { ColumnDistribution } from './report-distributions.js';
import { distributionsOf } from './report-distributions.js';

/**
 * A monitor window: by row count (`{ rows }`) or by time (`{ durationMs }`). Tumbling by default;
 * give `slideRows` / `slideMs` for a sliding window that reports every slide (the window is then
 * the last ceil(rows / slideRows) slides).
 */
export type MonitorWindow =
  | { readonly rows: number; readonly slideRows?: number }
  | { readonly durationMs: number; readonly slideMs?: number };

/** Options for {@link createDriftMonitor}. */
export interface DriftMonitorOptions {
  /** The reference: an Arrow table, or a `Profile` (e.g. stored with a registry model version). */
  readonly reference: ArrowTableLike | Profile;
  /** Columns to monitor (default: every column of the reference drift can compare). With a list, other columns in observed batches are ignored silently; without one, they are noted as `new_column`. */
  readonly columns?: readonly string[];
  /** The window. */
  readonly window: MonitorWindow;
  /** Method, threshold and correction options passed to `compare()` for every window. */
  readonly methods?: Pick<CompareOptions, 'numericalMethod' | 'categoricalMethod' | 'threshold' | 'perColumn' | 'datasetDriftShare' | 'correction' | 'psi'>;
  /** Fewest usable values per column for a verdict (default 30); fewer gives `insufficient_data`. */
  readonly minRows?: number;
  /** Data-quality check settings; `false` turns them all off. */
  readonly quality?: DataQualityOptions | false;
  /** Receives the report of each closed window. Errors (thrown or rejected) go to `onError`. */
  readonly onReport?: (report: DriftMonitorReport) => unknown;
  /** Receives anything that went wrong inside the monitor; it never throws into `observe()`'s caller. Default: ignore (counted in `stats.errors`). */
  readonly onError?: (error: unknown) => void;
  /** Milliseconds since the epoch; inject for tests. Default `Date.now`. */
  readonly clock?: () => number;
  /** For time windows: close windows on an unref'd timer even when no rows arrive. Default true. */
  readonly timer?: boolean;
  /** KLL accuracy parameter for window sketches (default 1024). */
  readonly sketchK?: number;
  /** Categories counted exactly per column before heavy hitters take over (default 1000). */
  readonly categoryCap?: number;
}

/** What one monitor window covered. */
export interface MonitorWindowInfo {
  /** 0-based window number. */
  readonly index: number;
  /** Tumbling or sliding. */
  readonly kind: 'tumbling' | 'sliding';
  /** Clock time the window started and ended (ms). */
  readonly startMs: number;
  /** End (exclusive) for time windows; the clock when the last row arrived for row windows. */
  readonly endMs: number;
  /** Rows in the window. */
  readonly rows: number;
  /** Rows with a wrong-typed, missing or non-finite monitored value. */
  readonly badRows: number;
  /** True for `snapshot()` and `close()` reports of a window that had not closed. */
  readonly partial: boolean;
}

/** A monitor's report: the drift report of one window plus data quality, window and totals. */
export interface DriftMonitorReport extends DriftReport {
  /** The window. */
  readonly window: MonitorWindowInfo;
  /** Data-quality checks of the window against the reference. */
  readonly quality: DataQualityReport;
  /** Reference vs current distributions per column (shares), for charts. */
  readonly distributions: Readonly<Record<string, ColumnDistribution>>;
  /** Monitor totals at report time. */
  readonly totals: DriftMonitorStats;
}

/** Monitor counters since creation. */
export interface DriftMonitorStats {
  /** Rows observed. */
  readonly rowsObserved: number;
  /** Bad rows (wrong type, missing column, non-finite value). */
  readonly badRows: number;
  /** Windows reported. */
  readonly windows: number;
  /** Internal errors and observe() inputs that could not be read at all. */
  readonly errors: number;
}

/** A running monitor. */
export interface DriftMonitor {
  /**
   * Adds rows: an Arrow Table or RecordBatch, an array of plain row objects, or one row object
   * (values read with the reference's column types). Never throws; closes windows as they fill.
   */
  observe(batch: ArrowTableLike | readonly Readonly<Record<string, unknown>>[] | Readonly<Record<string, unknown>>): void;
  /** A report of the current, still open window (`window.partial: true`); nothing is closed. */
  snapshot(): DriftMonitorReport;
  /** Closes time windows that are due by the clock (observe() and the timer call it). */
  tick(): void;
  /** Reports the open window if it has rows, stops the timer, and waits for pending `onReport` calls. Later observe() calls are ignored. */
  close(): Promise<void>;
  /** Counters since creation. */
  readonly stats: DriftMonitorStats;
  /** The last closed window's report (null before the first). */
  readonly lastReport: DriftMonitorReport | null;
  /** The reference profile the windows are compared with. */
  readonly reference: Profile;
  /** Monitored columns. */
  readonly columns: readonly string[];
}

function checkPositiveInteger(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new InvalidArgumentError(`Expected ${what} to be a positive integer, found ${String(v)}.`);
  return v;
}

function checkPositive(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new InvalidArgumentError(`Expected ${what} to be a positive number of milliseconds, found ${String(v)}.`);
  return v;
}

function mergeCounters(panes: readonly Pane[]): IngestCounters {
  const out: IngestCounters = { rows: 0, missing: new Map(), wrongType: new Map(), newColumns: new Set() };
  for (const p of panes) {
    out.rows += p.counters.rows;
    for (const [k, v] of p.counters.missing) out.missing.set(k, (out.missing.get(k) ?? 0) + v);
    for (const [k, v] of p.counters.wrongType) out.wrongType.set(k, (out.wrongType.get(k) ?? 0) + v);
    for (const k of p.counters.newColumns) out.newColumns.add(k);
  }
  return out;
}

/**
 * Creates an embeddable drift monitor: feed it rows from a running service with `observe()`;
 * each closed window is compared with the reference (drift per column and data quality) and the
 * report goes to `onReport`. Memory is flat: a window is a set of mergeable sketches, never rows.
 *
 * A reference with no rows, an unknown column or a bad window throw `INVALID_ARGUMENT` here, at
 * setup; after that nothing the monitor receives can throw into the caller.
 */
export function createDriftMonitor(options: DriftMonitorOptions): DriftMonitor {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('createDriftMonitor expects an options object with reference and window.');
  const { window } = options;
  const reference = isProfile(options.reference)
    ? options.reference
    : isArrowTableLike(options.reference)
      ? profileTable(options.reference, { ...(options.sketchK ? { sketchK: options.sketchK } : {}), ...(options.categoryCap ? { categoryCap: options.categoryCap } : {}) })
      : null;
  if (!reference) throw new InvalidArgumentError(`Expected options.reference to be an Apache Arrow Table/RecordBatch or a Profile, found ${options.reference === null ? 'null' : typeof options.reference}.`);
  if (reference.rowCount === 0) throw new InvalidArgumentError('The reference has zero rows, so there is nothing to compare windows with. Pass a reference table or profile with data (e.g. the training set).');
  const names = options.columns ? [...options.columns] : [...reference.columns.entries()].filter(([, c]) => !isNullPlaceholder(c)).map(([n]) => n);
  const columns: MonitoredColumn[] = names.map((name) => {
    const c = reference.columns.get(name);
    if (!c) throw new InvalidArgumentError(`Column "${name}" (in options.columns) is not in the reference; it has [${[...reference.columns.keys()].join(', ')}].`);
    if (isNullPlaceholder(c)) throw new InvalidArgumentError(`Column "${name}" is all null in the reference, so its type is unknown. Drop it from options.columns or use a reference with values.`);
    return { name, kind: c.kind, sourceType: c.sourceType, isBool: c.sourceType === 'Bool', distinct: c.kind === 'numeric' && hllEstimate(c.distinct) <= 5 };
  });
  if (columns.length === 0) throw new InvalidArgumentError('No column to monitor: the reference has no numeric, timestamp, boolean or string column.');
  let byRows: boolean;
  let size: number;
  let slide: number;
  if (typeof window === 'object' && window !== null && 'rows' in window) {
    byRows = true;
    size = checkPositiveInteger(window.rows, 'window.rows');
    slide = window.slideRows === undefined ? size : checkPositiveInteger(window.slideRows, 'window.slideRows');
  } else if (typeof window === 'object' && window !== null && 'durationMs' in window) {
    byRows = false;
    size = checkPositive(window.durationMs, 'window.durationMs');
    slide = window.slideMs === undefined ? size : checkPositive(window.slideMs, 'window.slideMs');
  } else throw new InvalidArgumentError(`Expected options.window to be { rows } or { durationMs } (with optional slideRows / slideMs), found ${JSON.stringify(window)}.`);
  if (slide > size) throw new InvalidArgumentError(`The window slide (${slide}) is larger than the window (${size}); use a slide <= the window size.`);
  const panesPerWindow = Math.ceil(size / slide);
  const kind: 'tumbling' | 'sliding' = panesPerWindow === 1 ? 'tumbling' : 'sliding';
  const clock = options.clock ?? Date.now;
  const minRows = options.minRows ?? 30;
  checkPositiveInteger(minRows, 'minRows');
  // With an explicit column list, other columns are deliberately unmonitored: no new_column notes
  // (a serve PredictionLog table carries model_name, timestamps... next to the input_* columns).
  const sketchOptions = { ...(options.sketchK ? { sketchK: options.sketchK } : {}), ...(options.categoryCap ? { categoryCap: options.categoryCap } : {}), trackNewColumns: !options.columns };
  const compareOptions: CompareOptions = { ...options.methods, minRows, columns: names };
  // Validate the method options once, at setup, against the reference itself.
  compare(reference, reference, compareOptions);
  const refCdfs = new Map<string, SketchCdf>();
  const onError = (e: unknown): void => {
    stats.errors++;
    try {
      options.onError?.(e);
    } catch {
      // An onError that throws must not reach the caller either.
    }
  };
  const stats = { rowsObserved: 0, badRows: 0, windows: 0, errors: 0 };
  const pending = new Set<Promise<unknown>>();
  let closed = false;
  let lastReport: DriftMonitorReport | null = null;
  const start = clock();
  let pane = createPane(columns, start, sketchOptions);
  // Closed panes of the current sliding window with their frozen profiles.
  const history: { pane: Pane; profile: Profile; endMs: number }[] = [];
  let lastRowAt = start;

  const buildReport = (parts: readonly { pane: Pane; profile: Profile }[], info: Omit<MonitorWindowInfo, 'rows' | 'badRows'>): DriftMonitorReport => {
    const current = parts.length === 1 ? parts[0]!.profile : mergeProfiles(...parts.map((p) => p.profile));
    const counters = mergeCounters(parts.map((p) => p.pane));
    const drift = compare(reference, current, compareOptions);
    const quality = options.quality === false ? { problems: [], values: {} } : dataQualityFromProfiles(reference, current, options.quality ?? {}, counters, minRows);
    const badRows = parts.reduce((a, p) => a + p.pane.badRows, 0);
    return {
      ...drift,
      window: { ...info, rows: counters.rows, badRows },
      quality,
      distributions: distributionsOf(reference, current, names, refCdfs),
      totals: { ...stats },
    };
  };

  const emit = (report: DriftMonitorReport): void => {
    lastReport = report;
    if (!options.onReport) return;
    try {
      const r = options.onReport(report);
      if (r && typeof (r as Promise<unknown>).then === 'function') {
        const p = (r as Promise<unknown>).then(undefined, onError);
        pending.add(p);
        void p.finally(() => pending.delete(p));
      }
    } catch (e) {
      onError(e);
    }
  };

  const closePane = (endMs: number): void => {
    history.push({ pane, profile: pane.profile(), endMs });
    if (history.length > panesPerWindow) history.shift();
    pane = createPane(columns, byRows ? endMs : endMs, sketchOptions);
    if (history.length === panesPerWindow) {
      stats.windows++;
      emit(buildReport(history, { index: stats.windows - 1, kind, startMs: history[0]!.pane.startMs, endMs, partial: false }));
    }
  };

  const tick = (): void => {
    if (byRows || closed) return;
    const now = clock();
    let due = pane.startMs + slide;
    if (now < due) return;
    // After a long idle period, report at most one window of empty panes, then realign.
    const missed = Math.floor((now - pane.startMs) / slide);
    if (missed > panesPerWindow + 1) {
      closePane(due);
      history.length = 0;
      pane = createPane(columns, pane.startMs + (missed - panesPerWindow) * slide, sketchOptions);
      due = pane.startMs + slide;
    }
    while (now >= due) {
      closePane(due);
      due = pane.startMs + slide;
    }
  };

  const observeTable = (batch: ArrowTableLike): void => {
    const n = batch.numRows;
    stats.rowsObserved += n;
    if (!byRows) {
      const before = pane.badRows;
      pane.addTable(batch);
      stats.badRows += pane.badRows - before;
      return;
    }
    const sliceable = typeof (batch as { slice?: unknown }).slice === 'function';
    let at = 0;
    while (at < n) {
      const room = slide - pane.rows;
      const take = sliceable ? Math.min(room, n - at) : n - at;
      const part = take === n ? batch : (batch as unknown as { slice(b: number, e: number): ArrowTableLike }).slice(at, at + take);
      const before = pane.badRows;
      pane.addTable(part);
      stats.badRows += pane.badRows - before;
      at += take;
      if (pane.rows >= slide) closePane(lastRowAt);
    }
  };

  const observeRow = (row: unknown): void => {
    stats.rowsObserved++;
    if (typeof row !== 'object' || row === null) {
      stats.badRows++;
      stats.errors++;
      return;
    }
    const before = pane.badRows;
    pane.addRow(row as Readonly<Record<string, unknown>>);
    if (pane.badRows !== before) stats.badRows++;
    if (byRows && pane.rows >= slide) closePane(lastRowAt);
  };

  let timer: ReturnType<typeof setInterval> | null = null;
  if (!byRows && options.timer !== false) {
    timer = setInterval(() => {
      try {
        tick();
      } catch (e) {
        onError(e);
      }
    }, Math.max(10, Math.min(slide, 1000)));
    timer.unref?.();
  }

  return {
    observe(batch) {
      if (closed) return;
      try {
        lastRowAt = clock();
        tick();
        // One row object is the per-request case: no array is allocated for it.
        if (Array.isArray(batch)) for (let i = 0; i < batch.length; i++) observeRow(batch[i]);
        else if (isArrowTableLike(batch)) observeTable(batch);
        else if (typeof batch === 'object' && batch !== null) observeRow(batch);
        else {
          stats.errors++;
          onError(new InvalidArgumentError(`monitor.observe() expects an Arrow table, a record batch, an array of row objects or one row object; found ${batch === null ? 'null' : typeof batch}. Nothing was recorded.`));
        }
      } catch (e) {
        onError(e);
      }
    },
    snapshot() {
      const parts = [...history.slice(history.length === panesPerWindow ? 1 : 0), { pane, profile: pane.profile() }];
      return buildReport(parts, { index: stats.windows, kind, startMs: parts[0]!.pane.startMs, endMs: clock(), partial: true });
    },
    tick() {
      try {
        tick();
      } catch (e) {
        onError(e);
      }
    },
    async close() {
      if (closed) return;
      try {
        tick();
        if (pane.rows > 0) {
          const parts = [...history.slice(history.length === panesPerWindow ? 1 : 0), { pane, profile: pane.profile() }];
          stats.windows++;
          emit(buildReport(parts, { index: stats.windows - 1, kind, startMs: parts[0]!.pane.startMs, endMs: clock(), partial: true }));
        }
      } catch (e) {
        onError(e);
      }
      closed = true;
      if (timer) clearInterval(timer);
      await Promise.all([...pending]);
    },
    get stats() {
      return { ...stats };
    },
    get lastReport() {
      return lastReport;
    },
    reference,
    columns: names,
  };
}
