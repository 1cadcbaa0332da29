import { describe, expect, it } from 'vitest';
import { MlopsError } from '@mlops/contracts';
import { createScheduler } from './scheduler.js';
import { fairShareOrdering, fifoOrdering, priorityOrdering, shortestJobFirstOrdering, tiresiasOrdering } from './ordering-policies.js';
import { costAwarePlacement, spreadPlacement } from './placement-policies.js';
import type { BindDecision, Decision, NodeSpec } from './types.js';

const node = (id: string, gpuCount: number, extra: Partial<NodeSpec> = {}): NodeSpec => ({ id, gpuModel: 'A100', gpuCount, ...extra });
const binds = (ds: Decision[]): BindDecision[] => ds.filter((d): d is BindDecision => d.type === 'bind');
const boundIds = (ds: Decision[]): string[] => binds(ds).map((d) => d.jobId);
const nodesOf = (d: BindDecision): string[] => d.placements.map((p) => p.nodeId);

describe('gangs', () => {
  it('places a gang all at once or not at all, and never partially', () => {
    const s = createScheduler({ nodes: [node('a', 4), node('b', 4)], clock: () => 0 });
    s.submit({ id: 'small', gpusPerWorker: 2 });
    expect(boundIds(s.schedule(0))).toEqual(['small']);
    s.submit({ id: 'gang', workers: 2, gpusPerWorker: 4 });
    expect(s.schedule(1)).toEqual([]);
    expect(s.stats().allocatedGpus).toBe(2);
    expect(s.job('gang')!.state).toBe('queued');
    s.complete('small', 2);
    const [d] = binds(s.schedule(2));
    expect(d!.jobId).toBe('gang');
    expect(nodesOf(d!).sort()).toEqual(['a', 'b']);
    expect(s.stats().allocatedGpus).toBe(8);
  });

  it('prefers one node, then one topology domain', () => {
    const nodes = [node('r1-a', 8, { topologyDomain: 'r1' }), node('r1-b', 8, { topologyDomain: 'r1' }), node('r2-a', 8, { topologyDomain: 'r2' }), node('r2-b', 8, { topologyDomain: 'r2' })];
    const s = createScheduler({ nodes, clock: () => 0 });
    // Take 6 GPUs of r1-a and 4 of r2-b so no node has 8 free.
    s.submit({ id: 'x', gpusPerWorker: 6 });
    s.submit({ id: 'y', gpusPerWorker: 4 });
    s.schedule(0);
    s.submit({ id: 'one-node', workers: 2, gpusPerWorker: 2 });
    const [d1] = binds(s.schedule(1));
    expect(new Set(nodesOf(d1!)).size).toBe(1);
    s.submit({ id: 'domain', workers: 3, gpusPerWorker: 4 });
    const [d2] = binds(s.schedule(2));
    const domains = new Set(nodesOf(d2!).map((n) => n.slice(0, 2)));
    expect(domains.size).toBe(1);
  });

  it('require-domain never spreads a gang over domains', () => {
    const nodes = [node('a', 4, { topologyDomain: 'r1' }), node('b', 4, { topologyDomain: 'r2' })];
    const s = createScheduler({ nodes, policy: { gangTopology: 'require-domain' }, clock: () => 0 });
    s.submit({ id: 'g', workers: 2, gpusPerWorker: 4 });
    expect(s.schedule(0)).toEqual([]);
    const p = createScheduler({ nodes, clock: () => 0 });
    p.submit({ id: 'g', workers: 2, gpusPerWorker: 4 });
    expect(boundIds(p.schedule(0))).toEqual(['g']);
  });
});

