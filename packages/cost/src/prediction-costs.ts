import { Table } from 'apache-arrow';
import { InvalidArgumentError, SchemaMismatchError } from '@mlops/contracts';
import { columnNames, float64Vector, readNumbers, readStrings, utf8Vector } from './arrow-columns.js';
import type { ArrowTableLike } from './arrow-columns.js';
import { categoryAt, readCostTable } from './cost-table.js';

/** Options for {@link costOfPredictions}. */
export interface CostOfPredictionsOptions {
  /** PredictionLog tables (from @mlops/serve): `timestamp`, `model_name`, `model_version`, `latency_ms`. */
  predictionLogs: ArrowTableLike | readonly ArrowTableLike[];
  /** Cost table of the serving nodes (from `attributeCosts`); idle rows count as serving cost. */
  costs: ArrowTableLike;
  /**
   * How a window's serving cost is split over the versions that answered in it: by busy time
   * (`latency`, default: the sum of `latency_ms`, so a version 3x slower takes 3x the share per
   * prediction) or by prediction `count`.
   */
  basis?: 'latency' | 'count';
  /** Team per model name. Default: the `label_team` of the model's cost rows (`label_model`). */
  teams?: Record<string, string>;
}

/** Result of {@link costOfPredictions}. */
export interface PredictionCosts {
  /**
   * One row per (model_name, model_version): `team`, `predictions` (priced), `unpriced_predictions`
   * (outside every cost window), `mean_latency_ms`, `cost_micros`, `cost`, `cost_per_1000`. A
   * `__unused__` row holds serving cost of windows in which nothing answered, so the rows add up
   * to the serving cost exactly.
   */
  byVersion: Table;
  /** One row per team: `predictions`, `cost_micros`, `cost`, `cost_per_1000`. */
  byTeam: Table;
}

const UNUSED = '__unused__';

/** Splits integer `total` over `weights` by largest remainder (sum preserved exactly). */
function split(total: number, weights: number[]): number[] {
  const sum = weights.reduce((s, w) => s + w, 0);
  const raw = weights.map((w) => (sum > 0 ? (total * w) / sum : total / weights.length));
  const out = raw.map(Math.floor);
  let left = total - out.reduce((s, v) => s + v, 0);
  const order = raw.map((r, k) => [r - out[k]!, k] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let k = 0; left > 0; k = (k + 1) % order.length, left--) out[order[k]![1]]!++;
  return out;
}

/**
 * Cost per 1,000 predictions per model version and per team: joins PredictionLog tables with
 * the serving nodes' attributed cost. Each cost window's serving cost (all rows of `costs`,
 * idle included) is split over the model versions that answered in that window, in proportion
 * to their busy time (sum of `latency_ms`) or prediction count. Cost rows labelled with a model
 * (`label_model`) go to that model's versions only; the rest (idle, shared, unlabelled) to every
 * version that answered. Money stays in integer micros and adds up to the serving cost.
 *
 * @throws SchemaMismatchError when a log lacks the PredictionLog columns; InvalidArgumentError for
 *   a bad `basis`.
 */
