import { Bool, Float64, Utf8, vectorFromArray } from 'apache-arrow';
import type { Vector } from 'apache-arrow';
import type { ArrowTableLike } from '@mlops/contracts';
import { InvalidArgumentError, MlopsError, readEpochMillisColumn } from '@mlops/contracts';
import type { Catalog } from './catalog.js';
import { joinKeysOf, keyValueType } from './catalog.js';
import type { FeatureView } from './definitions.js';
import { fullName, resolveFeatureRefs } from './feature-refs.js';
import { runOnDemand } from './on-demand.js';
import type { OnlineStoreV1, OnlineValue, OnlineWriteRow } from './online-store.js';
import { encodeEntityKey } from './online-store.js';
import { columnValues, keyValues } from './online-values.js';
import type { TimeInput } from './time.js';
import { checkPlausibleEpochMs, toEpochMs } from './time.js';

/** What the online paths need from the store. */
export interface OnlineContext {
  catalog: Catalog;
  online: OnlineStoreV1;
  now(): number;
  /** The view's source rows (only `columns`) as a sequence of batches, read one at a time. */
  sourceBatches(viewName: string, columns: readonly string[]): AsyncIterable<ArrowTableLike>;
}

/** Options of `materialize`. */
export interface MaterializeOptions {
  /** Window start (inclusive): Date, ISO string or epoch ms. */
  start: TimeInput;
  /** Window end (inclusive). */
  end: TimeInput;
  /** Views to materialize. Default: every view with `online: true`. */
  views?: readonly string[];
  /** See {@link MaterializeIncrementalOptions.maxBufferedKeys}. */
  maxBufferedKeys?: number;
}

/** Options of `materializeIncremental`. */
export interface MaterializeIncrementalOptions {
  /** Window end (inclusive); the start is each view's watermark. */
  end: TimeInput;
  /** Views to materialize. Default: every view with `online: true`. */
  views?: readonly string[];
  /**
   * The source is read batch by batch, keeping the latest row per entity key; when this many keys
   * are held they are written to the online store and forgotten, so memory stays bounded however
   * large the window. The result is the same (writes are newer-wins); a key seen again later is
   * written again if newer. Default 100 000.
   */
  maxBufferedKeys?: number;
}

/** What one view's materialization did. */
export interface MaterializedView {
  /** View name. */
  view: string;
  /** Window start and end, epoch ms. */
  startMs: number;
  endMs: number;
  /** Rows sent to the online store: the latest per entity key in the window (a key can count again when the window holds more than `maxBufferedKeys` keys). */
  rows: number;
  /** Rows that changed the online store. */
  written: number;
  /** Rows skipped because the store held the same or newer values. */
  skipped: number;
}

/** Result of `materialize` / `materializeIncremental`. */
export interface MaterializeResult {
  /** One entry per view, in order. */
  views: MaterializedView[];
}

/** Where `push` writes: the online store, the offline rows, or both. */
export type PushTarget = 'online' | 'offline' | 'both';

/** Feature status of one value read online. */
export type FeatureStatus = 'PRESENT' | 'NOT_FOUND' | 'OUTSIDE_TTL';

/** One feature's column in an online read. */
export interface OnlineFeatureColumn {
  /** One value per entity row; null when not PRESENT. */
  values: OnlineValue[];
  /** One status per entity row. */
  statuses: FeatureStatus[];
  /** Event time of each value, epoch ms, or null when not found. */
  eventTimestampsMs: (number | null)[];
}

/** A request for online features. */
export interface OnlineFeaturesRequest {
  /** Feature refs `view:feature` (or `view:*`), or a feature service name. */
  features: string | readonly string[];
  /** Join key columns: `{ driver_id: [1001, 1002] }`, one value per entity row. */
  entities: Readonly<Record<string, readonly unknown[]>>;
  /** Request-time inputs of on-demand views, one value per entity row. */
  requestData?: Readonly<Record<string, readonly unknown[]>>;
  /** Names `view__feature` (default true) or `feature` (collisions throw `INVALID_ARGUMENT`). */
  fullFeatureNames?: boolean;
}

/** Column-oriented online features. */
export interface OnlineFeaturesResult {
  /** Feature output names in request order. */
  featureNames: string[];
  /** Per feature: values, statuses, event times. */
  features: Record<string, OnlineFeatureColumn>;
}

const WRITE_BATCH = 1000;

