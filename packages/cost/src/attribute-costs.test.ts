import { describe, expect, it } from 'vitest';
import { MlopsError } from '@mlops/contracts';
import { attributeCosts } from './attribute-costs.js';
import { readCostTable, categoryAt } from './cost-table.js';
import { loadPriceCatalog, samplePriceCatalog } from './price-catalog.js';
import { H, T0, usageTable } from '../test/usage-fixtures.js';
import type { UsageRow } from '../test/usage-fixtures.js';

// p3.16xlarge: $24.48/h, 8 GPU, 64 vCPU, 488 GiB. AWS split weights GPU 9, vCPU 0.9, GiB 0.1:
// total weight 72 + 57.6 + 48.8 = 178.4, so GPUs get 72/178.4 of the price = $9.879821.../h,
// i.e. $1.2349775785/GPU-hour.
const P3_GPU_HOUR = (24.48 * 9) / 178.4;
const prices = samplePriceCatalog();
const node = [{ node: 'n1', instanceType: 'p3.16xlarge', region: 'us-east-1' }];

function rowsOf(table: ReturnType<typeof attributeCosts>) {
  const c = readCostTable(table);
  return Array.from({ length: c.n }, (_, i) => ({
    start: c.windowStart[i]!,
    kind: categoryAt(c.resourceKind, i),
    allocation: categoryAt(c.allocation, i),
    team: c.labels.find((l) => l.key === 'team') ? categoryAt(c.labels.find((l) => l.key === 'team')!.cats, i) : null,
    node: categoryAt(c.node, i),
    allocated: c.allocatedMicros[i]!,
    idle: c.idleMicros[i]!,
    shared: c.sharedMicros[i]!,
    total: c.totalMicros[i]!,
    list: c.listMicros[i]!,
    qtyH: c.quantityHours[i]!,
  }));
}

function run(rows: UsageRow[], extra: Partial<Parameters<typeof attributeCosts>[0]> = {}) {
  return rowsOf(attributeCosts({ usage: usageTable(rows), prices, assets: node, window: { start: T0, end: T0 + 2 * H }, ...extra }));
}

