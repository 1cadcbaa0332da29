import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aggregateCosts } from './aggregate-costs.js';
import { attributeCosts } from './attribute-costs.js';
import { categoryAt, readCostTable } from './cost-table.js';
import { readNumbers } from './arrow-columns.js';
import { samplePriceCatalog } from './price-catalog.js';
import { H, T0, usageTable } from '../test/usage-fixtures.js';
import type { UsageRow } from '../test/usage-fixtures.js';

const prices = samplePriceCatalog();
const NODES = [
  { node: 'a', instanceType: 'p3.16xlarge', region: 'us-east-1', hourly: 24.48, gpu: true },
  { node: 'b', instanceType: 'g5.12xlarge', region: 'us-east-1', hourly: 5.672, gpu: true },
  { node: 'c', instanceType: 'm5.xlarge', region: 'us-east-1', hourly: 0.192, gpu: false },
] as const;
const RANGE = { start: T0, end: T0 + 6 * H };

const usageRow = fc
  .record({
    node: fc.integer({ min: 0, max: 2 }),
    kind: fc.constantFrom('gpu', 'cpu', 'memory'),
    start: fc.integer({ min: 0, max: 6 * H - 2 }),
    length: fc.integer({ min: 1, max: 3 * H }),
    quantity: fc.double({ min: 0, max: 4, noNaN: true }),
    request: fc.option(fc.double({ min: 0, max: 4, noNaN: true }), { nil: null }),
    team: fc.constantFrom('t1', 't2', 't3', null),
    namespace: fc.constantFrom('ml', 'kube-system'),
  })
  .map((r): UsageRow => {
    const n = NODES[r.node]!;
    const kind = !n.gpu && r.kind === 'gpu' ? 'cpu' : r.kind;
    return {
      start: T0 + r.start,
      end: T0 + Math.min(r.start + r.length, 6 * H),
      kind,
      quantity: r.quantity,
      request: r.request,
      node: n.node,
      instanceType: n.instanceType,
      labels: { team: r.team, namespace: r.namespace },
    };
  });

const options = fc.record({
  idle: fc.record({ mode: fc.constantFrom('separate', 'share'), by: fc.constantFrom('proportional', 'even'), scope: fc.constantFrom('node', 'cluster'), level: fc.constantFrom('resource', 'node') }),
  shared: fc.option(fc.record({ by: fc.constantFrom('proportional', 'even'), scope: fc.constantFrom('node', 'cluster') }), { nil: undefined }),
  method: fc.constantFrom('aws-split', 'opencost'),
  step: fc.constantFrom(H, 15 * 60_000, 2 * H),
});

describe('conservation (fast-check)', () => {
  it('for every window and node, rows add up to the node price exactly; per resource within a micro', () => {
    fc.assert(
      fc.property(fc.array(usageRow, { minLength: 1, maxLength: 40 }), options, (rows, o) => {
        const costs = attributeCosts({
          usage: usageTable(rows, ['team', 'namespace']),
          prices,
          assets: NODES.map((n) => ({ node: n.node, instanceType: n.instanceType, region: n.region })),
          method: o.method as 'aws-split' | 'opencost',
          idle: o.idle as never,
          ...(o.shared ? { shared: { labels: { namespace: ['kube-system'] }, ...o.shared } as never } : {}),
          window: { step: o.step, ...RANGE },
          overcommit: 'scale',
          duplicates: 'allow',
          overlaps: 'allow',
        });
        const c = readCostTable(costs);
        const clusterWide = o.idle.mode === 'share' && o.idle.scope === 'cluster' || o.shared?.scope === 'cluster';
        const sums = new Map<string, number>();
        for (let i = 0; i < c.n; i++) {
          const t = c.totalMicros[i]!;
          expect(Number.isInteger(t)).toBe(true);
          expect(c.allocatedMicros[i]!).toBeGreaterThanOrEqual(0);
          expect(c.idleMicros[i]!).toBeGreaterThanOrEqual(0);
          const key = clusterWide ? `${c.windowStart[i]}` : `${c.windowStart[i]}|${categoryAt(c.node, i)}`;
          sums.set(key, (sums.get(key) ?? 0) + t);
        }
        const windows = Math.round((6 * H) / o.step);
        for (let w = 0; w < windows; w++) {
          const ws = T0 + w * o.step;
          const ms = Math.min(o.step, T0 + 6 * H - ws);
          if (clusterWide) {
            const expected = NODES.reduce((s, n) => s + Math.round((n.hourly * 1e6 * ms) / H), 0);
            expect(sums.get(`${ws}`)).toBe(expected);
          } else {
            for (const n of NODES) expect(sums.get(`${ws}|${n.node}`)).toBe(Math.round((n.hourly * 1e6 * ms) / H));
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it('aggregates by labels without losing a micro (unlabeled and idle are groups too)', () => {
    fc.assert(
      fc.property(fc.array(usageRow, { minLength: 1, maxLength: 30 }), (rows) => {
        const costs = attributeCosts({ usage: usageTable(rows, ['team', 'namespace']), prices, window: RANGE, overcommit: 'scale', duplicates: 'allow', overlaps: 'allow' });
        const total = readCostTable(costs).totalMicros.reduce((s, v) => s + v, 0);
        const agg = aggregateCosts(costs, { groupBy: ['team', 'label_namespace'], window: 'hour' });
        const sum = readNumbers(agg.getChild('total_micros')!, 'total_micros', 'number').reduce((s, v) => s + v, 0);
        expect(sum).toBe(total);
        const top = aggregateCosts(costs, { groupBy: ['team'], window: 'all', top: 1 });
        expect(readNumbers(top.getChild('total_micros')!, 'total_micros', 'number').reduce((s, v) => s + v, 0)).toBe(total);
      }),
      { numRuns: 60 },
    );
  });
});