function selectViews(catalog: Catalog, names: readonly string[] | undefined): FeatureView[] {
  if (names === undefined) return [...catalog.views.values()].filter((v) => v.online);
  const unknown = names.filter((n) => !catalog.views.has(n));
  if (unknown.length > 0) throw new MlopsError('NOT_FOUND', `Unknown feature view${unknown.length === 1 ? '' : 's'} [${unknown.join(', ')}]; known: [${[...catalog.views.keys()].join(', ')}].`, { details: { unknown } });
  return names.map((n) => catalog.views.get(n)!);
}

/** The latest row per entity key among rows with start <= ts <= end, accumulated over batches. */
class LatestPerKey {
  private readonly best = new Map<string, { row: OnlineWriteRow; created: number }>();
  private readonly keys: string[];

  constructor(
    private readonly catalog: Catalog,
    private readonly view: FeatureView,
    private readonly startMs: number,
    private readonly endMs: number,
  ) {
    this.keys = joinKeysOf(catalog, view);
  }

  get size(): number {
    return this.best.size;
  }

  add(table: ArrowTableLike): void {
    const { view, keys } = this;
    const keyColumns = keys.map((k) => keyValues(table.getChild(k)!, `view "${view.name}" join key "${k}"`));
    const ts = readEpochMillisColumn(table, view.timestampColumn);
    checkPlausibleEpochMs(ts, `view "${view.name}" column "${view.timestampColumn}"`);
    const created = view.createdTimestampColumn ? readEpochMillisColumn(table, view.createdTimestampColumn) : undefined;
    const createdAt = (i: number) => (created && created[i] === created[i] ? created[i]! : -Infinity);
    // Later event time wins; on a tie the later created time; on a full tie the later row.
    const beats = (t: number, c: number, bestT: number, bestC: number) => t > bestT || (t === bestT && c >= bestC);
    // First the winner per key within this batch (indexes only), then against the rows held.
    const local = new Map<string, number>();
    const values = new Array<string | number | null>(keys.length);
    for (let i = 0; i < table.numRows; i++) {
      const t = ts[i]!;
      if (!(t >= this.startMs && t <= this.endMs)) continue;
      let nullKey = false;
      for (let k = 0; k < keyColumns.length; k++) if ((values[k] = keyColumns[k]![i]!) === null) nullKey = true;
      if (nullKey) continue;
      const key = encodeEntityKey(keys, values as (string | number)[]);
      const prev = local.get(key);
      if (prev === undefined || beats(t, createdAt(i), ts[prev]!, createdAt(prev))) local.set(key, i);
    }
    if (local.size === 0) return;
    const features = view.features.map((f) => [f.name, columnValues(table.getChild(f.name)!)] as const);
    for (const [key, i] of local) {
      const t = ts[i]!;
      const c = createdAt(i);
      const held = this.best.get(key);
      if (held && !beats(t, c, held.row.eventTimestampMs, held.created)) continue;
      const rowValues: Record<string, OnlineValue> = {};
      for (const [name, column] of features) rowValues[name] = column[i]!;
      this.best.set(key, { row: { entityKey: key, eventTimestampMs: t, ...(c !== -Infinity ? { createdTimestampMs: c } : {}), values: rowValues }, created: c });
    }
  }

  /** The rows held so far; forgets them. */
  drain(): OnlineWriteRow[] {
    const rows = Array.from(this.best.values(), (b) => b.row);
    this.best.clear();
    return rows;
  }
}

/** Latest row per entity key among rows with start <= ts <= end, as online write rows. */
export function latestRows(catalog: Catalog, view: FeatureView, table: ArrowTableLike, startMs: number, endMs: number): OnlineWriteRow[] {
  const latest = new LatestPerKey(catalog, view, startMs, endMs);
  latest.add(table);
  return latest.drain();
}

async function writeAll(online: OnlineStoreV1, view: FeatureView, rows: readonly OnlineWriteRow[]): Promise<{ written: number; skipped: number }> {
  let written = 0;
  let skipped = 0;
  for (let i = 0; i < rows.length; i += WRITE_BATCH) {
    const r = await online.writeRows(view.name, rows.slice(i, i + WRITE_BATCH), { ttlMs: view.ttlMs });
    written += r.written;
    skipped += r.skipped;
  }
  return { written, skipped };
}

const DEFAULT_MAX_BUFFERED_KEYS = 100_000;

