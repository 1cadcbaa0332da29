import type { Table } from 'apache-arrow';
import { InvalidArgumentError } from '@mlops/contracts';
import { createScheduler, type SchedulerPolicy } from './scheduler.js';
import type { WorkloadClass } from './policy-types.js';
import type { TraceJob } from './trace-readers.js';
import { BUNDLED_TRACES, bundledTrace, type BundledTraceName } from './bundled-traces.js';
import type { CohortSpec, NodeEvent, NodePoolSpec, NodeSpec, QueueSpec, ResourceFlavorSpec } from './types.js';
import { toUsageRecordTable } from './usage-records.js';

/** The cluster a trace is replayed on. */
export interface SimulatedCluster {
  /** Nodes present at the start; `nodeEvents` can add, remove or cordon them later. */
  nodes: readonly NodeSpec[];
  /** Queues; any queue named by a job and missing here is created without quota. */
  queues?: readonly QueueSpec[];
  /** Kueue cohorts (see `createScheduler`). */
  cohorts?: readonly CohortSpec[];
  /** Kueue resource flavours (see `createScheduler`). */
  resourceFlavors?: readonly ResourceFlavorSpec[];
  /** Node pools jobs may wait for; add their nodes with `nodeEvents` (`{ type: 'add', node: { ..., pool } }`). */
  nodePools?: readonly NodePoolSpec[];
  /** Reject jobs not started this long after submit (`PENDING_TIMEOUT`). */
  maxPendingMs?: number;
}

/** Progress of a long simulation. */
export interface SimulationProgress {
  /** Simulated time reached, ms. */
  simulatedMs: number;
  /** Jobs finished or rejected. */
  jobsDone: number;
  /** Jobs in the trace. */
  jobsTotal: number;
  /** Wall-clock ms since the start. */
  wallMs: number;
}

/** Options of {@link simulate}. */
export interface SimulateOptions {
  /**
   * Jobs with submit times and real durations, or the name of a trace shipped with the
   * package: `'philly'` or `'alibaba'` (see {@link bundledTrace}).
   */
  trace: readonly TraceJob[] | BundledTraceName;
  /**
   * Nodes and queues. Optional with a bundled trace name: Philly then runs on 60 nodes of
   * 8 GPUs (480 GPUs), Alibaba on the trace's own 1,213 GPU nodes.
   */
  cluster?: SimulatedCluster;
  /** Scheduling policy. */
  policy?: SchedulerPolicy;
  /** Timed cluster events (spot interruptions, node adds/removes), `atMs` required. */
  nodeEvents?: ReadonlyArray<NodeEvent & { atMs: number }>;
  /** Stop at this simulated time, ms (running jobs are cut there). */
  until?: number;
  /** Expected workload mix for fragmentation measures and FGD. Default: learnt from jobs. */
  workload?: readonly WorkloadClass[];
  /** Time between samples of the allocation/fragmentation series, ms. Default: span / 200. */
  sampleIntervalMs?: number;
  /** Build the `UsageRecord` table. Default true. */
  usage?: boolean;
  /** Called about every `progressEvery` finished jobs and at the end. */
  onProgress?: (p: SimulationProgress) => void;
  /** Default 10,000. */
  progressEvery?: number;
  /**
   * What a preemption costs, so policies that preempt (LAS, Tiresias) do not get it free:
   * the preemptor starts `checkpointSeconds` later (its checkpointable victims write their
   * checkpoint on the GPUs first) and a job resuming from a checkpoint spends
   * `restoreSeconds` reloading it before making progress. Default
   * {@link DEFAULT_PREEMPTION_COST} (30 s + 30 s); `false` for free preemption.
   */
  preemptionCost?: false | { checkpointSeconds?: number; restoreSeconds?: number };
  /** Return {@link SimulationResult.perJob}. Default false (82k entries for Philly). */
  perJob?: boolean;
  /**
   * Scale `cluster.nodePools` as a cluster autoscaler would. Up: after each pass, queued work
   * that did not fit asks for pool nodes (`Scheduler.poolDemand`), which join
   * `provisionDelayMs` later (default 120,000). Down: see {@link AutoscalerOptions}.
   */
  autoscaler?: AutoscalerOptions;
}

