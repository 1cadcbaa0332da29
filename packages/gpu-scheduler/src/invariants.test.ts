import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createScheduler } from './scheduler.js';
import { fairShareOrdering, fifoOrdering, priorityOrdering, tiresiasOrdering } from './ordering-policies.js';
import { bestFitPlacement, costAwarePlacement, fragmentationAwarePlacement, spreadPlacement } from './placement-policies.js';
import type { CohortSpec, Decision, JobSpec, NodeSpec, QueueSpec } from './types.js';

const queues: QueueSpec[] = [
  { id: 'qa', cohort: 'c', nominalGpus: { '*': 2 } },
  { id: 'qb', cohort: 'c', nominalGpus: { '*': 3 }, borrowingLimitGpus: { '*': 2 }, lendingLimitGpus: { '*': 1 } },
  { id: 'qc', nominalGpus: { '*': 3 } },
  { id: 'qm', nominalGpus: { A: 4, B: 2 } },
  { id: 'free' },
  // Kueue-style: GPU and CPU quotas in a two-level cohort tree (root has its own quota).
  { id: 'kx', cohortName: 'kid', resourceGroups: [{ coveredResources: ['nvidia.com/gpu', 'cpu'], flavors: [{ name: '*', resources: [{ name: 'nvidia.com/gpu', nominalQuota: 2, borrowingLimit: 3 }, { name: 'cpu', nominalQuota: '8' }] }] }] },
  { id: 'ky', cohortName: 'root', resourceGroups: [{ coveredResources: ['nvidia.com/gpu', 'cpu'], flavors: [{ name: '*', resources: [{ name: 'nvidia.com/gpu', nominalQuota: 3, lendingLimit: 1 }, { name: 'cpu', nominalQuota: '4', lendingLimit: '2' }] }] }] },
];
const cohorts: CohortSpec[] = [
  { name: 'root', resourceGroups: [{ coveredResources: ['nvidia.com/gpu', 'cpu'], flavors: [{ name: '*', resources: [{ name: 'nvidia.com/gpu', nominalQuota: 1 }, { name: 'cpu', nominalQuota: '2' }] }] }] },
  { name: 'kid', parentName: 'root' },
];

const nodeArb = fc.record({
  gpuCount: fc.constantFrom(1, 2, 4, 8),
  gpuModel: fc.constantFrom('A', 'B'),
  domain: fc.constantFrom('r1', 'r2', 'r3'),
  spot: fc.boolean(),
  cpuMilli: fc.constantFrom(8000, 32000, 96000),
});

const jobArb = fc.record({
  queue: fc.constantFrom('qa', 'qb', 'qc', 'qm', 'free', 'kx', 'ky'),
  workers: fc.constantFrom(1, 1, 1, 2, 3),
  gpus: fc.constantFrom(0, 1, 1, 2, 4, 8),
  gpuMilli: fc.constantFrom(0, 0, 0, 250, 500, 700),
  cpuMilli: fc.constantFrom(0, 1000, 4000),
  priority: fc.integer({ min: 0, max: 3 }),
  preemptible: fc.boolean(),
  checkpointable: fc.boolean(),
  models: fc.constantFrom(undefined, ['A'], ['B'], ['A', 'B']),
  estimate: fc.option(fc.integer({ min: 1, max: 50 }), { nil: undefined }),
});

