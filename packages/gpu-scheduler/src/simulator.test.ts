import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { usageRecordContract, validateTable } from '@mlops/contracts';
import { simulate } from './simulator.js';
import { simulateFill } from './fill-experiment.js';
import { fairShareOrdering, fifoOrdering, shortestJobFirstOrdering, tiresiasOrdering } from './ordering-policies.js';
import { bestFitPlacement, fragmentationAwarePlacement } from './placement-policies.js';
import { readAlibabaNodes, readAlibabaPods, readPhillyTrace, type TraceJob } from './trace-readers.js';
import type { NodeSpec } from './types.js';

const fixture = (name: string): string => fileURLToPath(new URL(`../test/fixtures/${name}`, import.meta.url));

describe('simulate: hand-computed cases', () => {
  const trace: TraceJob[] = [
    { id: 'long', submitMs: 0, durationMs: 10, estimatedDurationMs: 10 },
    { id: 'short', submitMs: 0, durationMs: 5, estimatedDurationMs: 5 },
  ];
  const cluster = { nodes: [{ id: 'n', gpuModel: 'T4', gpuCount: 1 }] };
  it('FIFO: JCTs 10 and 15, delays 0 and 10, makespan 15', () => {
    const r = simulate({ trace, cluster, policy: { ordering: fifoOrdering() } });
    expect(r).toMatchObject({ jobs: 2, completed: 2, makespanMs: 15, jctMs: { mean: 12.5, p50: 10, max: 15 }, queueingDelayMs: { mean: 5, max: 10 } });
    expect(r.meanAllocationRate).toBe(1);
  });
  it('SJF: JCTs 5 and 15', () => {
    const r = simulate({ trace, cluster, policy: { ordering: shortestJobFirstOrdering() } });
    expect(r.jctMs).toMatchObject({ mean: 10, p50: 5, max: 15 });
    expect(r.perQueue).toEqual([expect.objectContaining({ queue: 'default', jobs: 2, completed: 2, finishTimeFairness: { mean: (1 + 15 / 10) / 2, max: 1.5 } })]);
  });
  it('a spot interruption requeues; a checkpointable job resumes where it stopped', () => {
    const nodes: NodeSpec[] = [
      { id: 'spot', gpuModel: 'T4', gpuCount: 1, pricing: 'spot', hourlyPriceUsd: 1 },
      { id: 'od', gpuModel: 'T4', gpuCount: 1, hourlyPriceUsd: 3 },
    ];
    const jobs: TraceJob[] = [
      { id: 'ck', submitMs: 0, durationMs: 100, checkpointable: true, queue: 'q' },
      { id: 'blocker', submitMs: 0, durationMs: 200, preemptible: false, queue: 'q' },
    ];
    const r = simulate({ trace: jobs, cluster: { nodes, queues: [{ id: 'q', flavorPreference: 'cheapest' }] }, nodeEvents: [{ type: 'spot-interruption', nodeId: 'spot', atMs: 40 }], preemptionCost: false });
    // ck ran 0..40 on spot, waits for 'od' (blocker until 200), resumes for the remaining 60.
    expect(r.completed).toBe(2);
    expect(r.preemptions).toBe(1);
    expect(r.makespanMs).toBe(260);
    const usage = r.usage!.toArray().map((x) => x.toJSON() as Record<string, unknown>);
    expect(usage.filter((u) => u.label_job === 'ck').map((u) => [u.node, u.interval_start, u.interval_end])).toEqual([
      ['spot', 0, 40],
      ['od', 200, 260],
    ]);
  });
});

describe('simulate: fair share protects a light queue from a flooding one', () => {
  // 'flood' submits 20 one-hour jobs at t=0; 'light' submits 4 at t=1 ms. 2 GPUs.
  const hour = 3_600_000;
  const trace: TraceJob[] = [
    ...Array.from({ length: 20 }, (_, i): TraceJob => ({ id: `f${i}`, queue: 'flood', submitMs: 0, durationMs: hour })),
    ...Array.from({ length: 4 }, (_, i): TraceJob => ({ id: `l${i}`, queue: 'light', submitMs: 1, durationMs: hour })),
  ];
  const cluster = { nodes: [{ id: 'n', gpuModel: 'T4', gpuCount: 2 }] };
  it('FIFO makes light wait behind all of flood; DRF interleaves them', () => {
    const fifo = simulate({ trace, cluster, policy: { ordering: fifoOrdering() } });
    const fair = simulate({ trace, cluster, policy: { ordering: fairShareOrdering() } });
    const light = (r: typeof fifo) => r.perQueue.find((q) => q.queue === 'light')!;
    // FIFO: light starts after the 20 flood jobs (10 hours); its jobs finish at 11 and 12 h.
    expect(light(fifo).jctMs.mean).toBeCloseTo(11.5 * hour, -2);
    // DRF: when both GPUs free up both shares are 0 and flood's older job goes first; then
    // light's share (0) is below flood's (0.5), so each hour one job of each runs:
    // light finishes at 2, 3, 4 and 5 h.
    expect(light(fair).jctMs.mean).toBeCloseTo(3.5 * hour, -2);
    expect(light(fair).finishTimeFairness.mean).toBeLessThan(light(fifo).finishTimeFairness.mean / 3);
    // Same work, same makespan.
    expect(fair.makespanMs).toBe(fifo.makespanMs);
  });
});