/**
 * The simulator's cluster autoscaler. Scale-down follows cluster-autoscaler's flags: a pool node
 * that has run nothing for `scaleDownUnneededMs` (`--scale-down-unneeded-time`, default 10 min)
 * is removed, unless its pool is at `minNodes` (the node group's min size) or a scale-up
 * happened less than `scaleDownDelayAfterAddMs` ago (`--scale-down-delay-after-add`, default
 * 10 min; as there, a scale-up in any pool pauses scale-down everywhere), or queued work the
 * last pass could not place could use a node of the pool (`Scheduler.poolsWithBlockedWork`: a
 * gang waiting for more nodes keeps the ones it has; the check repeats after another
 * `scaleDownUnneededMs`). Only empty nodes go:
 * cluster-autoscaler would also drain nodes under `--scale-down-utilization-threshold` by moving
 * their pods, which for GPU jobs means preempting them, so that is not simulated. Nodes without
 * `pool` are never removed. Scale-down acts while the trace still has work (jobs to submit or
 * running, node events); the run ends with the last job, not with the last idle timer.
 */
export interface AutoscalerOptions {
  /** Time from a scale-up decision until the node joins, ms. Default 120,000. */
  provisionDelayMs?: number;
  /** Idle time after which a pool node is removed, ms (`--scale-down-unneeded-time`). Default 600,000; `false`: never scale down. */
  scaleDownUnneededMs?: number | false;
  /** No scale-down for this long after any scale-up, ms (`--scale-down-delay-after-add`). Default 600,000. */
  scaleDownDelayAfterAddMs?: number;
}

/**
 * Default preemption cost: 30 s to write a checkpoint and 30 s to restore it — a round figure
 * for a few-GB model state on network storage. Measure your own and pass `preemptionCost`.
 */
export const DEFAULT_PREEMPTION_COST: Readonly<{ checkpointSeconds: number; restoreSeconds: number }> = Object.freeze({ checkpointSeconds: 30, restoreSeconds: 30 });

/** One job's outcome in {@link SimulationResult.perJob}. */
export interface SimulatedJob {
  /** Job id. */
  id: string;
  /** Submit time, ms. */
  submitMs: number;
  /** First start, ms (NaN if never started). */
  firstStartMs: number;
  /** Finish, ms (NaN if it did not finish). */
  finishMs: number;
  /** Time spent running (holding GPUs, preemption overheads included), ms. */
  runMs: number;
  /** Times preempted or interrupted. */
  preemptions: number;
  /** True when rejected. */
  rejected: boolean;
}

/** Summary of a distribution, ms. */
export interface Distribution {
  /** Arithmetic mean. */
  mean: number;
  /** Median (nearest rank). */
  p50: number;
  /** 99th percentile (nearest rank). */
  p99: number;
  /** Largest value. */
  max: number;
}

/** Per-queue results: finish-time fairness (Themis' rho = time in the shared cluster / run time alone). */
export interface QueueResult {
  /** Queue id. */
  queue: string;
  /** Jobs submitted to the queue. */
  jobs: number;
  /** Jobs that finished. */
  completed: number;
  /** Job completion time, ms. */
  jctMs: Distribution;
  /** Total time not running (JCT - run time) of completed jobs, ms. */
  queueingDelayMs: Distribution;
  /** Mean and max of rho = JCT / real run time (1 = as if alone). */
  finishTimeFairness: { mean: number; max: number };
  /** GPU-hours the queue's jobs held. */
  gpuHours: number;
}