describe('rejection at submit', () => {
  const s = createScheduler({ nodes: [node('a', 8), node('b', 8, { gpuModel: 'T4', pricing: 'spot' })], clock: () => 0 });
  it('bigger than any node', () => {
    expect(s.submit({ id: 'big', gpusPerWorker: 16 })).toMatchObject({ status: 'rejected', code: 'NO_ELIGIBLE_NODE' });
  });
  it('gang larger than the cluster', () => {
    const r = s.submit({ id: 'gang', workers: 3, gpusPerWorker: 8 });
    expect(r).toMatchObject({ status: 'rejected', code: 'GANG_LARGER_THAN_CLUSTER' });
    if (r.status === 'rejected') expect(r.reason).toContain('at most 2');
  });
  it('only disallowed models (or only spot for a non-preemptible job)', () => {
    expect(s.submit({ id: 'h100', gpuModels: ['H100'] })).toMatchObject({ status: 'rejected', code: 'NO_ELIGIBLE_NODE' });
    expect(s.submit({ id: 't4-np', gpuModels: ['T4'], preemptible: false })).toMatchObject({ status: 'rejected', code: 'NO_ELIGIBLE_NODE' });
    expect(s.submit({ id: 't4-p', gpuModels: ['T4'] })).toMatchObject({ status: 'queued' });
  });
  it('beyond the quota ceiling', () => {
    const q = createScheduler({ nodes: [node('a', 8)], queues: [{ id: 'q', nominalGpus: { '*': 2 } }], clock: () => 0 });
    expect(q.submit({ id: 'j', queue: 'q', gpusPerWorker: 4 })).toMatchObject({ status: 'rejected', code: 'EXCEEDS_QUOTA_LIMIT' });
  });
  it('bad input throws INVALID_ARGUMENT / NOT_FOUND with a helpful message', () => {
    const t = createScheduler({ nodes: [node('a', 8)], clock: () => 0 });
    expect(() => t.submit({ id: 'x', gpuMilli: 1500 })).toThrow(/gpuMilli: expected an integer 1\.\.1000/);
    expect(() => t.submit({ id: 'x', workers: 0 })).toThrow(/workers/);
    expect(() => t.submit({ id: 'x', queue: 'nope' })).toThrowError(expect.objectContaining({ code: 'NOT_FOUND' }));
    t.submit({ id: 'dup' });
    expect(() => t.submit({ id: 'dup' })).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => t.complete('dup')).toThrow(/queued, not running/);
    expect(() => t.cancel('ghost')).toThrowError(expect.objectContaining({ code: 'NOT_FOUND' }));
    expect(() => createScheduler({ nodes: [node('a', -1)] })).toThrow(/gpuCount/);
    expect(() => createScheduler({ nodes: [node('a', 1), node('a', 1)] })).toThrow(/already exists/);
    try {
      t.nodeEvent({ type: 'cordon', nodeId: 'zz' });
    } catch (e) {
      expect(MlopsError.isInstance(e, 'NOT_FOUND')).toBe(true);
    }
  });
});

