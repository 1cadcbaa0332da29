import { describe, expect, it } from 'vitest';
import { createScheduler } from './scheduler.js';
import type { Decision, QueueSpec } from './types.js';

const summary = (ds: Decision[]) => ds.map((d) => `${d.type} ${d.jobId}`);
const gpuCpuMem = (flavor: string, gpu: number, cpu: string, memory: string, limits: { borrow?: number; lend?: number } = {}) => ({
  coveredResources: ['nvidia.com/gpu', 'cpu', 'memory'],
  flavors: [
    {
      name: flavor,
      resources: [
        { name: 'nvidia.com/gpu', nominalQuota: gpu, ...(limits.borrow !== undefined ? { borrowingLimit: limits.borrow } : {}), ...(limits.lend !== undefined ? { lendingLimit: limits.lend } : {}) },
        { name: 'cpu', nominalQuota: cpu },
        { name: 'memory', nominalQuota: memory },
      ],
    },
  ],
});

describe('defect 3: quotas per resource, as Kueue ClusterQueues and Cohorts', () => {
  it('CPU and memory quotas bind too, not only GPUs (was: GPU-only)', () => {
    const s = createScheduler({
      nodes: [{ id: 'n', gpuModel: 'A100', gpuCount: 8, cpuMilli: 96_000, memoryMiB: 1_000_000 }],
      queues: [{ id: 'q', resourceGroups: [gpuCpuMem('A100', 8, '16', '64Gi')] }],
      clock: () => 0,
    });
    s.submit({ id: 'a', queue: 'q', gpusPerWorker: 1, cpuMilliPerWorker: 12_000, memoryMiBPerWorker: 1024 }, 0);
    s.submit({ id: 'b', queue: 'q', gpusPerWorker: 1, cpuMilliPerWorker: 8_000, memoryMiBPerWorker: 1024 }, 1);
    // 12 + 8 CPUs > 16: b waits although 7 GPUs are free.
    expect(summary(s.schedule(2))).toEqual(['bind a']);
    expect(s.submit({ id: 'huge', queue: 'q', gpusPerWorker: 1, memoryMiBPerWorker: 65 * 1024 }, 3)).toMatchObject({ status: 'rejected', code: 'EXCEEDS_QUOTA_LIMIT' });
  });

  it('a ClusterQueue admits only to the flavours it lists (Kueue), the GPU shorthand stays permissive', () => {
    const nodes = [
      { id: 'a100', gpuModel: 'A100', gpuCount: 8 },
      { id: 't4', gpuModel: 'T4', gpuCount: 4 },
    ];
    const s = createScheduler({ nodes, queues: [{ id: 'q', resourceGroups: [{ coveredResources: ['nvidia.com/gpu'], flavors: [{ name: 'T4', resources: [{ name: 'nvidia.com/gpu', nominalQuota: 4 }] }] }] }], clock: () => 0 });
    s.submit({ id: 'j', queue: 'q', gpusPerWorker: 4 }, 0);
    const bind = s.schedule(0)[0]!;
    expect(bind.type === 'bind' && bind.placements[0]!.nodeId).toBe('t4');
    s.submit({ id: 'k', queue: 'q', gpusPerWorker: 1 }, 1);
    expect(s.schedule(1)).toEqual([]); // A100 is free, but not a flavour of q
  });

  it('reclaim preempts the lowest-priority borrower first (was: the job that happened to borrow last)', () => {
    const queues: QueueSpec[] = [
      { id: 'a', cohort: 'ml', nominalGpus: { '*': 4 } },
      { id: 'b', cohort: 'ml', nominalGpus: { '*': 4 } },
    ];
    const s = createScheduler({ nodes: [{ id: 'n', gpuModel: 'A100', gpuCount: 8 }], queues, policy: { preemption: true }, clock: () => 0 });
    s.submit({ id: 'b-low', queue: 'b', priority: 0, gpusPerWorker: 4 }, 0);
    s.schedule(0);
    s.submit({ id: 'b-high', queue: 'b', priority: 9, gpusPerWorker: 4 }, 1);
    expect(summary(s.schedule(1))).toEqual(['bind b-high']); // b now borrows a's 4 GPUs
    s.submit({ id: 'a-job', queue: 'a', priority: 0, gpusPerWorker: 4 }, 2);
    expect(s.schedule(2)).toEqual([
      expect.objectContaining({ type: 'preempt', jobId: 'b-low', forJobId: 'a-job', reason: 'reclaim' }),
      expect.objectContaining({ type: 'bind', jobId: 'a-job' }),
    ]);
    expect(s.job('b-high')!.state).toBe('running');
  });

  it("reclaimWithinCohort: 'LowerPriority' reclaims only from lower-priority borrowers, 'Never' not at all", () => {
    const run = (mode: 'LowerPriority' | 'Never', borrowerPriority: number) => {
      const s = createScheduler({
        nodes: [{ id: 'n', gpuModel: 'A100', gpuCount: 8 }],
        queues: [
          { id: 'a', cohort: 'ml', nominalGpus: { '*': 4 }, preemption: { reclaimWithinCohort: mode } },
          { id: 'b', cohort: 'ml', nominalGpus: { '*': 4 } },
        ],
        policy: { preemption: { byPriority: false } },
        clock: () => 0,
      });
      s.submit({ id: 'b0', queue: 'b', priority: borrowerPriority, gpusPerWorker: 8 }, 0);
      s.schedule(0);
      s.submit({ id: 'a0', queue: 'a', priority: 5, gpusPerWorker: 4 }, 1);
      return summary(s.schedule(1));
    };
    expect(run('LowerPriority', 1)).toEqual(['preempt b0', 'bind a0']);
    expect(run('LowerPriority', 7)).toEqual([]);
    expect(run('Never', 1)).toEqual([]);
  });

  it('borrowWithinCohort LowerPriority: a job that must borrow preempts lower-priority borrowers of the cohort (Kueue), within maxPriorityThreshold', () => {
    const run = (borrowWithinCohort: NonNullable<QueueSpec['preemption']>['borrowWithinCohort'] | undefined, borrowerPriority: number) => {
      const s = createScheduler({
        nodes: [{ id: 'n1', gpuModel: 'A100', gpuCount: 8 }, { id: 'n2', gpuModel: 'A100', gpuCount: 4 }],
        queues: [
          { id: 'a', cohort: 'ml', nominalGpus: { '*': 4 } },
          { id: 'b', cohort: 'ml', nominalGpus: { '*': 4 }, ...(borrowWithinCohort ? { preemption: { borrowWithinCohort } } : {}) },
          { id: 'c', cohort: 'ml', nominalGpus: { '*': 4 } },
        ],
        policy: { preemption: { byPriority: false } },
        clock: () => 0,
      });
      // c takes its 4 and borrows a's idle 4; b uses its nominal 4: the cluster is full.
      s.submit({ id: 'c0', queue: 'c', priority: borrowerPriority, gpusPerWorker: 8 }, 0);
      s.submit({ id: 'b0', queue: 'b', priority: 5, gpusPerWorker: 4 }, 0);
      expect(summary(s.schedule(0)).sort()).toEqual(['bind b0', 'bind c0']);
      // x would take b over nominal: only borrowWithinCohort lets it preempt for that.
      s.submit({ id: 'x', queue: 'b', priority: 5, gpusPerWorker: 4 }, 1);
      return s.schedule(1);
    };
    expect(run({ policy: 'LowerPriority' }, 1)).toEqual([
      expect.objectContaining({ type: 'preempt', jobId: 'c0', forJobId: 'x', reason: 'borrow-within-cohort' }),
      expect.objectContaining({ type: 'bind', jobId: 'x' }),
    ]);
    expect(run(undefined, 1)).toEqual([]); // Kueue's default: Never
    expect(run({ policy: 'Never' }, 1)).toEqual([]);
    expect(run({ policy: 'LowerPriority' }, 5)).toEqual([]); // not lower priority
    expect(run({ policy: 'LowerPriority', maxPriorityThreshold: 0 }, 1)).toEqual([]); // above the threshold
    expect(summary(run({ policy: 'LowerPriority', maxPriorityThreshold: 1 }, 1))).toEqual(['preempt c0', 'bind x']);
    expect(() => createScheduler({ queues: [{ id: 'q', cohort: 'ml', preemption: { reclaimWithinCohort: 'Never', borrowWithinCohort: { policy: 'LowerPriority' } } }] })).toThrow(/needs reclaimWithinCohort LowerPriority or Any/);
    expect(() => createScheduler({ queues: [{ id: 'q', preemption: { borrowWithinCohort: { policy: 'Always' as 'Never' } } }] })).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('hierarchical cohorts: borrowing through a parent cohort, with lendingLimit, borrowingLimit and cohort-level quota', () => {
    // org (extra 2 GPUs) -> team-x (cohort) -> qx (2 GPUs); org -> team-y -> qy (6 GPUs, lends at most 4).
    const mk = (extra?: { borrow?: number }) =>
      createScheduler({
        nodes: [{ id: 'n1', gpuModel: 'A100', gpuCount: 8 }, { id: 'n2', gpuModel: 'A100', gpuCount: 8 }],
        cohorts: [
          { name: 'org', resourceGroups: [{ coveredResources: ['nvidia.com/gpu'], flavors: [{ name: 'A100', resources: [{ name: 'nvidia.com/gpu', nominalQuota: 2 }] }] }] },
          { name: 'team-x', parentName: 'org' },
          { name: 'team-y', parentName: 'org' },
        ],
        queues: [
          { id: 'qx', cohortName: 'team-x', resourceGroups: [{ coveredResources: ['nvidia.com/gpu'], flavors: [{ name: 'A100', resources: [{ name: 'nvidia.com/gpu', nominalQuota: 2, ...(extra?.borrow !== undefined ? { borrowingLimit: extra.borrow } : {}) }] }] }] },
          { id: 'qy', cohortName: 'team-y', resourceGroups: [{ coveredResources: ['nvidia.com/gpu'], flavors: [{ name: 'A100', resources: [{ name: 'nvidia.com/gpu', nominalQuota: 6, lendingLimit: 4 }] }] }] },
        ],
        clock: () => 0,
      });
    // qx can reach 2 (own) + 4 (qy lends) + 2 (org) = 8 GPUs.
    const s = mk();
    for (let i = 0; i < 9; i++) s.submit({ id: `x${i}`, queue: 'qx', gpusPerWorker: 1 }, i);
    expect(s.schedule(10).filter((d) => d.type === 'bind')).toHaveLength(8);
    expect(s.snapshot(10).queues.find((q) => q.id === 'qx')).toMatchObject({ usedGpus: { A100: 8 }, borrowedGpus: { A100: 6 } });
    // qy keeps its 2 guaranteed GPUs (6 - lendingLimit 4) although qx wants more.
    s.submit({ id: 'y0', queue: 'qy', gpusPerWorker: 2 }, 11);
    expect(summary(s.schedule(11))).toEqual(['bind y0']);
    // borrowingLimit 3 caps qx at 2 + 3.
    const capped = mk({ borrow: 3 });
    for (let i = 0; i < 9; i++) capped.submit({ id: `x${i}`, queue: 'qx', gpusPerWorker: 1 }, i);
    expect(capped.schedule(10).filter((d) => d.type === 'bind')).toHaveLength(5);
    // A job larger than the ceiling is rejected at submit.
    expect(mk().submit({ id: 'big', queue: 'qx', gpusPerWorker: 8, workers: 2 }, 0)).toMatchObject({ status: 'rejected', code: 'EXCEEDS_QUOTA_LIMIT' });
  });

  it('ResourceFlavors by node labels (spot vs on-demand), tried in the listed order', () => {
    const s = createScheduler({
      nodes: [
        { id: 'od', gpuModel: 'A100', gpuCount: 8, labels: { 'karpenter.sh/capacity-type': 'on-demand' } },
        { id: 'sp', gpuModel: 'A100', gpuCount: 8, pricing: 'spot', labels: { 'karpenter.sh/capacity-type': 'spot' } },
      ],
      resourceFlavors: [
        { name: 'on-demand', nodeLabels: { 'karpenter.sh/capacity-type': 'on-demand' } },
        { name: 'spot', nodeLabels: { 'karpenter.sh/capacity-type': 'spot' } },
      ],
      queues: [
        {
          id: 'q',
          resourceGroups: [
            {
              coveredResources: ['nvidia.com/gpu'],
              flavors: [
                { name: 'on-demand', resources: [{ name: 'nvidia.com/gpu', nominalQuota: 2 }] },
                { name: 'spot', resources: [{ name: 'nvidia.com/gpu', nominalQuota: 8 }] },
              ],
            },
          ],
        },
      ],
      clock: () => 0,
    });
    for (let i = 0; i < 4; i++) s.submit({ id: `j${i}`, queue: 'q', gpusPerWorker: 1 }, i);
    const nodes = s.schedule(5).map((d) => (d.type === 'bind' ? d.placements[0]!.nodeId : ''));
    expect(nodes.sort()).toEqual(['od', 'od', 'sp', 'sp']);
    expect(s.snapshot(5).queues.find((q) => q.id === 'q')!.usedGpus).toEqual({ 'on-demand': 2, spot: 2 });
  });

  it('refuses what Kueue refuses, with the field named', () => {
    expect(() => createScheduler({ queues: [{ id: 'q', resourceGroups: [gpuCpuMem('A100', 8, '16', '64Gi', { borrow: 2 })] }] })).toThrow(/borrowingLimit\/lendingLimit need a cohort/);
    expect(() => createScheduler({ queues: [{ id: 'q', resourceGroups: [{ coveredResources: ['nvidia.com/gpu', 'cpu'], flavors: [{ name: 'x', resources: [{ name: 'nvidia.com/gpu', nominalQuota: 1 }] }] }] }] })).toThrow(/every covered resource/);
    expect(() => createScheduler({ queues: [{ id: 'q', resourceGroups: [{ coveredResources: ['ephemeral-storage'], flavors: [{ name: 'x', resources: [] }] }] }] })).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => createScheduler({ cohorts: [{ name: 'a', parentName: 'b' }, { name: 'b', parentName: 'a' }] })).toThrow(/cycle/);
  });
});

describe('fromKueueManifests: a real Kueue config, one to one', () => {
  it('reads ClusterQueue (v1beta1 cohort and v1beta2 cohortName), Cohort and ResourceFlavor objects', async () => {
    const { fromKueueManifests } = await import('./kueue-manifests.js');
    const cfg = fromKueueManifests([
      { apiVersion: 'kueue.x-k8s.io/v1beta1', kind: 'ResourceFlavor', metadata: { name: 'a100' }, spec: { nodeLabels: { 'nvidia.com/gpu.product': 'A100' } } },
      { apiVersion: 'kueue.x-k8s.io/v1beta2', kind: 'Cohort', metadata: { name: 'org' } },
      { apiVersion: 'kueue.x-k8s.io/v1beta2', kind: 'Cohort', metadata: { name: 'research' }, spec: { parentName: 'org' } },
      {
        apiVersion: 'kueue.x-k8s.io/v1beta2',
        kind: 'ClusterQueue',
        metadata: { name: 'team-a' },
        spec: {
          cohortName: 'research',
          preemption: { reclaimWithinCohort: 'LowerPriority', borrowWithinCohort: { policy: 'LowerPriority', maxPriorityThreshold: 100 }, withinClusterQueue: 'LowerPriority' },
          flavorFungibility: { whenCanBorrow: 'TryNextFlavor', whenCanPreempt: 'Preempt' },
          resourceGroups: [gpuCpuMem('a100', 8, '64', '256Gi', { borrow: 8 })],
        },
      },
      { apiVersion: 'kueue.x-k8s.io/v1beta1', kind: 'ClusterQueue', metadata: { name: 'team-b' }, spec: { cohort: 'org', queueingStrategy: 'StrictFIFO', resourceGroups: [gpuCpuMem('a100', 8, '64', '256Gi', { lend: 4 })] } },
      { apiVersion: 'kueue.x-k8s.io/v1beta1', kind: 'LocalQueue', metadata: { name: 'lq' } },
    ]);
    expect(cfg.queues.map((q) => [q.id, q.cohortName])).toEqual([
      ['team-a', 'research'],
      ['team-b', 'org'],
    ]);
    expect(cfg.ignored).toEqual(['LocalQueue/lq']);
    expect(cfg.queues[0]!.preemption).toEqual({ reclaimWithinCohort: 'LowerPriority', borrowWithinCohort: { policy: 'LowerPriority', maxPriorityThreshold: 100 } });
    expect(cfg.queues.map((q) => q.queueingStrategy)).toEqual([undefined, 'StrictFIFO']);
    // Set fields that change Kueue's decisions but are not simulated are named, not dropped silently.
    expect(cfg.notSimulated).toEqual(['ClusterQueue/team-a spec.flavorFungibility', 'ClusterQueue/team-a spec.preemption.withinClusterQueue']);
    const s = createScheduler({ nodes: [{ id: 'n', gpuModel: 'A100', gpuCount: 8 }, { id: 'm', gpuModel: 'A100', gpuCount: 8 }], ...cfg, clock: () => 0 });
    // team-a: 8 own + 4 lent by team-b.
    for (let i = 0; i < 13; i++) s.submit({ id: `a${i}`, queue: 'team-a', gpusPerWorker: 1, cpuMilliPerWorker: 1000 }, i);
    expect(s.schedule(20).filter((d) => d.type === 'bind')).toHaveLength(12);
  });
});

describe('queueingStrategy (Kueue ClusterQueue spec.queueingStrategy)', () => {
  // One 8-GPU node with 4 GPUs taken; each queue then submits an 8-GPU job and a 1-GPU job behind it.
  const run = (strategy: QueueSpec['queueingStrategy'], backfill?: 'best-effort' | 'easy') => {
    const s = createScheduler({
      nodes: [{ id: 'n', gpuModel: 'A100', gpuCount: 8 }],
      queues: [{ id: 'q', ...(strategy ? { queueingStrategy: strategy } : {}) }, { id: 'other' }],
      ...(backfill ? { policy: { backfill } } : {}),
      clock: () => 0,
    });
    s.submit({ id: 'running', queue: 'other', gpusPerWorker: 4, estimatedDurationMs: 1000 }, 0);
    s.schedule(0);
    s.submit({ id: 'big', queue: 'q', gpusPerWorker: 8, estimatedDurationMs: 1000 }, 1);
    s.submit({ id: 'small', queue: 'q', gpusPerWorker: 1, estimatedDurationMs: 500 }, 2);
    s.submit({ id: 'other-small', queue: 'other', gpusPerWorker: 1, estimatedDurationMs: 500 }, 3);
    return summary(s.schedule(5));
  };

  it('StrictFIFO: a head that cannot be placed holds back the rest of its queue, not other queues', () => {
    expect(run('StrictFIFO')).toEqual(['bind other-small']);
    expect(run('StrictFIFO', 'easy')).toEqual(['bind other-small']);
  });

  it('BestEffortFIFO (Kueue default) and unset: later jobs that fit go ahead', () => {
    expect(run('BestEffortFIFO').sort()).toEqual(['bind other-small', 'bind small']);
    expect(run(undefined).sort()).toEqual(['bind other-small', 'bind small']);
  });

  it('refuses other strategies, naming the queue', () => {
    expect(() => createScheduler({ queues: [{ id: 'q', queueingStrategy: 'Strict' as never }] })).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('queue "q": queueingStrategy') }));
  });
});
