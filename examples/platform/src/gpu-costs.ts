import { aggregateCosts, attributeCosts, renderCostTable, samplePriceCatalog } from '@mlops/cost';
import type { AssetSpec } from '@mlops/cost';
import { createScheduler, fifoOrdering, toUsageRecordTable } from '@mlops/gpu-scheduler';
import type { NodeSpec } from '@mlops/gpu-scheduler';
import { readFloat64Column, toStringArray, usageRecordContract, validateTable } from '@mlops/contracts';

/** One team's share of the simulated cluster's cost. */
export interface TeamCost {
  /** `label_team` value (`__idle__` for capacity nobody held). */
  team: string;
  /** Cost in USD, from integer micro-dollars. */
  costUsd: number;
  /** Integer micro-dollars, the unit cost sums in exactly. */
  costMicros: number;
  /** GPU-hours held. */
  gpuHours: number;
}

/** What the GPU-cost step produced. */
export interface GpuCostResult {
  /** Scheduler decisions in order, `bind job -> nodes` or `preempt job`. */
  decisions: string[];
  /** Rows of the UsageRecord table the scheduler emitted. */
  usageRows: number;
  /** Per-team costs, most expensive first (idle included, so they add up to the total). */
  teams: TeamCost[];
  /** Sum of every row of the cost table, micro-dollars. */
  totalMicros: number;
  /** What the nodes cost for the window from the price catalog alone (hourly price × hours). */
  expectedNodeMicros: number;
  /** A printable per-team table from @mlops/cost. */
  table: string;
}

const HOUR_MS = 3_600_000;

const NODES: NodeSpec[] = [
  { id: 'a100-1', gpuModel: 'A100', gpuCount: 8, instanceType: 'p4d.24xlarge', region: 'us-east-1', topologyDomain: 'rack-1' },
  { id: 'a100-2', gpuModel: 'A100', gpuCount: 8, instanceType: 'p4d.24xlarge', region: 'us-east-1', topologyDomain: 'rack-1' },
  { id: 'a10g-1', gpuModel: 'A10G', gpuCount: 4, instanceType: 'g5.12xlarge', region: 'us-east-1', topologyDomain: 'rack-2' },
];

/**
 * Runs a few GPU jobs of three teams through the scheduler over three hours (a gang job, a
 * preemption by a higher-priority job, a fractional GPU), then prices the usage it emitted
 * with @mlops/cost and sums it per team.
 */
export function simulateGpuCosts(startMs: number): GpuCostResult {
  const scheduler = createScheduler({
    nodes: NODES,
    queues: [
      { id: 'search', cohort: 'ml', nominalGpus: { A100: 8, A10G: 2 } },
      { id: 'ads', cohort: 'ml', nominalGpus: { A100: 8, A10G: 2 } },
      { id: 'fraud', cohort: 'ml', nominalGpus: { A10G: 0 } },
    ],
    policy: { ordering: fifoOrdering(), preemption: true },
  });
  const decisions: string[] = [];
  const run = (atMs: number) => {
    for (const d of scheduler.schedule(atMs)) {
      decisions.push(d.type === 'bind' ? `bind ${d.jobId} -> ${d.placements.map((p) => p.nodeId).join(',')}` : `${d.type} ${d.jobId}`);
    }
  };
  const at = (minutes: number) => startMs + minutes * 60_000;

  // 10:00 search fine-tunes on both A100 nodes (a gang of 2 x 8 GPUs, borrowing ads' idle quota).
  scheduler.submit({ id: 'search-finetune', queue: 'search', workers: 2, gpusPerWorker: 8, gpuModels: ['A100'], checkpointable: true }, at(0));
  scheduler.submit({ id: 'fraud-retrain', queue: 'fraud', gpusPerWorker: 1, gpuModels: ['A10G'], labels: { model: 'fraud' } }, at(0));
  scheduler.submit({ id: 'ads-notebook', queue: 'ads', gpuMilli: 500, gpuModels: ['A10G'] }, at(0));
  run(at(0));
  // 10:45 ads reclaims its nominal A100 quota: the borrowed gang is preempted.
  scheduler.submit({ id: 'ads-ctr-train', queue: 'ads', gpusPerWorker: 8, gpuModels: ['A100'], priority: 10 }, at(45));
  run(at(45));
  // 11:00 the fraud retrain finishes; search resubmits a smaller job onto the node ads left free.
  scheduler.complete('fraud-retrain', at(60));
  scheduler.submit({ id: 'search-eval', queue: 'search', gpusPerWorker: 4, gpuModels: ['A100'] }, at(60));
  run(at(60));
  // 12:30 ads' training ends; the rest runs to the end of the window (13:00).
  scheduler.complete('ads-ctr-train', at(150));
  run(at(150));

  const endMs = startMs + 3 * HOUR_MS;
  const usage = validateTable(toUsageRecordTable(scheduler.usage({ nowMs: endMs })), usageRecordContract);
  // Assets make the whole window billable: a node costs the same whether or not anything ran on it.
  const assets: AssetSpec[] = NODES.map((n) => ({ node: n.id, instanceType: n.instanceType ?? null, region: n.region ?? null, start: startMs, end: endMs }));
  const prices = samplePriceCatalog();
  // The scheduler emits GPU usage only; sharing idle per node charges each node's CPU, memory and
  // unheld GPUs to the teams that ran on it, so the teams carry 100% of the bill.
  const costs = attributeCosts({ usage, prices, assets, window: { step: 'hour', start: startMs, end: endMs }, idle: { mode: 'share', level: 'node' } });

  const byTeam = aggregateCosts(costs, { groupBy: ['team'] });
  const teamNames = toStringArray(byTeam.getChild('team')!, 'team');
  const teamMicros = readFloat64Column(byTeam, 'total_micros');
  const teamGpuHours = readFloat64Column(byTeam, 'gpu_hours');
  const teams: TeamCost[] = teamNames.map((team, i) => ({
    team: team ?? '(none)',
    costMicros: teamMicros[i]!,
    costUsd: teamMicros[i]! / 1e6,
    gpuHours: teamGpuHours[i]!,
  }));
  teams.sort((a, b) => b.costMicros - a.costMicros);

  const rowMicros = readFloat64Column(costs, 'total_micros');
  let totalMicros = 0;
  for (let i = 0; i < rowMicros.length; i++) totalMicros += rowMicros[i]!;

  // Independent check: the catalog's hourly price, rounded once per node-hour as @mlops/cost documents.
  let expectedNodeMicros = 0;
  for (const n of NODES) {
    const entry = prices.entries.find((e) => e.instanceType === n.instanceType && e.region === n.region);
    if (!entry) throw new Error(`The sample price catalog has no ${n.instanceType} in ${n.region}.`);
    if (entry.price === null) throw new Error(`The sample price catalog has no on-demand price for ${n.instanceType}.`);
    expectedNodeMicros += 3 * Math.round(entry.price * 1e6);
  }

  return { decisions, usageRows: usage.numRows, teams, totalMicros, expectedNodeMicros, table: renderCostTable(costs, { groupBy: 'team' }) };
}