describe('ordering', () => {
  const one = [node('a', 1)];
  function runOrder(ordering: ReturnType<typeof fifoOrdering>, jobs: Array<{ id: string; priority?: number; estimatedDurationMs?: number; queue?: string }>, queues = [{ id: 'default' }]) {
    const s = createScheduler({ nodes: one, queues, policy: { ordering }, clock: () => 0 });
    jobs.forEach((j, i) => s.submit({ ...j, submitMs: i }));
    const order: string[] = [];
    for (let t = 0; t < jobs.length; t++) {
      const [d] = binds(s.schedule(t));
      order.push(d!.jobId);
      s.complete(d!.jobId, t);
    }
    return order;
  }
  const jobs = [
    { id: 'a', priority: 0, estimatedDurationMs: 300 },
    { id: 'b', priority: 5, estimatedDurationMs: 200 },
    { id: 'c', priority: 1, estimatedDurationMs: 100 },
  ];
  it('fifo', () => expect(runOrder(fifoOrdering(), jobs)).toEqual(['a', 'b', 'c']));
  it('priority', () => expect(runOrder(priorityOrdering(), jobs)).toEqual(['b', 'c', 'a']));
  it('shortest job first', () => expect(runOrder(shortestJobFirstOrdering(), jobs)).toEqual(['c', 'b', 'a']));

  it('fair share: the queue with the lowest weighted dominant share goes next', () => {
    const s = createScheduler({ nodes: [node('a', 4)], queues: [{ id: 'x' }, { id: 'y', weight: 2 }], policy: { ordering: fairShareOrdering() }, clock: () => 0 });
    for (let i = 0; i < 4; i++) s.submit({ id: `x${i}`, queue: 'x', submitMs: i });
    for (let i = 0; i < 4; i++) s.submit({ id: `y${i}`, queue: 'y', submitMs: 10 + i });
    // x goes first (tie at 0 share, earlier submit); then y twice (weight 2), then x.
    expect(boundIds(s.schedule(20))).toEqual(['x0', 'y0', 'y1', 'x1']);
  });

  it('strict order (backfill none) stops at the first job that does not fit', () => {
    const strict = createScheduler({ nodes: [node('a', 4)], policy: { ordering: fifoOrdering(), backfill: 'none' }, clock: () => 0 });
    const lax = createScheduler({ nodes: [node('a', 4)], policy: { ordering: fifoOrdering() }, clock: () => 0 });
    for (const s of [strict, lax]) {
      s.submit({ id: 'r', gpusPerWorker: 2, submitMs: 0 });
      s.schedule(0);
      s.submit({ id: 'big', gpusPerWorker: 4, submitMs: 1 });
      s.submit({ id: 'small', gpusPerWorker: 1, submitMs: 2 });
    }
    expect(boundIds(strict.schedule(3))).toEqual([]);
    expect(boundIds(lax.schedule(3))).toEqual(['small']);
  });
});

