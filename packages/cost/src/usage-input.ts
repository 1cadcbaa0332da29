import { MlopsError, PRICING_MODELS, RESOURCE_KINDS, SchemaMismatchError, describeType, isDate, isTimestampLike, toFloat64Array } from '@mlops/contracts';
import { StringInterner, columnNames, readCategories, requireColumn } from './arrow-columns.js';
import type { ArrowTableLike, ArrowVectorLike, Categories } from './arrow-columns.js';
import { CostErrorCode } from './error-codes.js';

// Kinds and pricing models are defined once, in @mlops/contracts' UsageRecord contract; their
// order is the code order used throughout this package.
export { PRICING_MODELS, RESOURCE_KINDS };
export type { PricingModel, ResourceKind } from '@mlops/contracts';
/** The `unit` each resource kind must use. */
export const KIND_UNITS = ['gpu', 'vcpu', 'GiB', 'GiB', 'GiB'] as const;

export const KIND_GPU = 0;
export const KIND_CPU = 1;
export const KIND_MEMORY = 2;
export const KIND_STORAGE = 3;
export const KIND_NETWORK = 4;

/** A UsageRecord table read into typed arrays. */
export interface UsageColumns {
  n: number;
  start: Float64Array;
  end: Float64Array;
  kind: Uint8Array;
  quantity: Float64Array;
  /** NaN where null. */
  request: Float64Array;
  /** Node codes into `nodes.values`; the interner also receives asset node names later. */
  node: Int32Array;
  nodes: StringInterner;
  pricing: Uint8Array;
  sku: Categories;
  instanceType: Categories;
  region: Categories;
  labels: { key: string; column: string; cats: Categories }[];
}

/** Collects rule violations by kind: a count and the first few row numbers. */
export class ProblemList {
  private readonly byKind = new Map<string, { count: number; rows: number[] }>();
  add(kind: string, row: number): void {
    let p = this.byKind.get(kind);
    if (!p) this.byKind.set(kind, (p = { count: 0, rows: [] }));
    p.count++;
    if (p.rows.length < 5) p.rows.push(row);
  }
  get size(): number {
    return this.byKind.size;
  }
  lines(): string[] {
    return [...this.byKind].map(([kind, p]) => `${kind}: ${p.count} row(s), e.g. row ${p.rows.join(', ')}`);
  }
  throwIfAny(code: string, intro: string, fix: string): void {
    if (!this.size) return;
    const lines = this.lines();
    throw new MlopsError(code, `${intro}\n  ${lines.join('\n  ')}\n${fix}`, { details: { problems: lines } });
  }
}

function optionalCategories(table: ArrowTableLike, name: string, n: number): Categories {
  const v = table.getChild(name);
  return v ? readCategories(v, name) : { codes: new Int32Array(n).fill(-1), values: [] };
}

function codesOf(cats: Categories, allowed: readonly string[], name: string, problems: ProblemList): Uint8Array {
  const map = cats.values.map((v) => allowed.indexOf(v));
  const out = new Uint8Array(cats.codes.length);
  for (let i = 0; i < cats.codes.length; i++) {
    const c = cats.codes[i]!;
    const k = c < 0 ? -1 : map[c]!;
    if (k < 0) problems.add(`${name} is ${c < 0 ? 'null' : `"${cats.values[c]}"`}, expected one of ${allowed.join(', ')}`, i);
    else out[i] = k;
  }
  return out;
}

// Time columns must be time-typed (or 64-bit epoch ms), so plain numbers are never read as times
// by accident.
function readTimes(v: ArrowVectorLike, name: string): Float64Array {
  if (!isTimestampLike(v.type) && !isDate(v.type)) {
    throw new SchemaMismatchError(
      `Column "${name}" should be a Timestamp (any unit), a Date, or Int64/Float64 epoch milliseconds, but it is ${describeType(v.type)}. ` +
        'Cast it before passing the table (DuckDB: CAST(x AS TIMESTAMP_MS)).',
      { problems: [`${name}: ${describeType(v.type)}`] },
    );
  }
  return toFloat64Array(v, { columnName: name });
}

// Usage times must fall in [2000, 2200): outside it, the numbers are almost surely in another unit
// (epoch seconds read as ms land in January 1970, microseconds past the year 50000).
const EPOCH_MIN = Date.UTC(2000, 0, 1);
const EPOCH_MAX = Date.UTC(2200, 0, 1);
const plausible = (ms: number) => ms >= EPOCH_MIN && ms < EPOCH_MAX;

