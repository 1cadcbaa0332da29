import { ArrowTypeId, InvalidArgumentError, isFloat64, SchemaMismatchError } from '@mlops/contracts';
import type { ArrowDataLike, ArrowTableLike, ArrowTypeLike, ArrowVectorLike } from './arrow-like.js';
import { isArrowTableLike } from './arrow-like.js';
import { countCategoriesChunk, columnKind, readNumericChunk } from './internal/arrow-columns.js';
import type { HyperLogLog } from './hyperloglog.js';
import { createHyperLogLog, hllAddNumbers, hllAddString, hllMerge } from './hyperloglog.js';
import type { KllSketch } from './kll-sketch.js';
import { createKllSketch, DEFAULT_SKETCH_K, kllMerge, kllUpdate } from './kll-sketch.js';

/** Default number of categories counted exactly before switching to a heavy-hitters summary. */
export const DEFAULT_CATEGORY_CAP = 1000;

/** A fixed-edge histogram: bin b holds edges[b-1] <= v < edges[b]; the outer bins are open-ended. */
export interface FixedHistogram {
  /** Strictly increasing interior edges. */
  readonly edges: readonly number[];
  /** edges.length + 1 exact counts. */
  counts: number[];
}

/** Summary of a numerical column (numbers, timestamps as epoch ms). All fields merge exactly except `sketch` and `distinct`. */
export interface NumericColumnProfile {
  /** Discriminant. */
  readonly kind: 'numeric';
  /** Arrow type the column had, e.g. `Float64`. */
  readonly sourceType: string;
  /** Finite values. */
  count: number;
  /** Null entries. */
  nulls: number;
  /** NaN entries. */
  nans: number;
  /** ±Infinity entries. */
  infinities: number;
  /** Smallest finite value (null when count = 0). */
  min: number | null;
  /** Largest finite value (null when count = 0). */
  max: number | null;
  /** Mean of finite values (0 when count = 0). */
  mean: number;
  /** Sum of squared deviations from the mean (variance = m2 / count), merged with Chan et al.'s formula. */
  m2: number;
  /** KLL quantile sketch of the finite values. */
  sketch: KllSketch;
  /** Exact counts over caller-given edges, when `histogramEdges` named this column. */
  histogram?: FixedHistogram;
  /** Distinct-count sketch. */
  distinct: HyperLogLog;
}

/** Summary of a categorical column (strings, dictionary strings, booleans). */
export interface CategoricalColumnProfile {
  /** Discriminant. */
  readonly kind: 'categorical';
  /** Arrow type the column had. */
  readonly sourceType: string;
  /** Non-null values. */
  count: number;
  /** Null entries. */
  nulls: number;
  /** Category counts: exact while `exact`, otherwise Misra–Gries heavy hitters (under-counts by at most `maxUndercount`). */
  counts: Map<string, number>;
  /** True while every category is counted exactly. */
  exact: boolean;
  /** Maximum amount any count in `counts` may be below the truth (0 while exact). */
  maxUndercount: number;
  /** Categories kept before switching to heavy hitters. */
  readonly cap: number;
  /** Distinct-count sketch. */
  distinct: HyperLogLog;
}

/** Summary of one column. */
export type ColumnProfile = NumericColumnProfile | CategoricalColumnProfile;

/**
 * A mergeable summary of a table: per column counts, moments, a quantile sketch, optional
 * exact histograms, category counts and a distinct-count sketch. Build per shard with
 * {@link profile}, combine with {@link mergeProfiles}, compare with `compare()`, store with
 * `serializeProfile()`.
 */
export interface Profile {
  /** Format marker. */
  readonly format: 'mlops-drift-profile';
  /** Rows profiled. */
  rowCount: number;
  /** Column profiles by name, in table order. */
  columns: Map<string, ColumnProfile>;
}