describe('quotas and cohort borrowing', () => {
  const queues = [
    { id: 'a', cohort: 'c', nominalGpus: { '*': 4 } },
    { id: 'b', cohort: 'c', nominalGpus: { '*': 4 }, borrowingLimitGpus: { '*': 1 } },
    { id: 'solo', nominalGpus: { '*': 2 } },
  ];
  it('a queue borrows unused cohort quota, up to its borrowing limit', () => {
    const s = createScheduler({ nodes: [node('n1', 8), node('n2', 4)], queues, clock: () => 0 });
    for (let i = 0; i < 7; i++) s.submit({ id: `a${i}`, queue: 'a', submitMs: i });
    const ds = binds(s.schedule(10));
    // a holds 4 nominal + 3 borrowed; cohort nominal is 8.
    expect(ds).toHaveLength(7);
    expect(ds.filter((d) => d.borrowing)).toHaveLength(3);
    const snap = s.snapshot(10);
    expect(snap.queues.find((q) => q.id === 'a')!.borrowedGpus['*']).toBe(3);
    for (let i = 0; i < 3; i++) s.submit({ id: `s${i}`, queue: 'solo', submitMs: 20 + i });
    // A queue without a cohort cannot borrow: 2 of 3 run.
    expect(boundIds(s.schedule(30))).toEqual(['s0', 's1']);
  });

  it('lending limit caps what the cohort may take from a queue', () => {
    const s = createScheduler({
      nodes: [node('n1', 8)],
      queues: [
        { id: 'x', cohort: 'k', nominalGpus: { '*': 4 } },
        { id: 'y', cohort: 'k', nominalGpus: { '*': 4 }, lendingLimitGpus: { '*': 1 } },
      ],
      clock: () => 0,
    });
    for (let i = 0; i < 8; i++) s.submit({ id: `x${i}`, queue: 'x', submitMs: i });
    // x: 4 nominal + 1 borrowed from y; y keeps 3 for itself even while idle.
    expect(binds(s.schedule(10))).toHaveLength(5);
    expect(() => createScheduler({ queues: [{ id: 'z', lendingLimitGpus: { '*': 1 } }] })).toThrow(/a cohort to lend to/);
    const r = s.submit({ id: 'big', queue: 'x', gpusPerWorker: 6 });
    expect(r).toMatchObject({ status: 'rejected', code: 'EXCEEDS_QUOTA_LIMIT' });
  });

  it('borrowing limit caps b', () => {
    const s = createScheduler({ nodes: [node('n1', 8)], queues, clock: () => 0 });
    for (let i = 0; i < 7; i++) s.submit({ id: `b${i}`, queue: 'b', submitMs: i });
    expect(binds(s.schedule(10))).toHaveLength(5);
  });

  it('reclaim: a queue within nominal preempts borrowed capacity, and only that', () => {
    const s = createScheduler({ nodes: [node('n1', 8)], queues, policy: { preemption: true }, clock: () => 0 });
    for (let i = 0; i < 8; i++) s.submit({ id: `a${i}`, queue: 'a', submitMs: i, checkpointable: i === 6 });
    s.schedule(10);
    expect(s.stats().allocatedGpus).toBe(8);
    s.submit({ id: 'b0', queue: 'b', submitMs: 11 });
    s.submit({ id: 'b1', queue: 'b', submitMs: 12 });
    const ds = s.schedule(20);
    const pre = ds.filter((d) => d.type === 'preempt');
    expect(pre).toHaveLength(2);
    expect(pre.every((d) => d.type === 'preempt' && d.reason === 'reclaim')).toBe(true);
    // Only borrowing jobs (the last four admitted) are victims; the checkpointable one first.
    expect(pre.map((d) => d.jobId)).toContain('a6');
    for (const d of pre) expect(['a4', 'a5', 'a6', 'a7']).toContain(d.jobId);
    expect(boundIds(ds)).toEqual(['b0', 'b1']);
    const a = s.snapshot(20).queues.find((q) => q.id === 'a')!;
    expect(a.usedGpus['*']).toBe(6);
  });

  it('without preemption the lender waits', () => {
    const s = createScheduler({ nodes: [node('n1', 8)], queues, clock: () => 0 });
    for (let i = 0; i < 8; i++) s.submit({ id: `a${i}`, queue: 'a', submitMs: i });
    s.schedule(10);
    s.submit({ id: 'b0', queue: 'b', submitMs: 11 });
    expect(s.schedule(20)).toEqual([]);
  });

  it('per-model quota: falls over to a model with quota left', () => {
    const s = createScheduler({
      nodes: [node('a100', 4), node('t4', 4, { gpuModel: 'T4' })],
      queues: [{ id: 'q', nominalGpus: { A100: 1, T4: 4 } }],
      clock: () => 0,
    });
    s.submit({ id: 'j1', queue: 'q', submitMs: 0 });
    s.submit({ id: 'j2', queue: 'q', submitMs: 1 });
    const ds = binds(s.schedule(0));
    expect(ds.map((d) => d.placements[0]!.nodeId).sort()).toEqual(['a100', 't4']);
  });
});