async function materializeView(context: OnlineContext, view: FeatureView, startMs: number, endMs: number, maxBufferedKeys: number): Promise<MaterializedView> {
  const { catalog } = context;
  const columns = [...joinKeysOf(catalog, view), view.timestampColumn, ...(view.createdTimestampColumn ? [view.createdTimestampColumn] : []), ...view.features.map((f) => f.name)];
  const latest = new LatestPerKey(catalog, view, startMs, endMs);
  let rows = 0;
  let written = 0;
  let skipped = 0;
  const flush = async () => {
    const batch = latest.drain();
    rows += batch.length;
    const r = await writeAll(context.online, view, batch);
    written += r.written;
    skipped += r.skipped;
  };
  for await (const batch of context.sourceBatches(view.name, columns)) {
    latest.add(batch);
    if (latest.size >= maxBufferedKeys) await flush();
  }
  await flush();
  // Only after every row is stored: a failure above leaves the watermark where it was.
  const previous = await context.online.getWatermark(view.name);
  if (previous === undefined || endMs > previous) await context.online.setWatermark(view.name, endMs);
  return { view: view.name, startMs, endMs, rows, written, skipped };
}

function maxBufferedKeysOf(value: number | undefined): number {
  if (value === undefined) return DEFAULT_MAX_BUFFERED_KEYS;
  if (!Number.isInteger(value) || value < 1) throw new InvalidArgumentError(`materialize: maxBufferedKeys must be a positive integer, found ${String(value)}.`);
  return value;
}

/** Writes the latest value per entity key in [start, end] of each view into the online store. */
export async function materialize(context: OnlineContext, options: MaterializeOptions): Promise<MaterializeResult> {
  const startMs = toEpochMs(options?.start, 'materialize start');
  const endMs = toEpochMs(options?.end, 'materialize end');
  if (startMs > endMs) throw new InvalidArgumentError(`materialize: start (${new Date(startMs).toISOString()}) is after end (${new Date(endMs).toISOString()}); swap them.`);
  const views = selectViews(context.catalog, options.views);
  const maxBufferedKeys = maxBufferedKeysOf(options.maxBufferedKeys);
  const out: MaterializedView[] = [];
  for (const view of views) out.push(await materializeView(context, view, startMs, endMs, maxBufferedKeys));
  return { views: out };
}

/**
 * Materializes each view from its watermark (the end of its last successful run) to `end`.
 * Without a watermark: from `end - ttl`, or from the beginning when the view has no TTL.
 */
export async function materializeIncremental(context: OnlineContext, options: MaterializeIncrementalOptions): Promise<MaterializeResult> {
  const endMs = toEpochMs(options?.end, 'materializeIncremental end');
  const views = selectViews(context.catalog, options.views);
  const maxBufferedKeys = maxBufferedKeysOf(options.maxBufferedKeys);
  const out: MaterializedView[] = [];
  for (const view of views) {
    const watermark = await context.online.getWatermark(view.name);
    const startMs = watermark ?? (view.ttlMs > 0 ? endMs - view.ttlMs : -8.64e15);
    out.push(await materializeView(context, view, Math.min(startMs, endMs), endMs, maxBufferedKeys));
  }
  return { views: out };
}

/** Writes pushed rows (already checked against the view) to the online store: latest per key; older than stored is ignored. */
export async function pushOnline(context: OnlineContext, view: FeatureView, table: ArrowTableLike): Promise<{ written: number; skipped: number }> {
  const rows = latestRows(context.catalog, view, table, -8.64e15, 8.64e15);
  return writeAll(context.online, view, rows);
}

function toKeyValue(value: unknown, key: string, row: number, valueType: string | undefined): string | number {
  if (typeof value === 'number' && Number.isFinite(value)) return valueType === 'string' ? String(value) : value;
  if (typeof value === 'bigint' && value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= -BigInt(Number.MAX_SAFE_INTEGER)) return Number(value);
  if (typeof value === 'string') {
    // Feast converts entity values to the entity's declared type; do the same for numeric keys.
    if ((valueType === 'int64' || valueType === 'int32') && /^-?\d+$/.test(value) && Number.isSafeInteger(Number(value))) return Number(value);
    return value;
  }
  throw new InvalidArgumentError(`entities.${key}[${row}]: expected a string or an integer key, found ${JSON.stringify(value === undefined ? null : typeof value === 'bigint' ? String(value) : value)}. Every entity row needs a key.`, {
    details: { key, row },
  });
}

function requestVector(values: readonly unknown[]): Vector {
  const first = values.find((v) => v !== null && v !== undefined);
  if (typeof first === 'string') return vectorFromArray(values.map((v) => (v === undefined ? null : v)), new Utf8()) as Vector;
  if (typeof first === 'boolean') return vectorFromArray(values.map((v) => (v === undefined ? null : v)), new Bool()) as Vector;
  return vectorFromArray(values.map((v) => (typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : null)), new Float64()) as Vector;
}