const opArb = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('submit' as const), job: jobArb }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('complete' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('interrupt' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cordon' as const), pick: fc.nat() }) },
);

const policyArb = fc.record({
  ordering: fc.constantFrom('fifo' as const, 'priority' as const, 'las' as const, 'fair' as const),
  placement: fc.constantFrom('best-fit' as const, 'spread' as const, 'fgd' as const, 'cost' as const),
  preemption: fc.boolean(),
  backfill: fc.constantFrom('none', 'best-effort', 'easy') as fc.Arbitrary<'none' | 'best-effort' | 'easy'>,
  topology: fc.constantFrom('prefer', 'require-domain', 'ignore') as fc.Arbitrary<'prefer' | 'require-domain' | 'ignore'>,
});

type ArbValue<A> = A extends fc.Arbitrary<infer T> ? T : never;
type Op = ArbValue<typeof opArb>;
type Pol = ArbValue<typeof policyArb>;

function run(nodesIn: Array<ArbValue<typeof nodeArb>>, ops: Op[], pol: Pol, check: boolean): Decision[] {
  const nodes: NodeSpec[] = nodesIn.map((n, i) => ({
    id: `n${i}`,
    gpuModel: n.gpuModel,
    gpuCount: n.gpuCount,
    cpuMilli: n.cpuMilli,
    topologyDomain: n.domain,
    pricing: n.spot ? 'spot' : 'on-demand',
    hourlyPriceUsd: n.spot ? 1 : 3,
  }));
  const s = createScheduler({
    nodes,
    queues,
    cohorts,
    policy: {
      ordering: { fifo: fifoOrdering(), priority: priorityOrdering(), las: tiresiasOrdering({ thresholdsGpuMs: [5, 20] }), fair: fairShareOrdering() }[pol.ordering],
      placement: { 'best-fit': bestFitPlacement(), spread: spreadPlacement(), fgd: fragmentationAwarePlacement(), cost: costAwarePlacement() }[pol.placement],
      preemption: pol.preemption,
      backfill: pol.backfill,
      gangTopology: pol.topology,
    },
    clock: () => 0,
  });
  const specs = new Map<string, JobSpec>();
  const all: Decision[] = [];
  let t = 0;
  let k = 0;
  for (const op of ops) {
    t += 1;
    const snap = s.snapshot(t);
    const runningIds = snap.jobs.filter((j) => j.state === 'running').map((j) => j.id);
    const queuedIds = snap.jobs.filter((j) => j.state === 'queued').map((j) => j.id);
    if (op.kind === 'submit') {
      const j = op.job;
      const spec: JobSpec = {
        id: `j${k++}`,
        queue: j.queue,
        workers: j.workers,
        priority: j.priority,
        preemptible: j.preemptible,
        checkpointable: j.checkpointable,
        cpuMilliPerWorker: j.cpuMilli,
        ...(j.gpuMilli > 0 ? { gpuMilli: j.gpuMilli } : { gpusPerWorker: j.gpus }),
        ...(j.models ? { gpuModels: j.models } : {}),
        ...(j.estimate ? { estimatedDurationMs: j.estimate } : {}),
      };
      specs.set(spec.id, spec);
      s.submit(spec, t);
    } else if (op.kind === 'complete' && runningIds.length > 0) {
      s.complete(runningIds[op.pick % runningIds.length]!, t);
    } else if (op.kind === 'cancel' && runningIds.length + queuedIds.length > 0) {
      const ids = [...runningIds, ...queuedIds];
      s.cancel(ids[op.pick % ids.length]!, t);
    } else if (op.kind === 'interrupt' && snap.nodes.length > 1) {
      s.nodeEvent({ type: 'spot-interruption', nodeId: snap.nodes[op.pick % snap.nodes.length]!.id, atMs: t });
    } else if (op.kind === 'cordon' && snap.nodes.length > 0) {
      const n = snap.nodes[op.pick % snap.nodes.length]!;
      s.nodeEvent({ type: n.schedulable ? 'cordon' : 'uncordon', nodeId: n.id, atMs: t });
    }
    const ds = s.schedule(t);
    all.push(...ds);
    if (check) checkInvariants(s.snapshot(t), specs);
  }
  return all;
}

function checkInvariants(snap: ReturnType<ReturnType<typeof createScheduler>['snapshot']>, specs: Map<string, JobSpec>): void {
  // 1. Never over-allocate: recompute every GPU's use from the running jobs.
  const used = new Map<string, number[]>();
  for (const n of snap.nodes) {
    used.set(n.id, new Array<number>(n.gpuCount).fill(0));
    for (const f of n.gpuFreeMilli) expect(f).toBeGreaterThanOrEqual(0);
  }
  for (const j of snap.jobs) {
    if (j.state !== 'running') {
      expect(j.placements).toEqual([]);
      continue;
    }
    const spec = specs.get(j.id)!;
    // 2. Gangs: every worker placed, or the job is not running.
    expect(j.placements).toHaveLength(spec.workers ?? 1);
    for (const p of j.placements) {
      const u = used.get(p.nodeId)!;
      expect(u).toBeDefined();
      const wantGpus = spec.gpuMilli ? 1 : (spec.gpusPerWorker ?? 1);
      expect(p.gpuIndices).toHaveLength(wantGpus);
      for (const g of p.gpuIndices) u[g]! += p.gpuMilli;
    }
  }
  for (const n of snap.nodes) {
    const u = used.get(n.id)!;
    u.forEach((m, g) => {
      expect(m).toBeLessThanOrEqual(1000);
      expect(n.gpuFreeMilli[g]).toBe(1000 - m);
    });
  }
  // 3. Quotas respected unless borrowing is allowed: outside a cohort never above nominal;
  // inside, within the borrowing limit, and all borrowing within what lenders leave unused
  // and are willing to lend.
  const byId = new Map(snap.queues.map((q) => [q.id, q]));
  let borrowed = 0;
  let lendable = 0;
  for (const spec of queues) {
    const q = byId.get(spec.id)!;
    for (const [key, nominal] of Object.entries(spec.nominalGpus ?? {})) {
      const u = q.usedGpus[key] ?? 0;
      if (spec.cohort === undefined) {
        expect(u).toBeLessThanOrEqual(nominal + 1e-9);
        continue;
      }
      const limit = spec.borrowingLimitGpus?.[key];
      if (limit !== undefined) expect(u).toBeLessThanOrEqual(nominal + limit + 1e-9);
      if (u > nominal) borrowed += u - nominal;
      else lendable += Math.min(nominal - u, spec.lendingLimitGpus?.[key] ?? Infinity);
    }
  }
  expect(borrowed).toBeLessThanOrEqual(lendable + 1e-9);
  // 4. Kueue tree: kx may reach 2 own + 1 root + 1 lent by ky GPUs (its borrowingLimit 3 is
  // looser) and 8 + 2 + 2 CPUs, because ky keeps 2 GPUs and 2 CPUs guaranteed (ky itself may
  // borrow everything kx leaves); the tree never holds more than its total quota (6 GPUs, 14 CPUs).
  const use = (qid: string): { gpu: number; cpu: number } => {
    let gpu = 0;
    let cpu = 0;
    for (const j of snap.jobs) {
      if (j.state !== 'running' || j.queue !== qid) continue;
      const spec = specs.get(j.id)!;
      gpu += j.gpus;
      cpu += (spec.cpuMilliPerWorker ?? 0) * (spec.workers ?? 1);
    }
    return { gpu, cpu };
  };
  const kx = use('kx');
  const ky = use('ky');
  expect(kx.gpu).toBeLessThanOrEqual(4 + 1e-9);
  expect(kx.cpu).toBeLessThanOrEqual(12_000);
  expect(kx.gpu + ky.gpu).toBeLessThanOrEqual(6 + 1e-9);
  expect(kx.cpu + ky.cpu).toBeLessThanOrEqual(14_000);
  expect(byId.get('kx')!.usedGpus['*'] ?? 0).toBeCloseTo(kx.gpu, 9);
}

describe('invariants (property-based)', () => {
  it('never over-allocates a GPU, places gangs whole, respects quotas — for every policy mix', () => {
    const seen = { bind: 0, preempt: 0, reject: 0, gang: 0, fraction: 0, borrowing: 0 };
    fc.assert(
      fc.property(fc.array(nodeArb, { minLength: 1, maxLength: 6 }), fc.array(opArb, { minLength: 15, maxLength: 40 }), policyArb, (nodes, ops, pol) => {
        for (const d of run(nodes, ops, pol, true)) {
          seen[d.type]++;
          if (d.type === 'bind' && d.placements.length > 1) seen.gang++;
          if (d.type === 'bind' && d.borrowing) seen.borrowing++;
          if (d.type === 'bind' && d.placements[0]!.gpuMilli > 0 && d.placements[0]!.gpuMilli < 1000) seen.fraction++;
        }
      }),
      { numRuns: 100, seed: 7 },
    );
    // The generated cases exercise what the invariants are about.
    expect(seen.bind).toBeGreaterThan(500);
    expect(seen.preempt).toBeGreaterThanOrEqual(5);
    expect(seen.gang).toBeGreaterThan(100);
    expect(seen.fraction).toBeGreaterThan(20);
    expect(seen.borrowing).toBeGreaterThan(10);
  }, 120_000);

  it('is deterministic: the same inputs give the same decisions', () => {
    fc.assert(
      fc.property(fc.array(nodeArb, { minLength: 1, maxLength: 5 }), fc.array(opArb, { minLength: 10, maxLength: 30 }), policyArb, (nodes, ops, pol) => {
        expect(run(nodes, ops, pol, false)).toEqual(run(nodes, ops, pol, false));
      }),
      { numRuns: 60, seed: 11 },
    );
  }, 120_000);
});