describe('preemption', () => {
  it('chooses the minimal victim set, preferring checkpointable and least progressed', () => {
    let now = 0;
    const s = createScheduler({ nodes: [node('n', 8)], policy: { preemption: true }, clock: () => now });
    s.submit({ id: 'old2', gpusPerWorker: 2, priority: 0 });
    s.schedule(0);
    now = 10;
    s.submit({ id: 'mid2', gpusPerWorker: 2, priority: 0 });
    s.schedule(10);
    now = 20;
    s.submit({ id: 'new4', gpusPerWorker: 4, priority: 0 });
    s.schedule(20);
    now = 30;
    s.submit({ id: 'hi', gpusPerWorker: 4, priority: 10 });
    const ds = s.schedule(30);
    expect(ds.filter((d) => d.type === 'preempt').map((d) => d.jobId)).toEqual(['new4']);
    expect(boundIds(ds)).toEqual(['hi']);
    expect(s.job('new4')).toMatchObject({ state: 'queued', preemptions: 1, progressMs: 0 });
  });

  it('prefers a checkpointable victim over a less-progressed one', () => {
    const s = createScheduler({ nodes: [node('n', 2)], policy: { preemption: true }, clock: () => 0 });
    s.submit({ id: 'ckpt', checkpointable: true, submitMs: 0 });
    s.schedule(0);
    s.submit({ id: 'fresh', submitMs: 5 });
    s.schedule(5);
    s.submit({ id: 'hi', priority: 1, submitMs: 6 });
    const ds = s.schedule(100);
    expect(ds.filter((d) => d.type === 'preempt').map((d) => d.jobId)).toEqual(['ckpt']);
    expect(s.job('ckpt')!.progressMs).toBe(100);
  });

  it('never preempts for a job that still would not fit', () => {
    const s = createScheduler({ nodes: [node('n', 8)], policy: { preemption: true }, clock: () => 0 });
    s.submit({ id: 'pinned', gpusPerWorker: 4, preemptible: false });
    s.submit({ id: 'low', gpusPerWorker: 4 });
    s.schedule(0);
    s.submit({ id: 'hi', gpusPerWorker: 8, priority: 9 });
    expect(s.schedule(1)).toEqual([]);
    expect(s.job('low')!.state).toBe('running');
  });

  it('does not preempt equal or higher priority, nor non-preemptible jobs', () => {
    const s = createScheduler({ nodes: [node('n', 2)], policy: { preemption: true }, clock: () => 0 });
    s.submit({ id: 'same', priority: 5 });
    s.submit({ id: 'np', priority: 0, preemptible: false });
    s.schedule(0);
    s.submit({ id: 'hi', priority: 5 });
    expect(s.schedule(1)).toEqual([]);
  });

  it('priorityScope queue keeps victims inside the preemptor queue', () => {
    const s = createScheduler({ nodes: [node('n', 1)], queues: [{ id: 'x' }, { id: 'y' }], policy: { preemption: { priorityScope: 'queue' } }, clock: () => 0 });
    s.submit({ id: 'low', queue: 'x' });
    s.schedule(0);
    s.submit({ id: 'hi', queue: 'y', priority: 9 });
    expect(s.schedule(1)).toEqual([]);
  });

  it('Tiresias LAS: a job that attained more service yields to a fresh one', () => {
    const s = createScheduler({ nodes: [node('n', 1)], policy: { ordering: tiresiasOrdering({ thresholdsGpuMs: [1000] }), preemption: true }, clock: () => 0 });
    s.submit({ id: 'long', checkpointable: true, submitMs: 0 });
    s.schedule(0);
    s.submit({ id: 'short', submitMs: 500 });
    // At 500 ms 'long' has 500 GPU-ms, still level 0: no preemption.
    expect(s.schedule(500)).toEqual([]);
    const ds = s.schedule(1500);
    expect(ds.map((d) => `${d.type}:${d.jobId}`)).toEqual(['preempt:long', 'bind:short']);
    expect(ds[0]).toMatchObject({ reason: 'attained-service' });
    expect(s.job('long')).toMatchObject({ attainedGpuMs: 1500, progressMs: 1500 });
  });
});

