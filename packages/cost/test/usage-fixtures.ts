import fc from 'fast-check';
import { Dictionary, Float64, Int32, Table, TimestampMillisecond, Utf8, vectorFromArray } from 'apache-arrow';
import type { Vector } from 'apache-arrow';

/** One usage row for tests (times in epoch ms). */
export interface UsageRow {
  start: number;
  end: number;
  kind?: 'gpu' | 'cpu' | 'memory' | 'storage' | 'network';
  quantity: number;
  request?: number | null;
  node?: string | null;
  instanceType?: string | null;
  region?: string | null;
  pricingModel?: 'on-demand' | 'spot' | 'reserved' | 'committed';
  sku?: string | null;
  labels?: Record<string, string | null>;
}

const UNITS = { gpu: 'gpu', cpu: 'vcpu', memory: 'GiB', storage: 'GiB', network: 'GiB' } as const;

const dict = (values: (string | null)[]): Vector => vectorFromArray(values, new Dictionary(new Utf8(), new Int32()));

/** A UsageRecord Arrow table with the decision-001 column types. */
export function usageTable(rows: readonly UsageRow[], labelKeys?: readonly string[]): Table {
  const keys = labelKeys ?? [...new Set(rows.flatMap((r) => Object.keys(r.labels ?? {})))];
  const columns: Record<string, Vector> = {
    interval_start: vectorFromArray(rows.map((r) => r.start), new TimestampMillisecond('UTC')),
    interval_end: vectorFromArray(rows.map((r) => r.end), new TimestampMillisecond('UTC')),
    resource_kind: dict(rows.map((r) => r.kind ?? 'gpu')),
    quantity: vectorFromArray(rows.map((r) => r.quantity), new Float64()),
    unit: dict(rows.map((r) => UNITS[r.kind ?? 'gpu'])),
    request_quantity: vectorFromArray(rows.map((r) => r.request ?? null), new Float64()),
    sku: dict(rows.map((r) => r.sku ?? null)),
    instance_type: dict(rows.map((r) => (r.instanceType === undefined ? 'p3.16xlarge' : r.instanceType))),
    node: dict(rows.map((r) => (r.node === undefined ? 'n1' : r.node))),
    pricing_model: dict(rows.map((r) => r.pricingModel ?? 'on-demand')),
    region: dict(rows.map((r) => (r.region === undefined ? 'us-east-1' : r.region))),
  };
  for (const k of keys) columns[`label_${k}`] = vectorFromArray(rows.map((r) => r.labels?.[k] ?? null), new Utf8());
  return new Table(columns);
}

export const H = 3_600_000;
/** 2026-01-01T00:00:00Z */
export const T0 = Date.UTC(2026, 0, 1);

/** What {@link usageRowArbitrary} draws from. Times are offsets from T0 in ms. */
export interface UsageRowArbitraryOptions {
  nodes: readonly (string | null)[];
  kinds: readonly NonNullable<UsageRow['kind']>[];
  startMin: number;
  startMax: number;
  maxLength: number;
  /** Rows are cut at this offset (the nodes' end of life). */
  end: number;
  maxQuantity: number;
  /** Draw request quantities too (else none). */
  requests: boolean;
  skus: readonly (string | null)[];
  labels: Record<string, readonly (string | null)[]>;
}

/** Random usage rows on p3.16xlarge nodes for property tests (rows of zero length are dropped). */
export function usageRowArbitrary(o: UsageRowArbitraryOptions): fc.Arbitrary<UsageRow> {
  const quantity = fc.double({ min: 0, max: o.maxQuantity, noNaN: true });
  return fc
    .record({
      node: fc.constantFrom(...o.nodes),
      kind: fc.constantFrom(...o.kinds),
      start: fc.integer({ min: o.startMin, max: o.startMax }),
      length: fc.integer({ min: 1, max: o.maxLength }),
      quantity,
      request: o.requests ? fc.option(quantity, { nil: null }) : fc.constant(null),
      sku: fc.constantFrom(...o.skus),
      labels: fc.record(Object.fromEntries(Object.entries(o.labels).map(([k, values]) => [k, fc.constantFrom(...values)]))),
    })
    .map(
      (r): UsageRow => ({
        start: T0 + r.start,
        end: T0 + Math.min(r.start + r.length, o.end),
        kind: r.kind,
        quantity: r.quantity,
        request: r.request,
        node: r.node,
        sku: r.sku,
        instanceType: 'p3.16xlarge',
        labels: r.labels,
      }),
    )
    .filter((r) => r.end > r.start);
}
