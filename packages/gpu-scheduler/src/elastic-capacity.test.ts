import { describe, expect, it } from 'vitest';
import { createScheduler } from './scheduler.js';
import { simulate } from './simulator.js';
import { fifoOrdering } from './ordering-policies.js';
import type { TraceJob } from './trace-readers.js';

const hour = 3_600_000;
const a100 = { gpuModel: 'A100', gpuCount: 8 };

describe('defect 1: losing a node or scaling from zero does not reject work that capacity may come for', () => {
  it('spot interruption at 1 h, replacement node at 2 h: the job completes (was: completed 0, rejected 1)', () => {
    const trace: TraceJob[] = [{ id: 'train', submitMs: 0, durationMs: 3 * hour, gpusPerWorker: 8, checkpointable: true }];
    const r = simulate({
      trace,
      cluster: { nodes: [{ id: 'spot-1', ...a100, pricing: 'spot' }] },
      policy: { ordering: fifoOrdering() },
      nodeEvents: [
        { type: 'spot-interruption', nodeId: 'spot-1', atMs: hour },
        { type: 'add', node: { id: 'spot-2', ...a100, pricing: 'spot' }, atMs: 2 * hour },
      ],
      preemptionCost: false,
    });
    expect(r).toMatchObject({ completed: 1, rejected: 0, preemptions: 1 });
    // 1 h on spot-1, waits 1 h, resumes from its checkpoint for the remaining 2 h.
    expect(r.makespanMs).toBe(4 * hour);
  });

  it('scale from zero: a job submitted before any matching node exists waits for a node pool', () => {
    const s = createScheduler({
      nodes: [{ id: 'cpu-0', gpuModel: 'none', gpuCount: 0 }],
      nodePools: [{ id: 'a100-pool', node: a100, maxNodes: 2 }],
      clock: () => 0,
    });
    expect(s.submit({ id: 'j', workers: 2, gpusPerWorker: 8, gpuModels: ['A100'] }, 0)).toEqual({ status: 'queued', jobId: 'j' });
    expect(s.schedule(0)).toEqual([]);
    s.nodeEvent({ type: 'add', node: { id: 'a100-0', ...a100, pool: 'a100-pool' } });
    s.nodeEvent({ type: 'add', node: { id: 'a100-1', ...a100, pool: 'a100-pool' } });
    expect(s.schedule(10).map((d) => `${d.type} ${d.jobId}`)).toEqual(['bind j']);
  });

  it('rejects only when no present node and no pool could ever fit, and says why', () => {
    const s = createScheduler({ nodes: [], nodePools: [{ id: 'a100-pool', node: a100, maxNodes: 2 }], clock: () => 0 });
    const tooBig = s.submit({ id: 'g', workers: 3, gpusPerWorker: 8 }, 0);
    expect(tooBig).toMatchObject({ status: 'rejected', code: 'GANG_LARGER_THAN_CLUSTER', reason: expect.stringContaining('a100-pool') });
    const h100 = s.submit({ id: 'h', gpuModels: ['H100'] }, 0);
    expect(h100).toMatchObject({ status: 'rejected', code: 'NO_ELIGIBLE_NODE', reason: expect.stringContaining('node pool') });
  });

  it('a queued job is not rejected when its node is removed; maxPendingMs bounds the wait', () => {
    const s = createScheduler({ nodes: [{ id: 'n', ...a100 }], clock: () => 0 });
    s.submit({ id: 'busy', gpusPerWorker: 8 }, 0);
    s.submit({ id: 'waits', gpusPerWorker: 8, maxPendingMs: 30 * 60_000 }, 0);
    s.schedule(0);
    s.nodeEvent({ type: 'remove', nodeId: 'n', atMs: 60_000 });
    expect(s.schedule(60_000).filter((d) => d.type === 'reject')).toEqual([]);
    expect(s.job('waits')!.state).toBe('queued');
    expect(s.nextTimerMs(60_000)).toBe(30 * 60_000);
    expect(s.schedule(30 * 60_000)).toEqual([
      expect.objectContaining({ type: 'reject', jobId: 'waits', code: 'PENDING_TIMEOUT', reason: expect.stringContaining('maxPendingMs') }),
    ]);
    expect(s.job('waits')!.state).toBe('rejected');
  });
});

