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