describe('attributeCosts: hand-computed cases', () => {
  it('charges a 30-second job exactly 30 seconds of one GPU', () => {
    const rows = run([{ start: T0 + 1000, end: T0 + 31_000, quantity: 1, labels: { team: 'a' } }]);
    const job = rows.find((r) => r.team === 'a')!;
    expect(job.allocated).toBe(Math.round((P3_GPU_HOUR * 1e6) / 120));
    expect(job.qtyH).toBeCloseTo(30 / 3600, 12);
  });

  it('splits a job spanning hours at the hour boundaries', () => {
    const rows = run([{ start: T0 + 0.5 * H, end: T0 + 1.75 * H, quantity: 2, labels: { team: 'a' } }]).filter((r) => r.team === 'a');
    expect(rows.map((r) => r.start).sort()).toEqual([T0, T0 + H]);
    const first = rows.find((r) => r.start === T0)!;
    const second = rows.find((r) => r.start === T0 + H)!;
    // 2 GPUs x 0.5 h and 2 GPUs x 0.75 h of a node whose 8 GPUs cost $9.879821/h.
    expect(first.allocated).toBe(Math.round(((P3_GPU_HOUR * 1e6) * 2 * 0.5)));
    expect(second.allocated).toBe(Math.round(((P3_GPU_HOUR * 1e6) * 2 * 0.75)));
  });

  it('charges fractional GPUs proportionally (a quarter GPU pays a quarter)', () => {
    const rows = run([
      { start: T0, end: T0 + H, quantity: 0.25, labels: { team: 'quarter' } },
      { start: T0, end: T0 + H, quantity: 1, labels: { team: 'whole' } },
    ]);
    const q = rows.find((r) => r.team === 'quarter')!;
    const w = rows.find((r) => r.team === 'whole')!;
    expect(Math.abs(q.allocated * 4 - w.allocated)).toBeLessThanOrEqual(4);
    expect(w.allocated).toBe(Math.round(P3_GPU_HOUR * 1e6));
  });

  it('charges max(request, usage) by default, and either alone on request', () => {
    const usage: UsageRow[] = [{ start: T0, end: T0 + H, quantity: 1, request: 2, labels: { team: 'a' } }];
    const max = run(usage).find((r) => r.team === 'a')!;
    const use = run(usage, { basis: 'usage' }).find((r) => r.team === 'a')!;
    expect(max.allocated).toBe(Math.round(2 * P3_GPU_HOUR * 1e6));
    expect(use.allocated).toBe(Math.round(P3_GPU_HOUR * 1e6));
  });

  it('reports idle per node and resource so the node cost is conserved', () => {
    const rows = run([{ start: T0, end: T0 + H, quantity: 1, labels: { team: 'a' } }]);
    const gpuHour0 = rows.filter((r) => r.start === T0 && r.kind === 'gpu');
    const assetGpu = Math.round((24.48 * 1e6 * 72) / 178.4);
    expect(gpuHour0.reduce((s, r) => s + r.total, 0)).toBe(assetGpu);
    const idle = gpuHour0.find((r) => r.allocation === 'idle')!;
    expect(idle.idle).toBe(assetGpu - Math.round(P3_GPU_HOUR * 1e6));
    // A whole node-hour adds up to the instance price.
    expect(rows.filter((r) => r.start === T0).reduce((s, r) => s + r.total, 0)).toBe(24_480_000);
  });

  it('shares idle back proportionally within the node, leaving no idle row', () => {
    const rows = run(
      [
        { start: T0, end: T0 + H, quantity: 1, labels: { team: 'a' } },
        { start: T0, end: T0 + H, quantity: 3, labels: { team: 'b' } },
      ],
      { idle: { mode: 'share' }, window: { start: T0, end: T0 + H } },
    );
    const gpu = rows.filter((r) => r.kind === 'gpu');
    expect(gpu.some((r) => r.allocation === 'idle')).toBe(false);
    const a = gpu.find((r) => r.team === 'a')!;
    const b = gpu.find((r) => r.team === 'b')!;
    expect(a.total + b.total).toBe(Math.round((24.48 * 1e6 * 72) / 178.4));
    expect(Math.abs(b.total - 3 * a.total)).toBeLessThanOrEqual(3);
    // CPU and memory: nobody used them, so their idle stays.
    expect(rows.filter((r) => r.allocation === 'idle').map((r) => r.kind).sort()).toEqual(['cpu', 'memory']);
  });

  it('shares idle evenly when asked', () => {
    const rows = run(
      [
        { start: T0, end: T0 + H, quantity: 1, labels: { team: 'a' } },
        { start: T0, end: T0 + H, quantity: 3, labels: { team: 'b' } },
      ],
      { idle: { mode: 'share', by: 'even' }, window: { start: T0, end: T0 + H } },
    );
    const a = rows.find((r) => r.team === 'a' && r.kind === 'gpu')!;
    const b = rows.find((r) => r.team === 'b' && r.kind === 'gpu')!;
    expect(Math.abs(a.idle - b.idle)).toBeLessThanOrEqual(1);
  });

  it('spreads shared workloads (kube-system) over the others', () => {
    const rows = run(
      [
        { start: T0, end: T0 + H, quantity: 1, labels: { team: 'a', namespace: 'ml' } },
        { start: T0, end: T0 + H, quantity: 1, labels: { team: 'ops', namespace: 'kube-system' } },
      ],
      { shared: { labels: { namespace: ['kube-system'] } }, window: { start: T0, end: T0 + H } },
    );
    const ops = rows.find((r) => r.team === 'ops')!;
    const a = rows.find((r) => r.team === 'a')!;
    expect(ops.total).toBe(0);
    expect(ops.shared).toBe(-ops.allocated);
    expect(a.shared).toBe(ops.allocated);
  });

  it('pools idle across the cluster with scope "cluster"', () => {
    const assets = [
      { node: 'n1', instanceType: 'p3.16xlarge', region: 'us-east-1' },
      { node: 'n2', instanceType: 'p3.16xlarge', region: 'us-east-1' },
    ];
    const rows = rowsOf(
      attributeCosts({
        usage: usageTable([{ start: T0, end: T0 + H, quantity: 8, labels: { team: 'a' } }]),
        prices,
        assets,
        idle: { mode: 'share', scope: 'cluster' },
        window: { start: T0, end: T0 + H },
      }),
    );
    // n2 ran nothing; its GPU, CPU and memory cost lands on team a, the only workload.
    const a = rows.find((r) => r.team === 'a')!;
    expect(a.total).toBe(2 * Math.round((24.48 * 1e6 * 72) / 178.4));
    expect(rows.filter((r) => r.allocation === 'idle' && r.kind === 'gpu')).toHaveLength(0);
  });

  it('prices spot nodes at the spot price and keeps the on-demand list cost', () => {
    const rows = rowsOf(
      attributeCosts({
        usage: usageTable([{ start: T0, end: T0 + H, quantity: 8, pricingModel: 'spot', labels: { team: 'a' } }]),
        prices,
        window: { start: T0, end: T0 + H },
      }),
    );
    const a = rows.find((r) => r.team === 'a')!;
    expect(a.total).toBe(Math.round((7.344 * 1e6 * 72) / 178.4));
    expect(a.list).toBe(Math.round((a.total * 24.48) / 7.344));
  });

  it('uses the OpenCost ratio and custom weights when asked', () => {
    const usage: UsageRow[] = [{ start: T0, end: T0 + H, quantity: 8, labels: { team: 'a' } }];
    const oc = run(usage, { method: 'opencost', window: { start: T0, end: T0 + H } }).find((r) => r.team === 'a')!;
    const w = 8 * 0.95 + 64 * 0.031611 + 488 * 0.004237;
    // Resource parts of a node-window are whole micros split by largest remainder: within 1 micro of exact.
    expect(Math.abs(oc.total - (24.48 * 1e6 * 8 * 0.95) / w)).toBeLessThan(1);
    const custom = run(usage, { method: { weights: { gpu: 1, cpu: 0, memory: 0 } }, window: { start: T0, end: T0 + H } }).find((r) => r.team === 'a')!;
    expect(custom.total).toBe(24_480_000);
  });

  it('charges node-less usage per unit from its instance type, and storage/network per GiB', () => {
    const rows = rowsOf(
      attributeCosts({
        usage: usageTable([
          { start: T0, end: T0 + H, quantity: 1, node: null, labels: { team: 'a' } },
          { start: T0, end: T0 + H, quantity: 100, kind: 'storage', node: null, instanceType: null, labels: { team: 'b' } },
          { start: T0, end: T0 + 2 * H, quantity: 10, kind: 'network', node: null, instanceType: null, labels: { team: 'c' } },
        ]),
        prices,
        unitPrices: { storageGiBHour: 0.0001, networkGiB: 0.02 },
      }),
    );
    expect(rows.find((r) => r.team === 'a')!.total).toBe(Math.round(P3_GPU_HOUR * 1e6));
    expect(rows.find((r) => r.team === 'b')!.total).toBe(10_000);
    expect(rows.filter((r) => r.team === 'c').reduce((s, r) => s + r.total, 0)).toBe(200_000);
    expect(rows.some((r) => r.allocation === 'idle')).toBe(false);
  });

  it('keeps unlabeled usage as rows with null labels', () => {
    const rows = run([{ start: T0, end: T0 + H, quantity: 1 }], {});
    expect(rows.filter((r) => r.allocation === 'workload')).toHaveLength(1);
  });
});