/** Options for {@link profile} and {@link createProfileBuilder}. */
export interface ProfileOptions {
  /** Columns to profile (default: every numeric, timestamp, boolean and string column). */
  columns?: readonly string[];
  /** Fixed histogram edges per numeric column, for exact PSI between profiles. Strictly increasing. */
  histogramEdges?: Readonly<Record<string, readonly number[]>>;
  /** KLL accuracy parameter. Default 1024 (~0.35 % rank error, ~25 KB per column). */
  sketchK?: number;
  /** Categories counted exactly per column before heavy hitters take over. Default 1000. */
  categoryCap?: number;
}

/** True when `value` is a {@link Profile}. */
export function isProfile(value: unknown): value is Profile {
  return typeof value === 'object' && value !== null && (value as Profile).format === 'mlops-drift-profile' && (value as Profile).columns instanceof Map;
}

function newNumeric(sourceType: string, k: number, edges?: readonly number[]): NumericColumnProfile {
  return {
    kind: 'numeric', sourceType, count: 0, nulls: 0, nans: 0, infinities: 0, min: null, max: null, mean: 0, m2: 0,
    sketch: createKllSketch(k), distinct: createHyperLogLog(),
    ...(edges ? { histogram: { edges: [...edges], counts: new Array<number>(edges.length + 1).fill(0) } } : {}),
  };
}

function newCategorical(sourceType: string, cap: number): CategoricalColumnProfile {
  return { kind: 'categorical', sourceType, count: 0, nulls: 0, counts: new Map(), exact: true, maxUndercount: 0, cap, distinct: createHyperLogLog() };
}

/** `sourceType` of a column seen only as nulls (an Arrow `Null` column, or all-null chunks). */
export const NULL_SOURCE_TYPE = 'Null';

/** True for a column that has held only nulls so far (its type is not known yet). */
export function isNullPlaceholder(col: ColumnProfile): boolean {
  return col.sourceType === NULL_SOURCE_TYPE && col.count === 0;
}

function copyColumn(col: ColumnProfile): ColumnProfile {
  const distinct = { registers: col.distinct.registers.slice() };
  if (col.kind === 'numeric') {
    return Object.freeze({
      ...col, distinct, sketch: Object.freeze({ ...col.sketch, levels: col.sketch.levels.map((l) => l.slice()) }),
      ...(col.histogram ? { histogram: Object.freeze({ edges: [...col.histogram.edges], counts: [...col.histogram.counts] }) } : {}),
    });
  }
  return Object.freeze({ ...col, distinct, counts: new Map(col.counts) });
}

// A deep, frozen copy: later adds to the builder never show through (issue #14, defect 6).
export function snapshotProfile(p: Profile): Profile {
  const columns = new Map<string, ColumnProfile>();
  for (const [name, col] of p.columns) columns.set(name, copyColumn(col));
  return Object.freeze({ format: p.format, rowCount: p.rowCount, columns });
}

/** Chan, Golub & LeVeque's pairwise update of (count, mean, m2). */
function mergeMoments(a: { count: number; mean: number; m2: number }, n: number, mean: number, m2: number): void {
  if (n === 0) return;
  if (a.count === 0) {
    a.count = n;
    a.mean = mean;
    a.m2 = m2;
    return;
  }
  const total = a.count + n;
  const delta = mean - a.mean;
  a.mean += (delta * n) / total;
  a.m2 += m2 + (delta * delta * a.count * n) / total;
  a.count = total;
}

// Misra–Gries reduction (Agarwal et al. 2012, mergeable summaries): keep the `cap` largest
// counters, subtract the (cap+1)-th largest from all; every count is then low by at most that.
function reduceCategories(c: CategoricalColumnProfile): void {
  if (c.counts.size <= c.cap) return;
  const sorted = [...c.counts.values()].sort((a, b) => b - a);
  const cut = sorted[c.cap]!;
  const next = new Map<string, number>();
  for (const [k, v] of c.counts) if (v > cut) next.set(k, v - cut);
  c.counts = next;
  c.exact = false;
  c.maxUndercount += cut;
}

// Float64 chunks without nulls are read in place: updateNumeric never writes to its input.
export function readNumericChunkView(vector: ArrowVectorLike, data: ArrowDataLike, at: number): Float64Array {
  if (isFloat64(data.type) && data.nullCount === 0 && data.values instanceof Float64Array) return data.values.subarray(0, data.length);
  return readNumericChunk(vector, data, at);
}