describe('backfill with reservations (EASY)', () => {
  function setup(backfill: 'easy' | 'best-effort') {
    const s = createScheduler({ nodes: [node('a', 4), node('b', 4)], policy: { ordering: fifoOrdering(), backfill }, clock: () => 0 });
    s.submit({ id: 'r1', gpusPerWorker: 4, estimatedDurationMs: 100, submitMs: 0 });
    s.submit({ id: 'r2', gpusPerWorker: 2, estimatedDurationMs: 50, submitMs: 0 });
    s.schedule(0);
    s.submit({ id: 'gang', workers: 2, gpusPerWorker: 4, estimatedDurationMs: 100, submitMs: 1 });
    s.submit({ id: 'short', gpusPerWorker: 2, estimatedDurationMs: 30, submitMs: 2 });
    s.submit({ id: 'long', gpusPerWorker: 2, estimatedDurationMs: 500, submitMs: 3 });
    return s;
  }
  it('runs a short job ahead of the blocked gang but not one that would delay it', () => {
    const s = setup('easy');
    const ds = binds(s.schedule(10));
    expect(ds.map((d) => d.jobId)).toEqual(['short']);
    expect(ds[0]!.backfilled).toBe(true);
    // The gang starts when its reservation time comes.
    s.complete('short', 40);
    s.complete('r2', 50);
    expect(boundIds(s.schedule(50))).toEqual([]);
    s.complete('r1', 100);
    expect(boundIds(s.schedule(100))).toEqual(['gang']);
  });
  it('best-effort lets the long job take the room (and delay the gang)', () => {
    const s = setup('best-effort');
    expect(boundIds(s.schedule(10))).toEqual(['short']);
    s.complete('short', 40);
    expect(boundIds(s.schedule(40))).toEqual(['long']);
  });
  it('a job on nodes outside the reservation may run long', () => {
    // Spread would pick the emptiest node, c, which the gang's reservation holds.
    const nodes = [node('a', 4), node('b', 4), node('c', 4), node('d', 3)];
    const s = createScheduler({ nodes, policy: { ordering: fifoOrdering(), backfill: 'easy', placement: spreadPlacement() }, clock: () => 0 });
    s.submit({ id: 'r1', gpusPerWorker: 4, estimatedDurationMs: 100, submitMs: 0 });
    s.submit({ id: 'r2', gpusPerWorker: 4, estimatedDurationMs: 100, submitMs: 0 });
    s.schedule(0);
    s.submit({ id: 'gang', workers: 3, gpusPerWorker: 4, submitMs: 1 });
    s.submit({ id: 'long', gpusPerWorker: 2, estimatedDurationMs: 500, submitMs: 2 });
    const ds = binds(s.schedule(5));
    expect(ds.map((d) => d.jobId)).toEqual(['long']);
    expect(ds[0]!.placements[0]!.nodeId).toBe('d');
  });
});

describe('fractional GPUs', () => {
  it('packs fractions onto shared GPUs and keeps whole GPUs whole', () => {
    const s = createScheduler({ nodes: [node('n', 2)], clock: () => 0 });
    s.submit({ id: 'f1', gpuMilli: 500, submitMs: 0 });
    s.submit({ id: 'f2', gpuMilli: 500, submitMs: 1 });
    s.submit({ id: 'f3', gpuMilli: 300, submitMs: 2 });
    s.submit({ id: 'w', gpusPerWorker: 1, submitMs: 3 });
    const ds = binds(s.schedule(0));
    expect(ds.map((d) => d.jobId)).toEqual(['f1', 'f2', 'f3']);
    expect(ds[0]!.placements[0]!.gpuIndices).toEqual(ds[1]!.placements[0]!.gpuIndices);
    expect(s.stats().allocatedGpus).toBeCloseTo(1.3);
    const free = s.snapshot(0).nodes[0]!.gpuFreeMilli;
    expect([...free].sort()).toEqual([0, 700]);
    s.complete('f3', 1);
    expect(boundIds(s.schedule(1))).toEqual(['w']);
  });
});

