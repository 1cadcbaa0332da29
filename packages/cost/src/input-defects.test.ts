import { describe, expect, it } from 'vitest';
import { tableFromArrays } from 'apache-arrow';
import { MlopsError } from '@mlops/contracts';
import { attributeCosts } from './attribute-costs.js';
import { readCostTable, categoryAt } from './cost-table.js';
import { samplePriceCatalog } from './price-catalog.js';
import { H, T0, usageTable } from '../test/usage-fixtures.js';

// p3.16xlarge: $24.48/h, 8 GPU, 64 vCPU, 488 GiB; aws-split gives GPUs 72/178.4 of the price.
const P3_GPU_HOUR = (24.48 * 9) / 178.4;
const prices = samplePriceCatalog();
const node = [{ node: 'n1', instanceType: 'p3.16xlarge', region: 'us-east-1' }];
const sum = (t: ReturnType<typeof attributeCosts>, pick: (c: ReturnType<typeof readCostTable>, i: number) => boolean) => {
  const c = readCostTable(t);
  let s = 0;
  for (let i = 0; i < c.n; i++) if (pick(c, i)) s += c.totalMicros[i]!;
  return s / 1e6;
};
const workload = (c: ReturnType<typeof readCostTable>, i: number) => categoryAt(c.allocation, i) === 'workload';

function thrown(f: () => unknown): MlopsError {
  try {
    f();
  } catch (e) {
    if (MlopsError.isInstance(e)) return e;
    throw e;
  }
  throw new Error('expected an MlopsError');
}

describe('defect 2: overlapping rows of one workload', () => {
  const overlapping = usageTable([
    { start: T0, end: T0 + H, quantity: 1, labels: { job: 'j1' } },
    { start: T0 + 0.5 * H, end: T0 + 1.5 * H, quantity: 1, labels: { job: 'j1' } },
  ]);

  it('are refused with OVERLAPPING_USAGE listing the rows (no longer billed 2 GPU-hours for 1.5)', () => {
    const e = thrown(() => attributeCosts({ usage: overlapping, prices, assets: node, window: { start: T0, end: T0 + 2 * H } }));
    expect(e.code).toBe('OVERLAPPING_USAGE');
    expect(e.message).toMatch(/row 1 overlaps row 0/);
    expect(e.details).toEqual({ overlaps: [[1, 0]] });
  });

  it("overlaps: 'merge' charges the union once at the larger quantity: 1.5 GPU-hours", () => {
    const t = attributeCosts({ usage: overlapping, prices, assets: node, window: { start: T0, end: T0 + 2 * H }, overlaps: 'merge' });
    expect(sum(t, workload)).toBeCloseTo(1.5 * P3_GPU_HOUR, 5);
    const merged = attributeCosts({
      usage: usageTable([
        { start: T0, end: T0 + H, quantity: 1, labels: { job: 'j1' } },
        { start: T0 + 0.5 * H, end: T0 + 1.5 * H, quantity: 2, labels: { job: 'j1' } },
      ]),
      prices, assets: node, window: { start: T0, end: T0 + 2 * H }, overlaps: 'merge',
    });
    // 10:00-10:30 at 1 GPU, 10:30-11:30 at 2 GPUs (the max where both hold).
    expect(sum(merged, workload)).toBeCloseTo(2.5 * P3_GPU_HOUR, 5);
  });

  it("different jobs may overlap, and overlaps: 'allow' keeps the old sum", () => {
    const two = usageTable([
      { start: T0, end: T0 + H, quantity: 1, labels: { job: 'j1' } },
      { start: T0 + 0.5 * H, end: T0 + 1.5 * H, quantity: 1, labels: { job: 'j2' } },
    ]);
    expect(sum(attributeCosts({ usage: two, prices, assets: node, window: { start: T0, end: T0 + 2 * H } }), workload)).toBeCloseTo(2 * P3_GPU_HOUR, 5);
    const t = attributeCosts({ usage: overlapping, prices, assets: node, window: { start: T0, end: T0 + 2 * H }, overlaps: 'allow' });
    expect(sum(t, workload)).toBeCloseTo(2 * P3_GPU_HOUR, 5);
  });
});

describe('defect 3: epoch seconds read as milliseconds', () => {
  it('refuses times in 1970 with INVALID_USAGE naming the unit found', () => {
    const usage = tableFromArrays({
      interval_start: new Float64Array([1.795e9]),
      interval_end: new Float64Array([1.795e9 + 3600]),
      resource_kind: ['gpu'],
      quantity: new Float64Array([1]),
      unit: ['gpu'],
      node: ['n1'],
      instance_type: ['p3.16xlarge'],
      region: ['us-east-1'],
      pricing_model: ['on-demand'],
    });
    const e = thrown(() => attributeCosts({ usage, prices, assets: node }));
    expect(e.code).toBe('INVALID_USAGE');
    expect(e.message).toMatch(/seconds/);
    expect(e.message).toMatch(/interval_start/);
  });

  it('refuses microsecond epochs too (year > 9999)', () => {
    const usage = tableFromArrays({
      interval_start: new Float64Array([1.795e15]),
      interval_end: new Float64Array([1.795e15 + 3.6e9]),
      resource_kind: ['gpu'], quantity: new Float64Array([1]), unit: ['gpu'], node: ['n1'], instance_type: ['p3.16xlarge'], region: ['us-east-1'], pricing_model: ['on-demand'],
    });
    const e = thrown(() => attributeCosts({ usage, prices, assets: node }));
    expect(e.message).toMatch(/microseconds/);
  });
});

describe('defect 4: node-level idle sharing', () => {
  it("idle: { mode: 'share', level: 'node' } charges GPU-only usage 100% of the node", () => {
    const usage = usageTable([
      { start: T0, end: T0 + H, quantity: 6, labels: { team: 'a' } },
      { start: T0, end: T0 + H, quantity: 2, labels: { team: 'b' } },
    ]);
    const perResource = attributeCosts({ usage, prices, assets: node, window: { start: T0, end: T0 + H }, idle: { mode: 'share' } });
    // Per resource, CPU and memory idle has no workload to go to: most of the node stays idle.
    expect(sum(perResource, workload)).toBeCloseTo(72 / 178.4 * 24.48, 4);
    const byNode = attributeCosts({ usage, prices, assets: node, window: { start: T0, end: T0 + H }, idle: { mode: 'share', level: 'node' } });
    expect(sum(byNode, workload)).toBeCloseTo(24.48, 6);
    expect(sum(byNode, (c, i) => categoryAt(c.allocation, i) === 'idle')).toBe(0);
    const a = sum(byNode, (c, i) => workload(c, i) && categoryAt(c.labels.find((l) => l.key === 'team')!.cats, i) === 'a');
    expect(a).toBeCloseTo(24.48 * 0.75, 5);
  });
});

describe('defect 8: idle without assets', () => {
  it('a node seen twice a week apart is billed its observed spans, not the week between', () => {
    const week = 7 * 24 * H;
    const usage = usageTable([
      { start: T0, end: T0 + H, quantity: 8, labels: { job: 'a' } },
      { start: T0 + week, end: T0 + week + H, quantity: 8, labels: { job: 'b' } },
    ]);
    const t = attributeCosts({ usage, prices });
    const total = sum(t, () => true);
    // Two hours of a fully used node's GPUs plus that node's CPU/memory idle in those hours only.
    expect(total).toBeCloseTo(2 * 24.48, 4);
    const strict = attributeCosts({ usage, prices, idleGapMs: Infinity });
    expect(sum(strict, () => true)).toBeCloseTo((week + H) / H * 24.48, 2);
  });
});
