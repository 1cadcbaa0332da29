import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MlopsError } from '@mlops/contracts';
import { attributeCosts } from './attribute-costs.js';
import { categoryAt, readCostTable } from './cost-table.js';
import { samplePriceCatalog } from './price-catalog.js';
import { H, T0, usageRowArbitrary, usageTable } from '../test/usage-fixtures.js';
import type { UsageRow } from '../test/usage-fixtures.js';

const prices = samplePriceCatalog();
const assets = [
  { node: 'a', instanceType: 'p3.16xlarge' },
  { node: 'b', instanceType: 'p3.16xlarge' },
];
const RANGE = { step: 'hour' as const, start: T0, end: T0 + 8 * H };

// Rows may start before the range; none runs past the nodes' lifetime (the range end).
const row = usageRowArbitrary({
  nodes: ['a', 'b', null],
  kinds: ['gpu', 'cpu', 'memory', 'storage', 'network'],
  startMin: -H,
  startMax: 8 * H,
  maxLength: 4 * H,
  end: 8 * H,
  maxQuantity: 3,
  requests: true,
  skus: ['1g.5gb', null],
  labels: { team: ['t1', 't2', null] },
});

/** Charged quantity-hours per (window, node, kind, sku, team), straight from the definition. */
function reference(rows: readonly UsageRow[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of rows) {
    const charged = r.request === null || r.request === undefined ? r.quantity : Math.max(r.quantity, r.request);
    for (let w = T0; w < T0 + 8 * H; w += H) {
      const overlap = Math.min(r.end, w + H) - Math.max(r.start, w, T0);
      if (overlap <= 0) continue;
      // Network is GiB moved over the whole interval, spread in proportion to time.
      const amount = r.kind === 'network' ? (charged * overlap) / (r.end - r.start) : (charged * overlap) / H;
      // A GPU row on a node without its own sku takes the node's accelerator (V100 on p3.16xlarge).
      const sku = r.sku ?? (r.node !== null && r.kind === 'gpu' ? 'V100' : null);
      const key = `${w}|${r.node}|${r.kind}|${sku}|${r.labels?.team ?? null}`;
      out.set(key, (out.get(key) ?? 0) + amount);
    }
  }
  return out;
}

/** Attributes `rows` and checks every workload row against the definition. */
function checkAgainstDefinition(rows: readonly UsageRow[]): void {
  const c = readCostTable(
    attributeCosts({
      usage: usageTable(rows, ['team']),
      prices,
      assets,
      window: RANGE,
      overcommit: 'scale',
      duplicates: 'allow',
      overlaps: 'allow',
    })
  );
  const team = c.labels.find((l) => l.key === 'team')!.cats;
  const got = new Map<string, number>();
  for (let i = 0; i < c.n; i++) {
    if (categoryAt(c.allocation, i) !== 'workload') continue;
    const kind = categoryAt(c.resourceKind, i);
    const key = `${c.windowStart[i]}|${categoryAt(c.node, i)}|${kind}|${categoryAt(c.sku, i)}|${categoryAt(team, i)}`;
    expect(got.has(key)).toBe(false);
    got.set(key, c.quantityHours[i]!);
  }
  const wanted = reference(rows);
  expect([...got.keys()].sort()).toEqual([...wanted.keys()].sort());
  for (const [k, v] of wanted) expect(got.get(k)).toBeCloseTo(v, 9);
}

describe('window-by-window attribution', () => {
  it('gives one row per workload and window, holding exactly the quantity the definition gives', () => {
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 60 }), (rows) => checkAgainstDefinition(rows)),
      { numRuns: 60 }
    );
  });

  it('merges a crowded bin (more pieces than the insertion sort takes) the same way', () => {
    const rows: UsageRow[] = Array.from({ length: 150 }, (_, k) => ({
      start: T0 + (k % 7) * 60_000,
      end: T0 + H + (k % 5) * 60_000,
      kind: k % 3 === 0 ? 'storage' : 'cpu',
      quantity: 0.01 * (k + 1),
      node: k % 3 === 0 ? 'a' : null,
      labels: { team: ['t1', 't2', null][k % 3]! },
    }));
    checkAgainstDefinition(rows);
  });

  it('finds exact duplicates however far apart, once each, even outside the range', () => {
    const base: UsageRow = {
      start: T0 + 0.5 * H,
      end: T0 + 3.5 * H,
      quantity: 1,
      node: 'a',
      labels: { team: 't1' },
    };
    const other: UsageRow = { ...base, node: 'b' };
    const early: UsageRow = {
      start: T0 - 3 * H,
      end: T0 - 2 * H,
      quantity: 1,
      node: 'a',
      labels: { team: 't2' },
    };
    const rows = [base, other, { ...base, quantity: 2 }, early, { ...base }, { ...early }];
    let err: MlopsError | undefined;
    try {
      attributeCosts({
        usage: usageTable(rows),
        prices,
        assets: assets.map((a) => ({ ...a, start: T0 - 4 * H })),
        window: RANGE,
        overcommit: 'scale',
      });
    } catch (e) {
      err = e as MlopsError;
    }
    expect(err?.code).toBe('DUPLICATE_USAGE');
    expect(err?.message).toMatch(/repeats row 0 exactly: 1 row\(s\), e\.g\. row 4/);
    expect(err?.message).toMatch(/repeats row 3 exactly: 1 row\(s\), e\.g\. row 5/);
    expect(err?.message).not.toMatch(/row 2/);
  });

  it('reports every copy when one row is repeated many times', () => {
    const one: UsageRow = { start: T0, end: T0 + H, quantity: 0.1, node: 'a', labels: { team: 't1' } };
    let err: MlopsError | undefined;
    try {
      attributeCosts({ usage: usageTable(Array.from({ length: 40 }, () => ({ ...one }))), prices, assets, window: RANGE, overcommit: 'scale' });
    } catch (e) {
      err = e as MlopsError;
    }
    expect(err?.code).toBe('DUPLICATE_USAGE');
    expect(err?.message).toMatch(/repeats row 0 exactly: 39 row\(s\), e\.g\. row 1, 2, 3, 4, 5/);
  });
});