// Finite values of the current batch when it has NaN/Infinity; reused so batches do not churn
// the GC (nothing downstream keeps a reference to it: the sketch copies or samples).
let finiteScratch = new Float64Array(0);

function histogramBin(edges: readonly number[], v: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (v >= edges[mid]!) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** How {@link updateNumeric} may treat its input and what it keeps. Internal. */
export interface NumericUpdateOptions {
  /** The caller owns `values` and gives up their order: they are sorted in place, not copied. */
  readonly reorder?: boolean;
  /** Update the distinct-count sketch (default true; the monitor skips it where compare() cannot use it). */
  readonly distinct?: boolean;
}

const KEEP_INPUT: NumericUpdateOptions = {};
const NO_DISTINCT: NumericUpdateOptions = { distinct: false };

/**
 * Adds one chunk of float64 values (nulls read as NaN, `nullCount` of them) to a numeric column.
 * Internal (the monitor feeds its row buffers through it); `values` is not modified unless
 * `options.reorder`.
 */
export function updateNumeric(p: NumericColumnProfile, values: Float64Array, nullCount: number, options: NumericUpdateOptions = KEEP_INPUT): void {
  p.nulls += nullCount;
  let n = 0;
  let nans = 0;
  let infinities = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v - v === 0) {
      n++;
      sum += v;
      if (v < min) min = v;
      if (v > max) max = v;
    } else if (v !== v) nans++;
    else infinities++;
  }
  // Nulls were read as NaN; separate them from real NaN.
  p.nans += nans - nullCount;
  p.infinities += infinities;
  if (n === 0) return;
  let f = values;
  if (n < values.length) {
    if (finiteScratch.length < n) finiteScratch = new Float64Array(Math.max(n, 65536));
    f = finiteScratch.subarray(0, n);
    let o = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (v - v === 0) f[o++] = v;
    }
  }
  const mean = sum / n;
  let m2 = 0;
  for (let i = 0; i < n; i++) {
    const d = f[i]! - mean;
    m2 += d * d;
  }
  mergeMoments(p, n, mean, m2);
  if (options.distinct !== false) hllAddNumbers(p.distinct, f);
  p.min = p.min === null ? min : Math.min(p.min, min);
  p.max = p.max === null ? max : Math.max(p.max, max);
  if (p.histogram) {
    const { edges, counts } = p.histogram;
    for (let i = 0; i < n; i++) counts[histogramBin(edges, f[i]!)]!++;
  }
  // The finite-value scratch is ours to reorder; the caller's values only when it says so.
  kllUpdate(p.sketch, f, f !== values || options.reorder === true);
}

/**
 * Profiles every chunk of `vector` into `col` (the caller checked that the kinds match). Internal;
 * `distinct: false` leaves the distinct-count sketch alone (see {@link NumericUpdateOptions}).
 */
export function addVectorToColumn(col: ColumnProfile, vector: ArrowVectorLike, distinct = true): void {
  let at = 0;
  for (const data of vector.data) {
    if (col.kind === 'numeric') {
      updateNumeric(col, readNumericChunkView(vector, data, at), data.nullCount, distinct ? KEEP_INPUT : NO_DISTINCT);
    } else {
      const chunkCounts = new Map<string, number>();
      const nulls = countCategoriesChunk(vector, data, at, chunkCounts);
      updateCategorical(col, chunkCounts, nulls, distinct);
    }
    at += data.length;
  }
}

/** Adds one chunk's category counts and nulls to a categorical column (`distinct: false` skips the distinct-count sketch). Internal. */
export function updateCategorical(col: CategoricalColumnProfile, chunkCounts: ReadonlyMap<string, number>, nulls: number, distinct = true): void {
  col.nulls += nulls;
  for (const [key, c] of chunkCounts) {
    col.count += c;
    col.counts.set(key, (col.counts.get(key) ?? 0) + c);
    if (distinct) hllAddString(col.distinct, key);
  }
  reduceCategories(col);
}