/** What unit an implausible epoch-ms value looks like it is in. */
export function epochUnitGuess(ms: number): string {
  if (plausible(ms * 1000)) return 'epoch seconds';
  if (plausible(ms / 1000)) return 'epoch microseconds';
  if (plausible(ms / 1e6)) return 'epoch nanoseconds';
  return 'no known epoch unit';
}

function checkEpochs(values: Float64Array, name: string, problems: ProblemList): void {
  let kind: string | null = null;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v !== v || plausible(v)) continue;
    kind ??=
      `${name} read as epoch milliseconds lands in year ${Number.isNaN(new Date(v).getTime()) ? '> 275000' : new Date(v).getUTCFullYear()} (first value ${v}), which looks like ${epochUnitGuess(v)}; ` +
      'times before 2000 or after 2200 are refused: convert to milliseconds or use a Timestamp column with the right unit';
    problems.add(kind, i);
  }
}

/**
 * Reads and checks a UsageRecord table (docs/decisions/001-data-contracts.md). Every rule
 * violation in the table is reported in one `INVALID_USAGE` error, by kind with a count and
 * example rows, so nothing is dropped silently.
 */
export function readUsage(table: ArrowTableLike): UsageColumns {
  const what = 'A UsageRecord table';
  const n = table.numRows;
  // Numbers come through @mlops/contracts' readers (measured as fast or faster than this package's
  // own at 1M rows); requireColumn first, so a missing column gets this package's message.
  const start = readTimes(requireColumn(table, 'interval_start', what), 'interval_start');
  const end = readTimes(requireColumn(table, 'interval_end', what), 'interval_end');
  const quantity = toFloat64Array(requireColumn(table, 'quantity', what), { columnName: 'quantity' });
  const reqCol = table.getChild('request_quantity');
  const request = reqCol ? toFloat64Array(reqCol, { columnName: 'request_quantity' }) : new Float64Array(n).fill(NaN);
  const problems = new ProblemList();
  const kind = codesOf(readCategories(requireColumn(table, 'resource_kind', what), 'resource_kind'), RESOURCE_KINDS, 'resource_kind', problems);
  const pricing = codesOf(readCategories(requireColumn(table, 'pricing_model', what), 'pricing_model'), PRICING_MODELS, 'pricing_model', problems);
  const unitCol = table.getChild('unit');
  if (unitCol) {
    const units = readCategories(unitCol, 'unit');
    // The unit code each kind must carry (-2 when no row has it), compared as integers per row.
    const want = Int32Array.from(KIND_UNITS, (v) => units.values.indexOf(v) >= 0 ? units.values.indexOf(v) : -2);
    const codes = units.codes;
    for (let i = 0; i < n; i++) {
      const k = kind[i]!;
      if (codes[i] !== want[k]) problems.add(`unit for ${RESOURCE_KINDS[k]} should be "${KIND_UNITS[k]}"`, i);
    }
  }
  checkEpochs(start, 'interval_start', problems);
  checkEpochs(end, 'interval_end', problems);
  for (let i = 0; i < n; i++) {
    const s = start[i]!;
    const e = end[i]!;
    if (Number.isNaN(s) || Number.isNaN(e)) problems.add('interval_start or interval_end is null', i);
    else if (!(e > s)) problems.add('interval_end is not after interval_start', i);
    const q = quantity[i]!;
    if (!(q >= 0) || q === Infinity) problems.add('quantity is negative, null or not finite', i);
    const r = request[i]!;
    if (r < 0 || r === Infinity) problems.add('request_quantity is negative or not finite', i);
  }
  const nodes = new StringInterner();
  const nodeCats = optionalCategories(table, 'node', n);
  const node = new Int32Array(n);
  const remap = nodeCats.values.map((v) => nodes.code(v));
  for (let i = 0; i < n; i++) node[i] = nodeCats.codes[i]! < 0 ? -1 : remap[nodeCats.codes[i]!]!;
  const labels = columnNames(table)
    .filter((c) => c.startsWith('label_'))
    .map((column) => ({ key: column.slice(6), column, cats: readCategories(table.getChild(column)!, column) }));
  problems.throwIfAny(
    CostErrorCode.InvalidUsage,
    `The usage table breaks the UsageRecord rules in ${problems.size} way(s):`,
    'Fix the producer (or filter these rows out yourself) and attribute again; no row was charged.',
  );
  return {
    n,
    start,
    end,
    kind,
    quantity,
    request,
    node,
    nodes,
    pricing,
    sku: optionalCategories(table, 'sku', n),
    instanceType: optionalCategories(table, 'instance_type', n),
    region: optionalCategories(table, 'region', n),
    labels,
  };
}