describe('simulate: scale from zero with a node pool', () => {
  it('jobs submitted before any node exists run when pool nodes are added; maxPendingMs rejects the rest', () => {
    const trace: TraceJob[] = [
      { id: 'early', submitMs: 0, durationMs: hour, gpusPerWorker: 8 },
      { id: 'impatient', submitMs: 0, durationMs: hour, gpusPerWorker: 8, maxPendingMs: 10 * 60_000 },
    ];
    const r = simulate({
      trace,
      cluster: { nodes: [], nodePools: [{ id: 'p', node: a100, maxNodes: 1 }] },
      policy: { ordering: fifoOrdering() },
      nodeEvents: [{ type: 'add', node: { id: 'p-0', ...a100, pool: 'p' }, atMs: 15 * 60_000 }],
      perJob: true,
    });
    expect(r).toMatchObject({ completed: 1, rejected: 1, unfinished: 0 });
    expect(r.perJob!.find((j) => j.id === 'early')!.finishMs).toBe(75 * 60_000);
  });
});

describe('simulate: autoscaler over node pools', () => {
  it('scales a pool from zero for queued work, nodes joining after the provisioning delay', () => {
    const trace: TraceJob[] = [
      { id: 'a', submitMs: 0, durationMs: hour, gpusPerWorker: 8 },
      { id: 'b', submitMs: 0, durationMs: hour, gpusPerWorker: 4 },
      { id: 'c', submitMs: 0, durationMs: hour, gpusPerWorker: 4 },
      { id: 'gang', submitMs: 0, durationMs: hour, workers: 2, gpusPerWorker: 8 },
    ];
    const r = simulate({
      trace,
      cluster: { nodes: [], nodePools: [{ id: 'a100', node: a100, maxNodes: 3 }] },
      policy: { ordering: fifoOrdering() },
      autoscaler: { provisionDelayMs: 5 * 60_000 },
      perJob: true,
    });
    // Demand: a (1 node), b + c (1 node), gang (2 nodes) -> capped at 3 nodes, all at 5 min.
    expect(r.scaledUpNodes).toEqual({ a100: 3 });
    expect(r).toMatchObject({ completed: 4, rejected: 0 });
    const finish = Object.fromEntries(r.perJob!.map((j) => [j.id, j.finishMs]));
    // At 5 min: a takes one node, b and c share one; the gang needs two empty nodes, so it waits for a.
    expect(finish.a).toBe(5 * 60_000 + hour);
    expect(finish.gang).toBe(5 * 60_000 + 2 * hour);
  });
});