describe('attributeCosts: bad input', () => {
  const code = (fn: () => unknown): string => {
    try {
      fn();
    } catch (e) {
      expect(MlopsError.isInstance(e)).toBe(true);
      return (e as MlopsError).code;
    }
    throw new Error('expected a throw');
  };

  it('rejects intervals that end before they start and negative quantities, in one error', () => {
    let message = '';
    try {
      attributeCosts({
        usage: usageTable([
          { start: T0 + H, end: T0, quantity: 1 },
          { start: T0, end: T0 + H, quantity: -1 },
        ]),
        prices,
      });
    } catch (e) {
      expect((e as MlopsError).code).toBe('INVALID_USAGE');
      message = (e as Error).message;
    }
    expect(message).toMatch(/interval_end is not after interval_start: 1 row/);
    expect(message).toMatch(/quantity is negative/);
  });

  it('lists every unknown instance type in one error', () => {
    let err: MlopsError | undefined;
    try {
      attributeCosts({
        usage: usageTable([
          { start: T0, end: T0 + H, quantity: 1, node: 'a', instanceType: 'x1.huge' },
          { start: T0, end: T0 + H, quantity: 1, node: 'b', instanceType: 'y2.tiny' },
        ]),
        prices,
      });
    } catch (e) {
      err = e as MlopsError;
    }
    expect(err?.code).toBe('UNKNOWN_INSTANCE_TYPE');
    expect(err?.message).toContain('x1.huge');
    expect(err?.message).toContain('y2.tiny');
  });

  it('rejects exact duplicate rows unless allowed', () => {
    const dup: UsageRow[] = [
      { start: T0, end: T0 + H, quantity: 1, labels: { team: 'a' } },
      { start: T0, end: T0 + H, quantity: 1, labels: { team: 'a' } },
    ];
    expect(code(() => attributeCosts({ usage: usageTable(dup), prices }))).toBe('DUPLICATE_USAGE');
    expect(() => attributeCosts({ usage: usageTable(dup), prices, duplicates: 'allow' })).not.toThrow();
  });

  it('rejects overlapping records that hold more than the node has, or scales on request', () => {
    const over: UsageRow[] = [
      { start: T0, end: T0 + H, quantity: 6, labels: { team: 'a' } },
      { start: T0, end: T0 + H, quantity: 6, labels: { team: 'b' } },
    ];
    expect(code(() => attributeCosts({ usage: usageTable(over), prices }))).toBe('OVERCOMMITTED');
    const rows = rowsOf(attributeCosts({ usage: usageTable(over), prices, overcommit: 'scale' }));
    const gpu = rows.filter((r) => r.kind === 'gpu');
    expect(gpu.reduce((s, r) => s + r.total, 0)).toBe(Math.round((24.48e6 * 72) / 178.4));
    expect(gpu.find((r) => r.allocation === 'idle')).toBeUndefined();
  });

  it('rejects usage outside the node lifetime and usage on unknown nodes', () => {
    const usage = usageTable([{ start: T0, end: T0 + 2 * H, quantity: 1 }]);
    expect(code(() => attributeCosts({ usage, prices, assets: [{ node: 'n1', instanceType: 'p3.16xlarge', region: 'us-east-1', start: T0, end: T0 + H }] }))).toBe(
      'USAGE_OUTSIDE_ASSET',
    );
    expect(code(() => attributeCosts({ usage, prices, assets: [{ node: 'other', instanceType: 'p3.16xlarge' }] }))).toBe('UNKNOWN_NODE');
  });

  it('rejects a catalog in another currency than its base', () => {
    expect(code(() => loadPriceCatalog('InstanceType,AcceleratorCount,vCPUs,MemoryGiB,Price,Currency\nx,0,1,1,1,EUR\n', { base: prices }))).toBe('CURRENCY_MISMATCH');
  });

  it('rejects GPU usage on a node without GPUs and a wrong unit', () => {
    expect(code(() => attributeCosts({ usage: usageTable([{ start: T0, end: T0 + H, quantity: 1, instanceType: 'm5.xlarge' }]), prices }))).toBe('INVALID_USAGE');
  });

  it('rejects a usage table without the contract columns', () => {
    expect(code(() => attributeCosts({ usage: usageTable([]).select(['quantity']), prices }))).toBe('SCHEMA_MISMATCH');
  });
});