/** An empty column profile of the given kind (internal: the monitor builds windows from a reference's column types). */
export function emptyColumnProfile(kind: 'numeric' | 'categorical', sourceType: string, options: { sketchK?: number; categoryCap?: number; histogramEdges?: readonly number[] } = {}): ColumnProfile {
  return kind === 'numeric' ? newNumeric(sourceType, options.sketchK ?? DEFAULT_SKETCH_K, options.histogramEdges) : newCategorical(sourceType, options.categoryCap ?? DEFAULT_CATEGORY_CAP);
}

/** Incremental profiling: add tables or record batches one at a time, then {@link ProfileBuilder.finish}. */
export interface ProfileBuilder {
  /** Adds the rows of an Arrow Table or RecordBatch (columns must keep their kinds across batches). */
  add(batch: ArrowTableLike): void;
  /** An immutable snapshot of everything added so far (a deep copy, frozen; the builder can keep going). */
  finish(): Profile;
}

function checkEdges(name: string, edges: readonly number[]): void {
  if (!Array.isArray(edges) || edges.length === 0) throw new InvalidArgumentError(`Expected histogramEdges["${name}"] to be a non-empty array of numbers, found ${JSON.stringify(edges)}.`);
  for (let i = 0; i < edges.length; i++) {
    if (!Number.isFinite(edges[i]) || (i > 0 && !(edges[i]! > edges[i - 1]!))) {
      throw new InvalidArgumentError(`Expected histogramEdges["${name}"] to be finite and strictly increasing, found ${edges[i]} at index ${i}. Sort the edges and remove duplicates.`);
    }
  }
}

/**
 * The column-level core shared by {@link createProfileBuilder} and `profileIpcFile`: the IPC file
 * reader feeds one column of one record batch at a time, so it never holds a whole batch.
 * Internal: not exported from the package root.
 */
export interface ColumnProfiler {
  /** The columns to profile given a batch's field names (options.columns, or every field). */
  namesFor(fieldNames: readonly string[]): readonly string[];
  /**
   * Checks that `name` (present or not) can be profiled: returns false to skip it, throws
   * SCHEMA_MISMATCH when options.columns named it and it is missing or unsupported.
   */
  accepts(name: string, type: ArrowTypeLike | null, fieldNames: readonly string[]): boolean;
  /** Creates column `name` of `type` if it is new (fixes its position in the profile). */
  ensureColumn(name: string, type: ArrowTypeLike): ColumnProfile;
  /** Profiles every chunk of `vector` into column `name` (creating the column on first sight). */
  addVector(name: string, vector: ArrowVectorLike): void;
  /** Counts `n` nulls in column `name` (an Arrow `Null` column, or an all-null chunk) without fixing its type. */
  addNulls(name: string, n: number): void;
  /** Counts rows once per batch. */
  addRows(n: number): void;
  /** The profile so far. */
  readonly result: Profile;
}