export function costOfPredictions(options: CostOfPredictionsOptions): PredictionCosts {
  const basis = options.basis ?? 'latency';
  if (basis !== 'latency' && basis !== 'count') throw new InvalidArgumentError(`basis should be 'latency' or 'count', found ${String(basis)}.`);
  const c = readCostTable(options.costs);
  const currency = c.meta?.currency ?? 'USD';
  // Cost windows, sorted by start; their pools: model name ('' = every version).
  const windows = new Map<number, { end: number; pools: Map<string, number> }>();
  const modelLabel = c.labels.find((l) => l.key === 'model');
  const teamLabel = c.labels.find((l) => l.key === 'team');
  const teamCost = new Map<string, Map<string, number>>();
  for (let i = 0; i < c.n; i++) {
    const ws = c.windowStart[i]!;
    let w = windows.get(ws);
    if (!w) windows.set(ws, (w = { end: c.windowEnd[i]!, pools: new Map() }));
    const model = modelLabel && categoryAt(c.allocation, i) !== 'idle' ? (categoryAt(modelLabel.cats, i) ?? '') : '';
    w.pools.set(model, (w.pools.get(model) ?? 0) + c.totalMicros[i]!);
    const team = teamLabel ? categoryAt(teamLabel.cats, i) : null;
    if (model && team) {
      const m = teamCost.get(model) ?? new Map<string, number>();
      m.set(team, (m.get(team) ?? 0) + c.totalMicros[i]!);
      teamCost.set(model, m);
    }
  }
  const starts = [...windows.keys()].sort((a, b) => a - b);
  const ends = starts.map((s) => windows.get(s)!.end);
  // Predictions per window and version.
  type Acc = { model: string; version: string; n: number; unpriced: number; latency: number; micros: number };
  const versions = new Map<string, Acc>();
  const perWindow = new Map<number, Map<string, { n: number; latency: number }>>();
  const logs = Array.isArray(options.predictionLogs) ? (options.predictionLogs as readonly ArrowTableLike[]) : [options.predictionLogs as ArrowTableLike];
  for (const log of logs) {
    const names = columnNames(log);
    const missing = ['timestamp', 'model_name', 'model_version', 'latency_ms'].filter((n) => !names.includes(n));
    if (missing.length) throw new SchemaMismatchError(`A PredictionLog table needs timestamp, model_name, model_version and latency_ms; missing ${missing.join(', ')}.`, { problems: missing.map((m) => `missing ${m}`) });
    const ts = readNumbers(log.getChild('timestamp')!, 'timestamp', 'time');
    const model = readStrings(log.getChild('model_name')!, 'model_name');
    const version = readStrings(log.getChild('model_version')!, 'model_version');
    const lat = readNumbers(log.getChild('latency_ms')!, 'latency_ms', 'number');
    for (let i = 0; i < log.numRows; i++) {
      const key = `${model[i]}\u0000${version[i]}`;
      let v = versions.get(key);
      if (!v) versions.set(key, (v = { model: model[i] ?? '', version: version[i] ?? '', n: 0, unpriced: 0, latency: 0, micros: 0 }));
      // The window holding this prediction: the last start <= t, if t is before its end.
      let lo = 0;
      let hi = starts.length - 1;
      let at = -1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (starts[mid]! <= ts[i]!) {
          at = mid;
          lo = mid + 1;
        } else hi = mid - 1;
      }
      if (at < 0 || ts[i]! >= ends[at]!) {
        v.unpriced++;
        continue;
      }
      const l = Number.isFinite(lat[i]!) && lat[i]! > 0 ? lat[i]! : 0;
      v.n++;
      v.latency += l;
      const pw = perWindow.get(starts[at]!) ?? new Map<string, { n: number; latency: number }>();
      const e = pw.get(key) ?? { n: 0, latency: 0 };
      e.n++;
      e.latency += l;
      pw.set(key, e);
      perWindow.set(starts[at]!, pw);
    }
  }
  let unused = 0;
  for (const s of starts) {
    const pw = perWindow.get(s);
    for (const [model, micros] of windows.get(s)!.pools) {
      const keys = [...(pw?.keys() ?? [])].filter((k) => model === '' || versions.get(k)!.model === model);
      // A model label that no log names is shared like unlabelled cost.
      const takers = keys.length ? keys : model !== '' ? [...(pw?.keys() ?? [])] : [];
      if (!takers.length) {
        unused += micros;
        continue;
      }
      const weights = takers.map((k) => (basis === 'latency' ? pw!.get(k)!.latency : pw!.get(k)!.n));
      split(micros, weights).forEach((m, j) => (versions.get(takers[j]!)!.micros += m));
    }
  }
  const teamOf = (model: string): string | null => {
    if (options.teams?.[model]) return options.teams[model]!;
    const m = teamCost.get(model);
    return m ? [...m].sort((a, b) => b[1] - a[1])[0]![0] : null;
  };
  const rows = [...versions.values()].sort((a, b) => (a.model < b.model ? -1 : a.model > b.model ? 1 : a.version < b.version ? -1 : a.version > b.version ? 1 : 0));
  if (unused) rows.push({ model: UNUSED, version: UNUSED, n: 0, unpriced: 0, latency: 0, micros: unused });
  const per1000 = (micros: number, n: number) => (n > 0 ? (micros / 1e6 / n) * 1000 : NaN);
  const byVersion = new Table({
    model_name: utf8Vector(rows.map((r) => r.model)),
    model_version: utf8Vector(rows.map((r) => r.version)),
    team: utf8Vector(rows.map((r) => (r.model === UNUSED ? null : teamOf(r.model)))),
    predictions: float64Vector(Float64Array.from(rows, (r) => r.n)),
    unpriced_predictions: float64Vector(Float64Array.from(rows, (r) => r.unpriced)),
    mean_latency_ms: float64Vector(Float64Array.from(rows, (r) => (r.n ? r.latency / r.n : NaN)), true),
    cost_micros: float64Vector(Float64Array.from(rows, (r) => r.micros)),
    cost: float64Vector(Float64Array.from(rows, (r) => r.micros / 1e6)),
    cost_per_1000: float64Vector(Float64Array.from(rows, (r) => per1000(r.micros, r.n)), true),
  });
  const teams = new Map<string, { n: number; micros: number }>();
  for (const r of rows) {
    const t = r.model === UNUSED ? UNUSED : (teamOf(r.model) ?? '__unlabeled__');
    const e = teams.get(t) ?? { n: 0, micros: 0 };
    e.n += r.n;
    e.micros += r.micros;
    teams.set(t, e);
  }
  const teamRows = [...teams].sort((a, b) => b[1].micros - a[1].micros);
  const byTeam = new Table({
    team: utf8Vector(teamRows.map(([t]) => t)),
    predictions: float64Vector(Float64Array.from(teamRows, ([, e]) => e.n)),
    cost_micros: float64Vector(Float64Array.from(teamRows, ([, e]) => e.micros)),
    cost: float64Vector(Float64Array.from(teamRows, ([, e]) => e.micros / 1e6)),
    cost_per_1000: float64Vector(Float64Array.from(teamRows, ([, e]) => per1000(e.micros, e.n)), true),
  });
  byVersion.schema.metadata.set('mlops.currency', currency);
  byTeam.schema.metadata.set('mlops.currency', currency);
  return { byVersion, byTeam };
}