describe('simulate: a slice of the Philly trace', () => {
  const trace = readPhillyTrace({ path: fixture('philly-slice.csv') });
  const nodes: NodeSpec[] = Array.from({ length: 4 }, (_, i) => ({ id: `n${i}`, gpuModel: 'P100', gpuCount: 8, topologyDomain: `r${i % 2}`, hourlyPriceUsd: 8 }));
  const fifo = simulate({ trace, cluster: { nodes }, policy: { ordering: fifoOrdering() } });

  it('completes every job that fits, conserves GPU time in the usage table, and reports progress', () => {
    const fits = trace.filter((j) => (j.workers ?? 1) * (j.gpusPerWorker ?? 1) <= 32);
    expect(fifo.completed + fifo.rejected).toBe(trace.length);
    expect(fifo.completed).toBe(fits.length);
    const table = fifo.usage!;
    expect(validateTable(table, usageRecordContract, { strict: true })).toBe(table);
    const q = table.getChild('quantity')!.toArray() as Float64Array;
    const s = table.getChild('interval_start')!.toArray() as unknown as ArrayLike<number | bigint>;
    const e = table.getChild('interval_end')!.toArray() as unknown as ArrayLike<number | bigint>;
    let gpuMs = 0;
    for (let i = 0; i < q.length; i++) gpuMs += q[i]! * (Number(e[i]) - Number(s[i]));
    const expected = fits.reduce((a, j) => a + j.durationMs * (j.workers ?? 1) * (j.gpusPerWorker ?? 1), 0);
    expect(gpuMs).toBeCloseTo(expected, -3);
    expect(fifo.meanAllocationRate).toBeGreaterThan(0.1);
    expect(fifo.meanAllocationRate).toBeLessThanOrEqual(1);
    expect(fifo.series.length).toBeGreaterThan(10);
  });

  it('SJF and Tiresias-LAS beat FIFO on average JCT when the cluster queues', () => {
    const sjf = simulate({ trace, cluster: { nodes }, policy: { ordering: shortestJobFirstOrdering() }, usage: false });
    const las = simulate({ trace, cluster: { nodes }, policy: { ordering: tiresiasOrdering(), preemption: true }, usage: false });
    expect(sjf.jctMs.mean).toBeLessThan(fifo.jctMs.mean);
    expect(las.jctMs.mean).toBeLessThan(fifo.jctMs.mean);
    expect(las.preemptions).toBeGreaterThan(0);
  });

  it('calls onProgress and stops at `until`', () => {
    const seen: number[] = [];
    simulate({ trace, cluster: { nodes }, onProgress: (p) => seen.push(p.jobsDone), progressEvery: 50, usage: false });
    expect(seen.length).toBeGreaterThanOrEqual(8);
    expect(seen[seen.length - 1]).toBe(trace.length);
    const until = trace[200]!.submitMs;
    const r = simulate({ trace, cluster: { nodes }, until, usage: false });
    expect(r.completed).toBeLessThan(200);
    expect(r.completed).toBeGreaterThan(0);
  });
});

describe('simulateFill: the FGD experiment on an Alibaba slice', () => {
  const nodes = readAlibabaNodes({ path: fixture('alibaba-nodes-slice.csv') });
  const pods = readAlibabaPods({ path: fixture('alibaba-pods-slice.csv') });
  it('records unallocated and fragmented GPUs as arrivals fill the cluster, deterministically', () => {
    const a = simulateFill({ nodes, pods, placement: fragmentationAwarePlacement(), maxArrivedRatio: 1.2, seed: 3 });
    const b = simulateFill({ nodes, pods, placement: fragmentationAwarePlacement(), maxArrivedRatio: 1.2, seed: 3 });
    expect(a.points).toEqual(b.points);
    expect(a.points.length).toBeGreaterThanOrEqual(20);
    for (const p of a.points) {
      expect(p.allocatedGpus + p.unallocatedGpus).toBeCloseTo(a.totalGpus);
      expect(p.fragmentedGpus).toBeLessThanOrEqual(p.unallocatedGpus + 1e-9);
    }
    const last = a.points[a.points.length - 1]!;
    expect(last.failedPods).toBeGreaterThan(0);
    const bf = simulateFill({ nodes, pods, placement: bestFitPlacement(), maxArrivedRatio: 1.2, seed: 3 });
    expect(bf.placement).toBe('best-fit');
    expect(bf.totalGpus).toBe(a.totalGpus);
  });
});