/** Creates the column-level profiler behind {@link createProfileBuilder}. */
export function createColumnProfiler(options: ProfileOptions = {}): ColumnProfiler {
  const k = options.sketchK ?? DEFAULT_SKETCH_K;
  const cap = options.categoryCap ?? DEFAULT_CATEGORY_CAP;
  if (!Number.isInteger(cap) || cap < 1) throw new InvalidArgumentError(`Expected categoryCap to be a positive integer, found ${cap}.`);
  createKllSketch(k);
  for (const [name, edges] of Object.entries(options.histogramEdges ?? {})) checkEdges(name, edges);
  const result: Profile = { format: 'mlops-drift-profile', rowCount: 0, columns: new Map() };
  const ensureColumn = (name: string, type: ArrowTypeLike): ColumnProfile => {
    const kind = columnKind(type);
    let col = result.columns.get(name);
    if (col === undefined || isNullPlaceholder(col)) {
      // A column seen only as nulls so far takes its type from the first chunk with values.
      const nulls = col?.nulls ?? 0;
      col = kind === 'numeric' ? newNumeric(type.toString(), k, options.histogramEdges?.[name]) : newCategorical(type.toString(), cap);
      col.nulls = nulls;
      result.columns.set(name, col);
    } else if (col.kind !== kind) {
      throw new SchemaMismatchError(`Column "${name}" changed from ${col.kind} (${col.sourceType}) to ${kind} (${type.toString()}) between batches. Every batch must have the same schema.`, { problems: [`${name}: ${col.sourceType} -> ${type.toString()}`] });
    }
    return col;
  };
  const addNulls = (name: string, n: number): void => {
    let col = result.columns.get(name);
    if (col === undefined) {
      col = newCategorical(NULL_SOURCE_TYPE, cap);
      result.columns.set(name, col);
    }
    col.nulls += n;
  };
  return {
    result,
    ensureColumn,
    addNulls,
    namesFor: (fieldNames) => options.columns ?? fieldNames,
    accepts(name, type, fieldNames) {
      if (type === null) {
        if (options.columns) throw new SchemaMismatchError(`Column "${name}" (listed in options.columns) is not in the table; it has [${fieldNames.join(', ')}].`, { problems: [`${name}: missing`] });
        return false;
      }
      if (columnKind(type) === 'unsupported') {
        if (options.columns) throw new SchemaMismatchError(`Column "${name}" has type ${type.toString()}, which drift cannot profile. Use numbers, timestamps, booleans or strings.`, { problems: [`${name}: ${type.toString()}`] });
        return false;
      }
      return true;
    },
    addVector(name, vector) {
      // All-null chunks say nothing about the type (a 1-row null batch may be inferred as Float64).
      if (vector.data.every((d) => d.length > 0 && d.nullCount === d.length)) {
        addNulls(name, vector.length);
        return;
      }
      addVectorToColumn(ensureColumn(name, vector.type), vector);
    },
    addRows(n) {
      result.rowCount += n;
    },
  };
}

/** Creates an incremental profiler (for Arrow IPC streams and other batch sources). */
export function createProfileBuilder(options: ProfileOptions = {}): ProfileBuilder {
  const columns = createColumnProfiler(options);
  return {
    add(batch) {
      if (!isArrowTableLike(batch)) throw new InvalidArgumentError('Expected an Apache Arrow Table or RecordBatch (with schema, numRows and getChild). Convert the data with tableFromArrays() or tableFromIPC() first.');
      const fieldNames = batch.schema.fields.map((f) => f.name);
      for (const name of columns.namesFor(fieldNames)) {
        const vector = batch.getChild(name);
        if (vector !== null && vector.type.typeId === ArrowTypeId.Null) {
          columns.addNulls(name, vector.length);
          continue;
        }
        if (!columns.accepts(name, vector === null ? null : vector.type, fieldNames)) continue;
        columns.addVector(name, vector!);
      }
      columns.addRows(batch.numRows);
    },
    finish() {
      return snapshotProfile(columns.result);
    },
  };
}

/** Profiles an Arrow Table (or RecordBatch). See {@link ProfileOptions}. */
export function profile(table: ArrowTableLike, options: ProfileOptions = {}): Profile {
  const builder = createProfileBuilder(options);
  builder.add(table);
  return builder.finish();
}

/**
 * Profiles a stream of record batches, e.g. `RecordBatchReader.from(fs.createReadStream(file))`.
 * Each batch is held whole while it is profiled (apache-arrow's reader keeps a few in flight), so
 * memory follows the batch size: for Arrow IPC files on disk, `profileIpcFile(path)` gives the
 * same profile in memory bounded by its read buffers.
 */
export async function profileBatches(batches: AsyncIterable<ArrowTableLike> | Iterable<ArrowTableLike>, options: ProfileOptions = {}): Promise<Profile> {
  const builder = createProfileBuilder(options);
  for await (const batch of batches) builder.add(batch);
  return builder.finish();
}