/**
 * Reads the latest feature values for each entity row, with a status per value: `PRESENT`,
 * `NOT_FOUND` (nothing stored for the key) or `OUTSIDE_TTL` (stored, but older than the view's
 * TTL at read time: the value is withheld as null). On-demand features are computed here.
 */
export async function getOnlineFeatures(context: OnlineContext, request: OnlineFeaturesRequest): Promise<OnlineFeaturesResult> {
  const { catalog } = context;
  if (!request || typeof request.entities !== 'object' || request.entities === null) throw new InvalidArgumentError('getOnlineFeatures: expected { features, entities: { key: [values] } }.');
  const fullFeatureNames = request.fullFeatureNames ?? true;
  const resolved = resolveFeatureRefs(catalog, request.features, fullFeatureNames);
  let n: number | undefined;
  for (const [name, values] of [...Object.entries(request.entities), ...Object.entries(request.requestData ?? {})]) {
    if (!Array.isArray(values)) throw new InvalidArgumentError(`getOnlineFeatures: "${name}" must be an array with one value per entity row, found ${typeof values}.`);
    if (n === undefined) n = values.length;
    else if (values.length !== n) throw new InvalidArgumentError(`getOnlineFeatures: "${name}" has ${values.length} values, expected ${n} (one per entity row, like the other columns).`);
  }
  const rows = n ?? 0;
  const now = context.now();
  const columns = new Map<string, OnlineFeatureColumn>();
  for (const [viewName, features] of resolved.views) {
    const view = catalog.views.get(viewName)!;
    const keys = joinKeysOf(catalog, view);
    const missing = keys.filter((k) => !(k in request.entities));
    if (missing.length > 0) {
      throw new InvalidArgumentError(`getOnlineFeatures: view "${viewName}" is keyed by [${keys.join(', ')}] but entities has no [${missing.join(', ')}]. Add ${missing.length === 1 ? 'that key' : 'those keys'}.`, {
        details: { view: viewName, missing },
      });
    }
    const entityKeys = new Array<string>(rows);
    for (let i = 0; i < rows; i++) entityKeys[i] = encodeEntityKey(keys, keys.map((k) => toKeyValue(request.entities[k]![i], k, i, keyValueType(catalog, view, k))));
    const records = await context.online.readRows(viewName, entityKeys, features);
    for (const feature of features) {
      const col: OnlineFeatureColumn = { values: new Array(rows), statuses: new Array(rows), eventTimestampsMs: new Array(rows) };
      for (let i = 0; i < rows; i++) {
        const r = records[i];
        if (!r) {
          col.values[i] = null;
          col.statuses[i] = 'NOT_FOUND';
          col.eventTimestampsMs[i] = null;
        } else if (view.ttlMs > 0 && now - r.eventTimestampMs > view.ttlMs) {
          col.values[i] = null;
          col.statuses[i] = 'OUTSIDE_TTL';
          col.eventTimestampsMs[i] = r.eventTimestampMs;
        } else {
          col.values[i] = r.values[feature] ?? null;
          col.statuses[i] = 'PRESENT';
          col.eventTimestampsMs[i] = r.eventTimestampMs;
        }
      }
      columns.set(fullName(viewName, feature), col);
    }
  }
  for (const odfv of resolved.onDemand) {
    const out = runOnDemand(odfv, rows, (name) => {
      const col = columns.get(name);
      if (col) return requestVector(col.values);
      const data = request.requestData?.[name];
      return data ? requestVector(data) : undefined;
    });
    // A row whose inputs were not all PRESENT carries the first missing input's status.
    const inputs = odfv.sources.map((s) => columns.get(s.replace(':', '__'))!);
    const statusOf = (row: number): FeatureStatus => inputs.find((c) => c.statuses[row] !== 'PRESENT')?.statuses[row] ?? 'PRESENT';
    for (const [feature, vector] of out) {
      const values = columnValues(vector);
      columns.set(fullName(odfv.name, feature), { values, statuses: values.map((_, row) => statusOf(row)), eventTimestampsMs: values.map(() => null) });
    }
  }
  const result: OnlineFeaturesResult = { featureNames: [], features: {} };
  for (const f of resolved.features) {
    result.featureNames.push(f.outputName);
    result.features[f.outputName] = columns.get(fullName(f.view, f.feature))!;
  }
  return result;
}