/** Results of {@link simulate}. */
export interface SimulationResult {
  /** Names of the policy parts used. */
  policy: { ordering: string; placement: string; backfill: string; preemption: boolean };
  /** Jobs in the trace. */
  jobs: number;
  /** Jobs that finished. */
  completed: number;
  /** Jobs rejected (never fitting, or past their maxPendingMs). */
  rejected: number;
  /** Jobs neither finished nor rejected when the simulation ended (waiting for capacity, or cut at `until`). */
  unfinished: number;
  /** Nodes the autoscaler added, per pool. */
  scaledUpNodes: Record<string, number>;
  /** Idle pool nodes the autoscaler removed, per pool. */
  scaledDownNodes: Record<string, number>;
  /** Job completion time (finish - submit) of completed jobs. */
  jctMs: Distribution;
  /**
   * Queueing: total time not running (finish - submit - time running, every wait after a
   * preemption included) of completed jobs. JCT = run time + queueing.
   */
  queueingDelayMs: Distribution;
  /** Wait before the first start (first start - submit) of started jobs. */
  firstStartDelayMs: Distribution;
  /** Preemption cost applied (`false` = free preemption). */
  preemptionCost: false | { checkpointSeconds: number; restoreSeconds: number };
  /** Per-job outcomes when `perJob: true`. */
  perJob: SimulatedJob[] | undefined;
  /** Last finish - first submit, ms. */
  makespanMs: number;
  /** Time-weighted mean of allocated GPUs / total GPUs over the makespan. */
  meanAllocationRate: number;
  /** Time-weighted mean of fragmented GPUs (free but unusable by the workload mix), sampled. */
  meanFragmentedGpus: number;
  /** Samples over time. */
  series: Array<{ timeMs: number; allocatedGpus: number; allocationRate: number; fragmentedGpus: number; pendingJobs: number }>;
  /** Preemptions and spot interruptions. */
  preemptions: number;
  /** Results per queue, by queue id. */
  perQueue: QueueResult[];
  /** `UsageRecord` Arrow table of every run of every job (see toUsageRecordTable). */
  usage: Table | undefined;
  /** Scheduling decisions made. */
  decisions: number;
  /** Wall-clock time of the simulation, ms. */
  wallMs: number;
}

/** Summarises values (sorts in place). */
export function distribution(values: Float64Array): Distribution {
  if (values.length === 0) return { mean: 0, p50: 0, p99: 0, max: 0 };
  values.sort();
  let s = 0;
  for (const v of values) s += v;
  const q = (p: number): number => values[Math.min(values.length - 1, Math.max(0, Math.ceil(p * values.length) - 1))]!;
  return { mean: s / values.length, p50: q(0.5), p99: q(0.99), max: values[values.length - 1]! };
}

/** Min-heap of (time, seq) -> job index for completions. */
class EventHeap {
  private t: number[] = [];
  private j: number[] = [];
  private e: number[] = [];
  get size(): number {
    return this.t.length;
  }
  peekTime(): number {
    return this.t[0] ?? Number.POSITIVE_INFINITY;
  }
  push(time: number, job: number, epoch: number): void {
    const { t, j, e } = this;
    let i = t.length;
    t.push(time);
    j.push(job);
    e.push(epoch);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (t[p]! < time || (t[p] === time && j[p]! <= job)) break;
      t[i] = t[p]!;
      j[i] = j[p]!;
      e[i] = e[p]!;
      i = p;
    }
    t[i] = time;
    j[i] = job;
    e[i] = epoch;
  }
  pop(): [number, number, number] {
    const { t, j, e } = this;
    const top: [number, number, number] = [t[0]!, j[0]!, e[0]!];
    const lt = t.pop()!;
    const lj = j.pop()!;
    const le = e.pop()!;
    const n = t.length;
    if (n > 0) {
      let i = 0;
      while (true) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && (t[r]! < t[l]! || (t[r] === t[l] && j[r]! < j[l]!)) ? r : l;
        if (t[c]! > lt || (t[c] === lt && j[c]! >= lj)) break;
        t[i] = t[c]!;
        j[i] = j[c]!;
        e[i] = e[c]!;
        i = c;
      }
      t[i] = lt;
      j[i] = lj;
      e[i] = le;
    }
    return top;
  }
}

