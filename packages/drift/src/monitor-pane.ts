import { ArrowTypeId } from '@mlops/contracts';
import type { ArrowTableLike } from './arrow-like.js';
import type { IngestCounters } from './data-quality.js';
import type { ArrowVectorLike } from './arrow-like.js';
import { columnKind } from './internal/arrow-columns.js';
import type { CategoricalColumnProfile, ColumnProfile, NumericColumnProfile, NumericUpdateOptions, Profile } from './profile.js';
import { addVectorToColumn, emptyColumnProfile, readNumericChunkView, snapshotProfile, updateCategorical, updateNumeric } from './profile.js';

/** A monitored column, typed from the reference. */
export interface MonitoredColumn {
  readonly name: string;
  readonly kind: 'numeric' | 'categorical';
  readonly sourceType: string;
  /** Booleans are categories "true"/"false". */
  readonly isBool: boolean;
  /**
   * Keep the window's distinct-count sketch. compare() reads it only to tell a numeric column with
   * at most 5 distinct values (reference and current together) from a numerical one, so the
   * monitor skips the per-value hashing for categorical columns and for numeric columns whose
   * reference alone already has more than 5: the verdicts are the same, the window's `distinct`
   * stays empty.
   */
  readonly distinct: boolean;
}

/**
 * Values buffered per column before they enter the sketches: one radix sort and one KLL
 * compaction cascade per 8k values instead of per row or per small batch (3-5x cheaper for
 * 1,000-row batches).
 */
const ROW_BUFFER = 8192;

/**
 * One pane of a monitor window: a profile built from Arrow batches or plain row objects, typed
 * by the reference, plus what ingestion counted (missing columns, wrong types, bad rows).
 * Row objects go into per-column typed buffers and enter the profile ROW_BUFFER rows at a time.
 */
export interface Pane {
  readonly startMs: number;
  rows: number;
  badRows: number;
  readonly counters: IngestCounters;
  addTable(batch: ArrowTableLike): void;
  addRow(row: Readonly<Record<string, unknown>>): void;
  /** An immutable profile of the pane so far (flushes the row buffers). */
  profile(): Profile;
}

interface NumericBuffer {
  readonly col: NumericColumnProfile;
  /** How the buffer is flushed: the buffer's order is ours to give up; distinct as the column says. */
  readonly owned: NumericUpdateOptions;
  readonly chunk: NumericUpdateOptions;
  readonly values: Float64Array;
  len: number;
  nulls: number;
}

interface CategoricalBuffer {
  readonly col: CategoricalColumnProfile;
  readonly counts: Map<string, number>;
  nulls: number;
  readonly isBool: boolean;
  readonly distinct: boolean;
}