describe('spot capacity and interruptions', () => {
  const nodes = [node('od', 2, { hourlyPriceUsd: 8, pricing: 'on-demand' }), node('spot', 2, { hourlyPriceUsd: 2, pricing: 'spot' })];
  it('cost-aware placement: cheapest eligible capacity, spot only for preemptible jobs', () => {
    const s = createScheduler({ nodes, policy: { placement: costAwarePlacement() }, clock: () => 0 });
    s.submit({ id: 'p', preemptible: true });
    s.submit({ id: 'np', preemptible: false });
    const ds = binds(s.schedule(0));
    expect(ds.find((d) => d.jobId === 'p')!.placements[0]!.nodeId).toBe('spot');
    expect(ds.find((d) => d.jobId === 'np')!.placements[0]!.nodeId).toBe('od');
  });
  it('per-queue flavour preference overrides the placement policy', () => {
    const s = createScheduler({ nodes, queues: [{ id: 'cheap', flavorPreference: 'cheapest' }], policy: { placement: spreadPlacement() }, clock: () => 0 });
    s.submit({ id: 'a', queue: 'cheap' });
    expect(binds(s.schedule(0))[0]!.placements[0]!.nodeId).toBe('spot');
  });
  it('an interruption requeues jobs, from checkpoint when checkpointable', () => {
    const s = createScheduler({ nodes, policy: { placement: costAwarePlacement() }, clock: () => 0 });
    s.submit({ id: 'ck', checkpointable: true });
    s.submit({ id: 'nock' });
    s.schedule(0);
    const r = s.nodeEvent({ type: 'spot-interruption', nodeId: 'spot', atMs: 1000 });
    expect(r.requeuedJobIds.sort()).toEqual(['ck', 'nock']);
    expect(s.job('ck')).toMatchObject({ state: 'queued', progressMs: 1000, preemptions: 1 });
    expect(s.job('nock')).toMatchObject({ state: 'queued', progressMs: 0 });
    const ds = binds(s.schedule(1000));
    expect(ds.map((d) => d.placements[0]!.nodeId)).toEqual(['od', 'od']);
    expect(s.stats().totalGpus).toBe(2);
  });
  it('removing capacity leaves queued jobs waiting (it may come back); new ones that no node fits are rejected', () => {
    const s = createScheduler({ nodes: [node('a', 8), node('b', 2)], clock: () => 0 });
    s.submit({ id: 'r', gpusPerWorker: 2 });
    s.schedule(0);
    s.submit({ id: 'eight', gpusPerWorker: 8 });
    s.nodeEvent({ type: 'cordon', nodeId: 'a' });
    expect(s.schedule(1)).toEqual([]);
    s.nodeEvent({ type: 'remove', nodeId: 'a', atMs: 2 });
    expect(s.schedule(2)).toEqual([]);
    expect(s.job('eight')!.state).toBe('queued');
    expect(s.submit({ id: 'eight-more', gpusPerWorker: 8 }, 3)).toMatchObject({ status: 'rejected', code: 'NO_ELIGIBLE_NODE' });
    s.nodeEvent({ type: 'add', node: node('a2', 8), atMs: 4 });
    expect(s.schedule(4)).toMatchObject([{ type: 'bind', jobId: 'eight' }]);
  });
  it('cordon stops new work; uncordon resumes it', () => {
    const s = createScheduler({ nodes: [node('a', 1)], clock: () => 0 });
    s.nodeEvent({ type: 'cordon', nodeId: 'a' });
    s.submit({ id: 'j' });
    expect(s.schedule(0)).toEqual([]);
    s.nodeEvent({ type: 'uncordon', nodeId: 'a' });
    expect(boundIds(s.schedule(1))).toEqual(['j']);
  });
});

describe('lifecycle', () => {
  it('cancel frees a running job and removes a queued one; usage intervals are recorded', () => {
    const s = createScheduler({ nodes: [node('a', 1, { instanceType: 'p4d', region: 'us-east-1' })], clock: () => 0 });
    s.submit({ id: 'r', cpuMilliPerWorker: 2000, memoryMiBPerWorker: 4096, labels: { team: 'nlp' } });
    s.submit({ id: 'q' });
    s.schedule(0);
    s.cancel('q', 5);
    s.cancel('r', 60_000);
    expect(s.stats()).toMatchObject({ allocatedGpus: 0, pendingJobs: 0, runningJobs: 0 });
    const u = s.usage();
    expect(u).toEqual([
      expect.objectContaining({ jobId: 'r', nodeId: 'a', startMs: 0, endMs: 60_000, gpus: 1, cpuMilli: 2000, memoryMiB: 4096, instanceType: 'p4d', region: 'us-east-1' }),
    ]);
    expect(s.snapshot(1).jobs.map((j) => j.state)).toEqual(['cancelled', 'cancelled']);
  });
});