/**
 * Replays a trace through the scheduler in simulated time: jobs arrive at their submit
 * times, run for their real duration once bound (minus checkpointed progress after a
 * preemption), and free their GPUs when done. Event-driven: the scheduler runs once per
 * distinct event time, so an 80,000-job trace takes seconds.
 */
export function simulate(options: SimulateOptions): SimulationResult {
  const wallStart = performance.now();
  let trace: readonly TraceJob[];
  let cluster = options.cluster;
  if (typeof options.trace === 'string') {
    if (!(BUNDLED_TRACES as readonly string[]).includes(options.trace)) {
      throw new InvalidArgumentError(
        `simulate: unknown trace name ${JSON.stringify(options.trace)}; expected ${BUNDLED_TRACES.map((n) => `'${n}'`).join(' or ')}, or an array of TraceJob (read a file with readPhillyTrace / readAlibabaPods).`,
      );
    }
    const bundled = bundledTrace(options.trace);
    trace = bundled.jobs;
    cluster ??= { nodes: bundled.nodes };
  } else if (Array.isArray(options.trace)) trace = options.trace;
  else throw new InvalidArgumentError('simulate: `trace` must be an array of TraceJob or a bundled trace name (\'philly\', \'alibaba\'); read a file with readPhillyTrace or readAlibabaPods.');
  if (!cluster || !Array.isArray(cluster.nodes) || (cluster.nodes.length === 0 && (cluster.nodePools ?? []).length === 0)) {
    throw new InvalidArgumentError('simulate: `cluster.nodes` must be a non-empty array of NodeSpec, or declare nodePools to start from zero (optional only with a bundled trace name).');
  }
  let cost: SimulationResult['preemptionCost'] = { ...DEFAULT_PREEMPTION_COST };
  if (options.preemptionCost === false) cost = false;
  else if (options.preemptionCost !== undefined) {
    const c = { checkpointSeconds: options.preemptionCost.checkpointSeconds ?? DEFAULT_PREEMPTION_COST.checkpointSeconds, restoreSeconds: options.preemptionCost.restoreSeconds ?? DEFAULT_PREEMPTION_COST.restoreSeconds };
    if (!(c.checkpointSeconds >= 0 && c.restoreSeconds >= 0 && Number.isFinite(c.checkpointSeconds + c.restoreSeconds))) {
      throw new InvalidArgumentError(`simulate: preemptionCost seconds must be finite and >= 0; found ${JSON.stringify(options.preemptionCost)}. Pass false for free preemption.`);
    }
    cost = c;
  }
  const checkpointMs = cost === false ? 0 : cost.checkpointSeconds * 1000;
  const restoreMs = cost === false ? 0 : cost.restoreSeconds * 1000;
  const order = Array.from(trace.keys()).sort((a, b) => trace[a]!.submitMs - trace[b]!.submitMs || a - b);
  const queueIds = new Set((cluster.queues ?? []).map((q) => q.id));
  const queues: QueueSpec[] = [...(cluster.queues ?? [])];
  for (const j of trace) {
    const q = j.queue ?? 'default';
    if (!queueIds.has(q)) {
      queueIds.add(q);
      queues.push({ id: q });
    }
  }
  let t = trace.length > 0 ? trace[order[0]!]!.submitMs : 0;
  const sched = createScheduler({
    nodes: cluster.nodes,
    queues,
    ...(cluster.cohorts ? { cohorts: cluster.cohorts } : {}),
    ...(cluster.resourceFlavors ? { resourceFlavors: cluster.resourceFlavors } : {}),
    ...(cluster.nodePools ? { nodePools: cluster.nodePools } : {}),
    ...(cluster.maxPendingMs !== undefined ? { maxPendingMs: cluster.maxPendingMs } : {}),
    ...(options.policy ? { policy: options.policy } : {}),
    ...(options.workload ? { workload: options.workload } : {}),
    clock: () => t,
  });
  const index = new Map<string, number>();
  trace.forEach((j, i) => index.set(j.id, i));
  const n = trace.length;
  const firstStart = new Float64Array(n).fill(Number.NaN);
  const finish = new Float64Array(n).fill(Number.NaN);
  const progress = new Float64Array(n);
  const runStart = new Float64Array(n);
  const runTotal = new Float64Array(n);
  const overhead = new Float64Array(n);
  const preempted = new Int32Array(n);
  const epoch = new Int32Array(n);
  const rejected = new Uint8Array(n);
  const heap = new EventHeap();
  const events = [...(options.nodeEvents ?? [])].sort((a, b) => a.atMs - b.atMs);
  const provisionDelay = options.autoscaler?.provisionDelayMs ?? 120_000;
  const unneededMs = options.autoscaler ? (options.autoscaler.scaleDownUnneededMs ?? 600_000) : false;
  const delayAfterAdd = options.autoscaler?.scaleDownDelayAfterAddMs ?? 600_000;
  for (const [name, v] of [['provisionDelayMs', provisionDelay], ['scaleDownDelayAfterAddMs', delayAfterAdd], ['scaleDownUnneededMs', unneededMs === false ? 1 : unneededMs]] as const) {
    if (!(Number.isFinite(v) && v >= 0) || (name === 'scaleDownUnneededMs' && v === 0)) {
      throw new InvalidArgumentError(`simulate: autoscaler.${name} must be a finite number of ms${name === 'scaleDownUnneededMs' ? ' > 0 (or false to never scale down)' : ' >= 0'}; found ${JSON.stringify(name === 'scaleDownUnneededMs' ? options.autoscaler?.scaleDownUnneededMs : v)}.`);
    }
  }
  const inflight = new Map<string, number>();
  const scaledUp: Record<string, number> = {};
  const scaledDown: Record<string, number> = {};
  const poolSpecs = new Map((cluster.nodePools ?? []).map((p) => [p.id, p]));
  if (options.autoscaler && poolSpecs.size === 0) throw new InvalidArgumentError('simulate: autoscaler needs cluster.nodePools to scale.');
  /** Idle tracking costs a little per bind: only when the autoscaler may scale down. */
  const tracksIdle = unneededMs !== false && poolSpecs.size > 0;
  /** Scale-down bookkeeping: pool of each present pool node, nodes per pool, jobs per node. */
  const poolOf = new Map<string, string>();
  const poolSize = new Map<string, number>();
  const jobsOnNode = new Map<string, number>();
  const nodesOfJob = new Map<number, string[]>();
  const idleSince = new Map<string, number>();
  /** Pending scale-down checks, sorted by time (few: one per node going idle). */
  const checks: Array<{ atMs: number; nodeId: string }> = [];
  let lastScaleUpMs = Number.NEGATIVE_INFINITY;
  const addCheck = (atMs: number, nodeId: string): void => {
    let k = checks.length;
    while (k > 0 && checks[k - 1]!.atMs > atMs) k--;
    checks.splice(k, 0, { atMs, nodeId });
  };
  /** A pool node is empty from `at`: it may go after `scaleDownUnneededMs`. */
  const nodeIdle = (nodeId: string, at: number): void => {
    if (unneededMs === false || !poolOf.has(nodeId)) return;
    idleSince.set(nodeId, at);
    addCheck(at + unneededMs, nodeId);
  };
  const nodeJoined = (nodeId: string, pool: string | undefined, at: number): void => {
    if (pool === undefined) return;
    poolOf.set(nodeId, pool);
    poolSize.set(pool, (poolSize.get(pool) ?? 0) + 1);
    nodeIdle(nodeId, at);
  };
  const nodeLeft = (nodeId: string): void => {
    const pool = poolOf.get(nodeId);
    if (pool === undefined) return;
    poolOf.delete(nodeId);
    idleSince.delete(nodeId);
    jobsOnNode.delete(nodeId);
    poolSize.set(pool, poolSize.get(pool)! - 1);
  };
  /** Job `i` stopped holding its nodes (finished, preempted, requeued). */
  const releaseNodes = (i: number): void => {
    const ids = nodesOfJob.get(i);
    if (!ids) return;
    nodesOfJob.delete(i);
    for (const id of ids) {
      const left = (jobsOnNode.get(id) ?? 0) - 1;
      if (left > 0) jobsOnNode.set(id, left);
      else if (poolOf.has(id)) {
        jobsOnNode.delete(id);
        nodeIdle(id, t);
      }
    }
  };
  for (const node of cluster.nodes) nodeJoined(node.id, node.pool, t);
  /** Keeps node events sorted when the autoscaler adds one (events before `ei` are done). */
  const addEvent = (ev: NodeEvent & { atMs: number }): void => {
    let k = events.length;
    while (k > ei && events[k - 1]!.atMs > ev.atMs) k--;
    events.splice(k, 0, ev);
  };
  const until = options.until ?? Number.POSITIVE_INFINITY;
  const totalGpus = sched.stats().totalGpus;
  const firstSubmit = t;
  const lastSubmit = n > 0 ? trace[order[n - 1]!]!.submitMs : t;
  const sampleEvery = options.sampleIntervalMs ?? Math.max(1, (lastSubmit - firstSubmit) / 200);
  const series: SimulationResult['series'] = [];
  let nextSample = firstSubmit;
  let allocIntegral = 0;
  let fragIntegral = 0;
  let lastT = t;
  let lastAlloc = 0;
  let lastFrag = 0;
  let decisions = 0;
  let done = 0;
  let si = 0;
  let ei = 0;
  const progressEvery = options.progressEvery ?? 10_000;
  let nextProgress = progressEvery;

  /** A running job stopped (preempted or its node lost): keep checkpointed progress. */
  function stopRun(i: number): void {
    releaseNodes(i);
    epoch[i]!++;
    preempted[i]!++;
    const ran = t - runStart[i]!;
    runTotal[i]! += ran;
    progress[i] = trace[i]!.checkpointable ? progress[i]! + Math.max(0, ran - overhead[i]!) : 0;
    overhead[i] = 0;
  }

  const report = (): void =>
    options.onProgress?.({ simulatedMs: t, jobsDone: done, jobsTotal: n, wallMs: performance.now() - wallStart });

  while (si < n || heap.size > 0 || ei < events.length) {
    const nextSubmit = si < n ? trace[order[si]!]!.submitMs : Number.POSITIVE_INFINITY;
    const nextEvent = ei < events.length ? events[ei]!.atMs : Number.POSITIVE_INFINITY;
    const nextCheck = checks.length > 0 ? checks[0]!.atMs : Number.POSITIVE_INFINITY;
    const next = Math.min(nextSubmit, heap.peekTime(), nextEvent, sched.nextTimerMs() ?? Number.POSITIVE_INFINITY, nextCheck);
    if (!Number.isFinite(next) || next > until) break;
    // Time-weighted integrals use the state that held since the previous event.
    allocIntegral += lastAlloc * (next - lastT);
    fragIntegral += lastFrag * (next - lastT);
    lastT = next;
    t = next;
    while (ei < events.length && events[ei]!.atMs === t) {
      const ev = events[ei++]!;
      if (ev.type === 'add' && ev.node.pool !== undefined && inflight.has(ev.node.pool)) inflight.set(ev.node.pool, inflight.get(ev.node.pool)! - 1);
      const res = sched.nodeEvent(ev);
      for (const id of res.requeuedJobIds) {
        const i = index.get(id);
        if (i === undefined) continue;
        stopRun(i);
      }
      if (ev.type === 'add') nodeJoined(ev.node.id, ev.node.pool, t);
      else if (ev.type === 'remove' || ev.type === 'spot-interruption') nodeLeft(ev.nodeId);
    }
    while (heap.size > 0 && heap.peekTime() === t) {
      const [, i, e] = heap.pop();
      if (e !== epoch[i]) continue;
      sched.complete(trace[i]!.id, t);
      releaseNodes(i);
      finish[i] = t;
      runTotal[i]! += t - runStart[i]!;
      done++;
    }
    while (si < n && trace[order[si]!]!.submitMs === t) {
      const i = order[si++]!;
      const r = sched.submit(trace[i]!, t);
      if (r.status === 'rejected') {
        rejected[i] = 1;
        done++;
      }
    }
    const ds = sched.schedule(t);
    decisions += ds.length;
    const waitsForCheckpoint = new Set<string>();
    for (const d of ds) {
      const i = index.get(d.jobId);
      if (i === undefined) continue;
      if (d.type === 'bind') {
        if (Number.isNaN(firstStart[i]!)) firstStart[i] = t;
        runStart[i] = t;
        // Overheads hold the GPUs without progress: waiting for victims' checkpoints, and
        // reloading our own checkpoint when resuming.
        overhead[i] = (waitsForCheckpoint.has(d.jobId) ? checkpointMs : 0) + (trace[i]!.checkpointable && progress[i]! > 0 ? restoreMs : 0);
        const remaining = Math.max(0, trace[i]!.durationMs - progress[i]!) + overhead[i]!;
        heap.push(t + remaining, i, ++epoch[i]!);
        if (tracksIdle) {
          const ids = [...new Set(d.placements.map((pl) => pl.nodeId))];
          nodesOfJob.set(i, ids);
          for (const id of ids) {
            jobsOnNode.set(id, (jobsOnNode.get(id) ?? 0) + 1);
            idleSince.delete(id);
          }
        }
      } else if (d.type === 'preempt') {
        stopRun(i);
        if (trace[i]!.checkpointable) waitsForCheckpoint.add(d.forJobId);
      } else {
        rejected[i] = 1;
        done++;
      }
    }
    if (options.autoscaler && sched.stats().pendingJobs > 0) {
      for (const { pool, nodes: wanted } of sched.poolDemand()) {
        const add = wanted - (inflight.get(pool) ?? 0);
        for (let k = 0; k < add; k++) {
          const id = `${pool}-${(scaledUp[pool] = (scaledUp[pool] ?? 0) + 1)}`;
          addEvent({ type: 'add', node: { ...poolSpecs.get(pool)!.node, id, pool }, atMs: t + provisionDelay });
          inflight.set(pool, (inflight.get(pool) ?? 0) + 1);
          lastScaleUpMs = t;
        }
      }
    }
    // Scale-down: pool nodes idle for scaleDownUnneededMs, after this pass had its chance to use them.
    const keep = checks.length > 0 && checks[0]!.atMs <= t && sched.stats().pendingJobs > 0 ? new Set(sched.poolsWithBlockedWork()) : undefined;
    while (checks.length > 0 && checks[0]!.atMs <= t) {
      const { nodeId } = checks.shift()!;
      const since = idleSince.get(nodeId);
      if (since === undefined || unneededMs === false || since + unneededMs > t) continue; // busy, gone, or idle again later (a newer check)
      if (t < lastScaleUpMs + delayAfterAdd) {
        addCheck(lastScaleUpMs + delayAfterAdd, nodeId);
        continue;
      }
      const pool = poolOf.get(nodeId)!;
      if (poolSize.get(pool)! <= (poolSpecs.get(pool)?.minNodes ?? 0)) continue;
      if (keep?.has(pool)) {
        addCheck(t + unneededMs, nodeId); // queued work may still use it: look again later
        continue;
      }
      sched.nodeEvent({ type: 'remove', nodeId, atMs: t });
      nodeLeft(nodeId);
      scaledDown[pool] = (scaledDown[pool] ?? 0) + 1;
    }
    const stats = sched.stats();
    lastAlloc = stats.allocatedGpus;
    if (t >= nextSample) {
      lastFrag = sched.fragmentedGpus();
      series.push({ timeMs: t, allocatedGpus: stats.allocatedGpus, allocationRate: totalGpus > 0 ? stats.allocatedGpus / totalGpus : 0, fragmentedGpus: lastFrag, pendingJobs: stats.pendingJobs });
      nextSample = t + sampleEvery;
    }
    if (done >= nextProgress) {
      report();
      nextProgress = done + progressEvery;
    }
  }
  const endT = Number.isFinite(until) && until > t ? until : t;
  allocIntegral += lastAlloc * (endT - lastT);
  fragIntegral += lastFrag * (endT - lastT);
  report();

  const jct: number[] = [];
  const wait: number[] = [];
  const firstWait: number[] = [];
  const perQueue = new Map<string, { jct: number[]; wait: number[]; rho: number[]; jobs: number; gpuMs: number }>();
  let lastFinish = firstSubmit;
  for (let i = 0; i < n; i++) {
    const job = trace[i]!;
    const qid = job.queue ?? 'default';
    let pq = perQueue.get(qid);
    if (!pq) {
      pq = { jct: [], wait: [], rho: [], jobs: 0, gpuMs: 0 };
      perQueue.set(qid, pq);
    }
    pq.jobs++;
    if (!Number.isNaN(firstStart[i]!)) firstWait.push(firstStart[i]! - job.submitMs);
    if (!Number.isNaN(finish[i]!)) {
      const c = finish[i]! - job.submitMs;
      jct.push(c);
      pq.jct.push(c);
      wait.push(c - runTotal[i]!);
      pq.wait.push(c - runTotal[i]!);
      pq.rho.push(job.durationMs > 0 ? c / job.durationMs : 1);
      if (finish[i]! > lastFinish) lastFinish = finish[i]!;
    }
  }
  const usageIntervals = sched.usage({ nowMs: endT });
  for (const u of usageIntervals) {
    const pq = perQueue.get(u.queue);
    if (pq) pq.gpuMs += u.gpus * (u.endMs - u.startMs);
  }
  const span = endT - firstSubmit;
  const result: SimulationResult = {
    policy: sched.policyNames,
    jobs: n,
    completed: jct.length,
    rejected: rejected.reduce((a, b) => a + b, 0),
    unfinished: 0,
    scaledUpNodes: scaledUp,
    scaledDownNodes: scaledDown,
    jctMs: distribution(Float64Array.from(jct)),
    queueingDelayMs: distribution(Float64Array.from(wait)),
    firstStartDelayMs: distribution(Float64Array.from(firstWait)),
    preemptionCost: cost,
    perJob: options.perJob
      ? trace.map((j, i) => ({ id: j.id, submitMs: j.submitMs, firstStartMs: firstStart[i]!, finishMs: finish[i]!, runMs: runTotal[i]!, preemptions: preempted[i]!, rejected: rejected[i] === 1 }))
      : undefined,
    makespanMs: lastFinish - firstSubmit,
    meanAllocationRate: span > 0 && totalGpus > 0 ? allocIntegral / span / totalGpus : 0,
    meanFragmentedGpus: span > 0 ? fragIntegral / span : 0,
    series,
    preemptions: sched.stats().preemptions,
    perQueue: [...perQueue.entries()]
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .map(([queue, pq]) => {
        const rho = distribution(Float64Array.from(pq.rho));
        return {
          queue,
          jobs: pq.jobs,
          completed: pq.jct.length,
          jctMs: distribution(Float64Array.from(pq.jct)),
          queueingDelayMs: distribution(Float64Array.from(pq.wait)),
          finishTimeFairness: { mean: rho.mean, max: rho.max },
          gpuHours: pq.gpuMs / 3_600_000,
        };
      }),
    usage: options.usage === false ? undefined : toUsageRecordTable(usageIntervals),
    decisions,
    wallMs: 0,
  };
  result.unfinished = n - result.completed - result.rejected;
  result.wallMs = performance.now() - wallStart;
  return result;
}