/** Creates an empty pane for `columns`. */
export function createPane(columns: readonly MonitoredColumn[], startMs: number, options: { sketchK?: number; categoryCap?: number; trackNewColumns?: boolean }): Pane {
  const profile: Profile = { format: 'mlops-drift-profile', rowCount: 0, columns: new Map() };
  const counters: IngestCounters = { rows: 0, missing: new Map(), wrongType: new Map(), newColumns: new Set() };
  const numeric: NumericBuffer[] = [];
  const categorical: CategoricalBuffer[] = [];
  const byName = new Map<string, MonitoredColumn>();
  // Row-object columns in a fixed order; `slot` >= 0 indexes `numeric`, < 0 is ~index in `categorical`.
  const names: string[] = [];
  const slots: number[] = [];
  for (const c of columns) {
    const col = emptyColumnProfile(c.kind, c.sourceType, options);
    profile.columns.set(c.name, col);
    byName.set(c.name, c);
    names.push(c.name);
    if (col.kind === 'numeric') {
      slots.push(numeric.length);
      numeric.push({ col, owned: { reorder: true, distinct: c.distinct }, chunk: { distinct: c.distinct }, values: new Float64Array(ROW_BUFFER), len: 0, nulls: 0 });
    } else {
      slots.push(~categorical.length);
      categorical.push({ col, counts: new Map(), nulls: 0, isBool: c.isBool, distinct: c.distinct });
    }
  }
  const indexOf = new Map(names.map((n, i) => [n, i]));
  let buffered = 0;
  // Copies a numeric vector into its buffer (flushing first when a chunk does not fit; chunks
  // larger than the buffer go straight to the sketch); returns its non-finite values.
  const appendNumeric = (b: NumericBuffer, v: ArrowVectorLike): number => {
    let nonFinite = 0;
    let at = 0;
    for (const data of v.data) {
      const values = readNumericChunkView(v, data, at);
      at += data.length;
      for (let i = 0; i < values.length; i++) if (values[i]! - values[i]! !== 0) nonFinite++;
      nonFinite -= data.nullCount;
      if (values.length > b.values.length) {
        updateNumeric(b.col, values, data.nullCount, b.chunk);
        continue;
      }
      if (b.len + values.length > b.values.length) flushNumeric(b);
      b.values.set(values, b.len);
      b.len += values.length;
      b.nulls += data.nullCount;
    }
    return nonFinite;
  };
  const bump = (m: Map<string, number>, k: string, n: number): void => {
    m.set(k, (m.get(k) ?? 0) + n);
  };
  const flush = (): void => {
    for (const b of numeric) flushNumeric(b);
    for (const b of categorical) {
      if (b.counts.size > 0 || b.nulls > 0) updateCategorical(b.col, b.counts, b.nulls, b.distinct);
      b.counts.clear();
      b.nulls = 0;
    }
    buffered = 0;
  };
  // Row objects fill every numeric buffer in step; Arrow batches may flush one alone.
  const flushNumeric = (b: NumericBuffer): void => {
    if (b.len > 0) updateNumeric(b.col, b.values.subarray(0, b.len), b.nulls, b.owned);
    b.len = 0;
    b.nulls = 0;
  };
  const pane: Pane = {
    startMs,
    rows: 0,
    badRows: 0,
    counters,
    addTable(batch) {
      const n = batch.numRows;
      let bad = 0;
      for (const c of columns) {
        const v = batch.getChild(c.name);
        if (v === null) {
          bump(counters.missing, c.name, n);
          bad = n;
          continue;
        }
        const col = profile.columns.get(c.name) as ColumnProfile;
        if (v.type.typeId === ArrowTypeId.Null) {
          col.nulls += v.length;
          continue;
        }
        const allNull = v.data.every((d) => d.nullCount === d.length);
        if (!allNull && columnKind(v.type) !== c.kind) {
          bump(counters.wrongType, c.name, n);
          bad = n;
          continue;
        }
        if (allNull) {
          col.nulls += v.length;
          continue;
        }
        if (col.kind === 'numeric') bad = Math.max(bad, appendNumeric(numeric[slots[indexOf.get(c.name)!]!]!, v));
        else addVectorToColumn(col, v, c.distinct);
      }
      if (options.trackNewColumns !== false) for (const f of batch.schema.fields) if (!byName.has(f.name)) counters.newColumns.add(f.name);
      for (const b of numeric) if (b.len > buffered) buffered = b.len;
      pane.rows += n;
      counters.rows += n;
      profile.rowCount += n;
      pane.badRows += bad;
    },
    addRow(row) {
      let bad = false;
      for (let i = 0; i < names.length; i++) {
        const name = names[i]!;
        const v = row[name];
        const slot = slots[i]!;
        if (slot >= 0) {
          const b = numeric[slot]!;
          if (typeof v === 'number') {
            b.values[b.len++] = v;
            if (v - v !== 0) bad = true;
          } else if (v === null) {
            b.values[b.len++] = NaN;
            b.nulls++;
          } else if (v === undefined) {
            bump(counters.missing, name, 1);
            bad = true;
          } else if (v instanceof Date) {
            b.values[b.len++] = v.getTime();
          } else if (typeof v === 'bigint') {
            b.values[b.len++] = Number(v);
          } else {
            bump(counters.wrongType, name, 1);
            bad = true;
          }
        } else {
          const b = categorical[~slot]!;
          if (typeof v === 'string' && !b.isBool) b.counts.set(v, (b.counts.get(v) ?? 0) + 1);
          else if (typeof v === 'boolean' && b.isBool) b.counts.set(v ? 'true' : 'false', (b.counts.get(v ? 'true' : 'false') ?? 0) + 1);
          else if (v === null) b.nulls++;
          else if (v === undefined) {
            bump(counters.missing, name, 1);
            bad = true;
          } else {
            bump(counters.wrongType, name, 1);
            bad = true;
          }
        }
      }
      if (bad) pane.badRows++;
      pane.rows++;
      counters.rows++;
      profile.rowCount++;
      // `buffered` bounds every numeric buffer's fill (a row adds at most one value to each).
      if (++buffered >= ROW_BUFFER) flush();
    },
    profile() {
      flush();
      return snapshotProfile(profile);
    },
  };
  return pane;
}