function mergeColumn(name: string, a: ColumnProfile, b: ColumnProfile): ColumnProfile {
  if (isNullPlaceholder(a) && !isNullPlaceholder(b)) return withNulls(mergeColumn(name, b, emptyLike(b)), a.nulls);
  if (isNullPlaceholder(b) && !isNullPlaceholder(a)) return withNulls(mergeColumn(name, a, emptyLike(a)), b.nulls);
  if (a.kind !== b.kind) {
    throw new SchemaMismatchError(`Cannot merge column "${name}": it is ${a.kind} (${a.sourceType}) in one profile and ${b.kind} (${b.sourceType}) in another. Profile the same schema on every shard.`, { problems: [`${name}: ${a.kind} vs ${b.kind}`] });
  }
  if (a.kind === 'numeric' && b.kind === 'numeric') {
    if ((a.histogram === undefined) !== (b.histogram === undefined) || (a.histogram && b.histogram && a.histogram.edges.join() !== b.histogram.edges.join())) {
      throw new SchemaMismatchError(`Cannot merge column "${name}": the profiles have different histogram edges. Build every shard's profile with the same histogramEdges option.`, { problems: [`${name}: histogram edges differ`] });
    }
    const out: NumericColumnProfile = {
      kind: 'numeric', sourceType: a.sourceType, count: a.count, nulls: a.nulls + b.nulls, nans: a.nans + b.nans, infinities: a.infinities + b.infinities,
      min: a.min === null ? b.min : b.min === null ? a.min : Math.min(a.min, b.min),
      max: a.max === null ? b.max : b.max === null ? a.max : Math.max(a.max, b.max),
      mean: a.mean, m2: a.m2, sketch: kllMerge(a.sketch, b.sketch), distinct: hllMerge(a.distinct, b.distinct),
      ...(a.histogram && b.histogram ? { histogram: { edges: a.histogram.edges, counts: a.histogram.counts.map((c, i) => c + b.histogram!.counts[i]!) } } : {}),
    };
    mergeMoments(out, b.count, b.mean, b.m2);
    return out;
  }
  const ca = a as CategoricalColumnProfile;
  const cb = b as CategoricalColumnProfile;
  const counts = new Map(ca.counts);
  for (const [k, v] of cb.counts) counts.set(k, (counts.get(k) ?? 0) + v);
  const out: CategoricalColumnProfile = {
    kind: 'categorical', sourceType: ca.sourceType, count: ca.count + cb.count, nulls: ca.nulls + cb.nulls, counts,
    exact: ca.exact && cb.exact, maxUndercount: ca.maxUndercount + cb.maxUndercount, cap: Math.min(ca.cap, cb.cap), distinct: hllMerge(ca.distinct, cb.distinct),
  };
  reduceCategories(out);
  return out;
}

/**
 * Merges profiles of disjoint parts of the same dataset (shards, partitions, time windows).
 * Counts, min/max, moments (up to float rounding), histograms and exact category counts equal
 * those of the concatenated data; the quantile sketch keeps its rank-error guarantee; the
 * distinct-count sketch equals the sketch of the union. A column missing from some profiles is
 * merged from the ones that have it.
 */
export function mergeProfiles(...profiles: Profile[]): Profile {
  if (profiles.length === 0) throw new InvalidArgumentError('mergeProfiles needs at least one profile; found none.');
  const out: Profile = { format: 'mlops-drift-profile', rowCount: 0, columns: new Map() };
  for (const [i, p] of profiles.entries()) {
    if (!isProfile(p)) throw new InvalidArgumentError(`Expected argument ${i} of mergeProfiles to be a Profile (from profile() or deserializeProfile()), found ${typeof p}.`);
    out.rowCount += p.rowCount;
    for (const [name, col] of p.columns) {
      const prev = out.columns.get(name);
      out.columns.set(name, prev === undefined ? mergeColumn(name, col, emptyLike(col)) : mergeColumn(name, prev, col));
    }
  }
  return out;
}

function withNulls(col: ColumnProfile, nulls: number): ColumnProfile {
  col.nulls += nulls;
  return col;
}

function emptyLike(col: ColumnProfile): ColumnProfile {
  return col.kind === 'numeric' ? newNumeric(col.sourceType, col.sketch.k, col.histogram?.edges) : newCategorical(col.sourceType, col.cap);
}