describe('simulate: autoscaler scale-down (cluster-autoscaler --scale-down-unneeded-time, --scale-down-delay-after-add)', () => {
  const min = 60_000;
  const pool = (minNodes?: number) => ({ id: 'a100', node: a100, maxNodes: 3, ...(minNodes !== undefined ? { minNodes } : {}) });

  it('removes pool nodes idle for scaleDownUnneededMs down to minNodes; later work scales up again', () => {
    const trace: TraceJob[] = [
      { id: 'a', submitMs: 0, durationMs: hour, gpusPerWorker: 8 },
      { id: 'b', submitMs: 0, durationMs: hour, gpusPerWorker: 8 },
      { id: 'c', submitMs: 0, durationMs: hour, gpusPerWorker: 8 },
      { id: 'd', submitMs: 5 * hour, durationMs: hour, gpusPerWorker: 8 },
    ];
    const run = (autoscaler: Parameters<typeof simulate>[0]['autoscaler'], minNodes?: number) =>
      simulate({ trace, cluster: { nodes: [], nodePools: [pool(minNodes)] }, policy: { ordering: fifoOrdering() }, autoscaler, perJob: true });
    const startOfD = (r: ReturnType<typeof run>) => r.perJob!.find((j) => j.id === 'd')!.firstStartMs;
    // 3 nodes join at 5 min, idle from 1 h 5 min, two removed at 1 h 15 min (minNodes 1):
    // d at 5 h runs at once on the one kept.
    const down = run({ provisionDelayMs: 5 * min, scaleDownUnneededMs: 10 * min }, 1);
    expect(down).toMatchObject({ completed: 4, scaledUpNodes: { a100: 3 }, scaledDownNodes: { a100: 2 } });
    expect(startOfD(down)).toBe(5 * hour);
    // minNodes 0: all three go; d waits 5 min for a new node.
    const zero = run({ provisionDelayMs: 5 * min, scaleDownUnneededMs: 10 * min });
    expect(zero).toMatchObject({ completed: 4, scaledUpNodes: { a100: 4 }, scaledDownNodes: { a100: 3 } });
    expect(startOfD(zero)).toBe(5 * hour + 5 * min);
    // false: nodes stay.
    const never = run({ provisionDelayMs: 5 * min, scaleDownUnneededMs: false });
    expect(never).toMatchObject({ scaledUpNodes: { a100: 3 }, scaledDownNodes: {} });
    expect(startOfD(never)).toBe(5 * hour);
    // Default 10 min, like cluster-autoscaler.
    expect(run({ provisionDelayMs: 5 * min })).toMatchObject({ scaledDownNodes: { a100: 3 } });
    // Nodes present at the start with `pool` are pool nodes too.
    const present = simulate({ trace, cluster: { nodes: [{ id: 'p0', ...a100, pool: 'a100' }], nodePools: [pool()] }, policy: { ordering: fifoOrdering() }, autoscaler: { provisionDelayMs: 5 * min } });
    expect(present).toMatchObject({ completed: 4, scaledUpNodes: { a100: 3 }, scaledDownNodes: { a100: 3 } });
  });

  it('waits scaleDownDelayAfterAddMs after any scale-up, and keeps nodes a blocked gang will need', () => {
    // a (10 min) runs 5-15 min on the only node; idle 10 min -> due at 25 min, but the scale-up at
    // 0 holds scale-down until 60 min, so y at 40 min still finds the node; y ends at 50 min,
    // the node goes at 60 min and z at 2 h waits for a new one.
    const trace: TraceJob[] = [
      { id: 'a', submitMs: 0, durationMs: 10 * min, gpusPerWorker: 8 },
      { id: 'y', submitMs: 40 * min, durationMs: 10 * min, gpusPerWorker: 8 },
      { id: 'z', submitMs: 2 * hour, durationMs: 10 * min, gpusPerWorker: 8 },
    ];
    const r = simulate({
      trace,
      cluster: { nodes: [], nodePools: [{ id: 'a100', node: a100, maxNodes: 1 }] },
      policy: { ordering: fifoOrdering() },
      autoscaler: { provisionDelayMs: 5 * min, scaleDownUnneededMs: 10 * min, scaleDownDelayAfterAddMs: 60 * min },
      perJob: true,
    });
    const start = Object.fromEntries(r.perJob!.map((j) => [j.id, j.firstStartMs]));
    expect(start).toEqual({ a: 5 * min, y: 40 * min, z: 2 * hour + 5 * min });
    expect(r).toMatchObject({ scaledUpNodes: { a100: 2 }, scaledDownNodes: { a100: 1 } });

    // The gang of 2 needs the idle third node (pool at maxNodes): it is kept, not removed and re-added.
    const g = simulate({
      trace: [
        { id: 'a', submitMs: 0, durationMs: hour, gpusPerWorker: 8 },
        { id: 'b', submitMs: 0, durationMs: hour, gpusPerWorker: 4 },
        { id: 'gang', submitMs: 0, durationMs: hour, workers: 2, gpusPerWorker: 8 },
      ],
      cluster: { nodes: [], nodePools: [{ id: 'a100', node: a100, maxNodes: 3 }] },
      policy: { ordering: fifoOrdering() },
      autoscaler: { provisionDelayMs: 5 * min, scaleDownUnneededMs: 10 * min, scaleDownDelayAfterAddMs: 0 },
      perJob: true,
    });
    expect(g).toMatchObject({ scaledUpNodes: { a100: 3 }, scaledDownNodes: {} });
    expect(g.perJob!.find((j) => j.id === 'gang')!.firstStartMs).toBe(5 * min + hour);
  });

  it('refuses bad settings with the field and what is allowed', () => {
    const trace: TraceJob[] = [{ id: 'a', submitMs: 0, durationMs: hour, gpusPerWorker: 8 }];
    expect(() => simulate({ trace, cluster: { nodes: [], nodePools: [{ id: 'p', node: a100, maxNodes: 1, minNodes: 2 }] } })).toThrowError(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('minNodes must be an integer from 0 to maxNodes (1); found 2') }),
    );
    expect(() => simulate({ trace, cluster: { nodes: [], nodePools: [pool()] }, autoscaler: { scaleDownUnneededMs: 0 } })).toThrowError(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('scaleDownUnneededMs must be a finite number of ms > 0 (or false') }),
    );
    expect(() => simulate({ trace, cluster: { nodes: [], nodePools: [pool()] }, autoscaler: { provisionDelayMs: -1 } })).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});
