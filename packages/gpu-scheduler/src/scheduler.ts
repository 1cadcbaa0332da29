import { InvalidArgumentError, MlopsError, ErrorCode, NotFoundError } from '@mlops/contracts';
import { ClusterState, GPU_MILLI_FULL, type NodeRecord, type WorkerRequest } from './cluster-state.js';
import { clusterFragmentationGpus } from './fragmentation.js';
import { priorityOrdering } from './ordering-policies.js';
import { Bucket, BucketHeap } from './pending-queue.js';
import { bestFitPlacement, costAwarePlacement } from './placement-policies.js';
import type { JobView, OrderingPolicy, PlacementContext, PlacementPolicy, QueueView, WorkloadClass } from './policy-types.js';
import { QuotaBook, type Charges, type QueueRecord } from './quota-book.js';
import type {
  Decision,
  JobSpec,
  JobStatus,
  NodeEvent,
  NodeEventResult,
  NodePoolSpec,
  NodeSpec,
  CohortSpec,
  QueueSpec,
  ResourceFlavorSpec,
  RejectCode,
  SchedulerSnapshot,
  SubmitResult,
  WorkerPlacement,
} from './types.js';
import type { UsageInterval } from './usage-records.js';
import type { JobRecord } from './job-record.js';
import { reserve, type Reservation } from './backfill-reservation.js';
import { validateJob, validateNode, validateQueue } from './validate.js';
import { TimerHeap } from './timer-heap.js';
import { createPreemptor, type VictimPool } from './preemption.js';

/** Preemption settings. */
export interface PreemptionOptions {
  /** Preempt lower-ranked running jobs (by the ordering policy's `preemptionRank`, default priority). Default true. */
  byPriority?: boolean;
  /** `cluster`: victims may be in any queue; `queue`: only in the preemptor's own queue (Kueue `withinClusterQueue`). Default `cluster`. */
  priorityScope?: 'cluster' | 'queue';
  /** Reclaim quota lent to other queues of the cohort (victims borrowing, preemptor within nominal). Default true. */
  reclaimWithinCohort?: boolean;
  /** At most this many preemption attempts per `schedule` call (bounds the cost of a pass). Default 8. */
  maxAttemptsPerPass?: number;
}

/** Scheduling policy: each part is a small pluggable object. */
export interface SchedulerPolicy {
  /** Which queued job goes next. Default {@link priorityOrdering}. */
  ordering?: OrderingPolicy;
  /** Where a worker goes. Default best-fit. */
  placement?: PlacementPolicy;
  /** Preemption; `false` or omitted disables it, `true` enables the defaults. */
  preemption?: boolean | PreemptionOptions;
  /**
   * What happens when the next job does not fit: `none` stops the pass (strict order, Kueue
   * StrictFIFO); `best-effort` skips it and tries the others (Kueue BestEffortFIFO); `easy`
   * reserves capacity for the first blocked job at the earliest time running jobs' estimates
   * free it, and lets later jobs run only when they do not delay that reservation (EASY
   * backfill). Default `best-effort`.
   */
  backfill?: 'none' | 'best-effort' | 'easy';
  /**
   * Gangs: `prefer` tries one node, then one topology domain, then anywhere;
   * `require-domain` never spreads a gang across domains; `ignore` places worker by worker.
   * Default `prefer`.
   */
  gangTopology?: 'prefer' | 'require-domain' | 'ignore';
}

/** Options of {@link createScheduler}. */
export interface SchedulerOptions {
  /** Initial nodes. */
  nodes?: readonly NodeSpec[];
  /** Queues (Kueue ClusterQueues). A `default` queue without quota is created when missing. */
  queues?: readonly QueueSpec[];
  /** Kueue Cohorts: hierarchy (`parentName`) and extra shared quota. Cohorts named only by queues are roots without quota. */
  cohorts?: readonly CohortSpec[];
  /** Kueue ResourceFlavors: which nodes (by labels) a flavour name in `resourceGroups` stands for. */
  resourceFlavors?: readonly ResourceFlavorSpec[];
  /** Policy parts. */
  policy?: SchedulerPolicy;
  /** Expected workload mix for fragmentation-aware placement. Default: learnt from submitted jobs. */
  workload?: readonly WorkloadClass[];
  /** Classes kept in the learnt workload mix (most frequent first). Default 24. */
  maxWorkloadClasses?: number;
  /** Time source for calls made without an explicit time, ms. Default `Date.now`. */
  clock?: () => number;
  /**
   * Node pools the cluster can scale. A job that no present node can hold but a pool's nodes
   * could waits for them (scale from zero) instead of being rejected; rejection happens only
   * when neither present nodes nor any pool could ever hold it.
   */
  nodePools?: readonly NodePoolSpec[];
  /**
   * Default for {@link JobSpec.maxPendingMs}: reject a job not started this long after submit
   * (`PENDING_TIMEOUT`). Default: wait forever (a removed node's capacity may come back).
   */
  maxPendingMs?: number;
}

/** Counters of a scheduler, cheap to read. */
export interface SchedulerStats {
  /** GPUs in the cluster. */
  totalGpus: number;
  /** GPUs allocated (fractions count). */
  allocatedGpus: number;
  /** Jobs waiting. */
  pendingJobs: number;
  /** Jobs running. */
  runningJobs: number;
  /** Preemptions and interruptions so far. */
  preemptions: number;
}

/** The scheduler: feed it jobs and cluster events, call `schedule` to get decisions. */
export interface Scheduler {
  /** Policy names, for reports. */
  readonly policyNames: { ordering: string; placement: string; backfill: string; preemption: boolean };
  /** Queues a job, or rejects it when it can never fit this cluster or its queue's quota ceiling. */
  submit(job: JobSpec, nowMs?: number): SubmitResult;
  /** Removes a queued or running job (running jobs release their resources). Throws NOT_FOUND for an unknown id. */
  cancel(jobId: string, nowMs?: number): void;
  /** Marks a running job finished and releases its resources. */
  complete(jobId: string, nowMs?: number): void;
  /** Adds, removes, cordons or uncordons a node, or reports a spot interruption. */
  nodeEvent(event: NodeEvent): NodeEventResult;
  /** Places what can be placed now; returns bind / preempt / reject decisions in order. */
  schedule(nowMs?: number): Decision[];
  /** A consistent plain-data view of nodes, queues and jobs. */
  snapshot(nowMs?: number): SchedulerSnapshot;
  /** One job's status, or undefined. */
  job(jobId: string): JobStatus | undefined;
  /** Counters (O(1)). */
  stats(): SchedulerStats;
  /**
   * Usage intervals (one per job worker per run). Closed intervals always; with `nowMs`, also
   * the open intervals of running jobs, cut at `nowMs`. Pass to `toUsageRecordTable`.
   */
  usage(options?: { nowMs?: number; clear?: boolean }): UsageInterval[];
  /**
   * Free GPUs that the expected workload could not use (FGD's fragmentation measure), in GPUs.
   * Uses `workload` when given, else the scheduler's workload mix.
   */
  fragmentedGpus(workload?: readonly WorkloadClass[]): number;
  /**
   * Can the job described fit on this node right now, capacity and queue quota (for the
   * Kubernetes extender's filter)? With `without`, as if those running jobs were gone (the
   * extender's preempt verb).
   */
  fitsOnNode(job: JobSpec, nodeId: string, options?: { without?: readonly string[] }): { fits: boolean; reason: string; unresolvable: boolean };
  /** Placement score of one worker of `job` on each listed node, 0..1 (1 = best). */
  scoreNodes(job: JobSpec, nodeIds: readonly string[]): Map<string, number>;
  /** True when a node with this id is part of the cluster. */
  hasNode(nodeId: string): boolean;
  /** True when a queue with this id exists. */
  hasQueue(queueId: string): boolean;
  /**
   * The next time something timed can change decisions — a running job crossing a Tiresias
   * demotion threshold, a starving job's promotion, a `maxPendingMs` deadline — or undefined.
   * Call `schedule` at that time (the simulator does).
   */
  nextTimerMs(nowMs?: number): number | undefined;
  /**
   * Scale-up demand, as a cluster autoscaler sees it: for the queued work that the last
   * `schedule` pass could not place, how many more nodes of each node pool would hold it
   * (first pool in declared order whose nodes fit the shape; capped at `maxNodes`).
   */
  poolDemand(): Array<{ pool: string; nodes: number }>;
  /**
   * Node pools whose node shape could hold a worker of the queued work the last `schedule`
   * pass could not place (whatever `maxNodes` allows). An autoscaler should not remove idle
   * nodes of these pools: a gang waiting for more nodes still needs the ones it has.
   */
  poolsWithBlockedWork(): string[];
  /** Records that a worker of `jobId` was bound to `nodeId` by an outside scheduler (Kubernetes). */
  bindExternal(job: JobSpec, nodeId: string, nowMs?: number): void;
}

const FULL = GPU_MILLI_FULL;

/**
 * Creates a GPU scheduler. Deterministic: the same calls in the same order give the same
 * decisions. Jobs wait in per-shape buckets and capacity is indexed per GPU model and free
 * GPU count, so a decision touches only the buckets and nodes that matter.
 */
export function createScheduler(options: SchedulerOptions = {}): Scheduler {
  const clock = options.clock ?? Date.now;
  const policy = options.policy ?? {};
  const ordering = policy.ordering ?? priorityOrdering();
  const basePlacement = policy.placement ?? bestFitPlacement();
  const cheapPlacement = costAwarePlacement();
  const backfill = policy.backfill ?? 'best-effort';
  if (backfill !== 'none' && backfill !== 'best-effort' && backfill !== 'easy') {
    throw new InvalidArgumentError(`policy.backfill must be 'none', 'best-effort' or 'easy'; found ${JSON.stringify(backfill)}.`);
  }
  const gangTopology = policy.gangTopology ?? 'prefer';
  const preemptionOn = policy.preemption !== undefined && policy.preemption !== false;
  const preemptOpts: PreemptionOptions = typeof policy.preemption === 'object' ? policy.preemption : {};
  const byPriority = preemptOpts.byPriority ?? true;
  const priorityScope = preemptOpts.priorityScope ?? 'cluster';
  const reclaim = preemptOpts.reclaimWithinCohort ?? true;
  const maxPreemptAttempts = preemptOpts.maxAttemptsPerPass ?? 8;
  const maxClasses = options.maxWorkloadClasses ?? 24;
  const defaultMaxPendingMs = options.maxPendingMs;
  if (defaultMaxPendingMs !== undefined && !(defaultMaxPendingMs > 0)) {
    throw new InvalidArgumentError(`maxPendingMs must be a positive number of ms; found ${JSON.stringify(defaultMaxPendingMs)}. Omit it to let jobs wait forever.`);
  }
  const starvationFactor = ordering.starvationFactor;
  const timers = new TimerHeap<JobRecord>();
  const pools = new Map<string, NodePoolSpec>();
  for (const p of options.nodePools ?? []) {
    if (!p || typeof p.id !== 'string' || p.id === '' || pools.has(p.id)) {
      throw new InvalidArgumentError(`nodePools: each pool needs a unique non-empty id; found ${JSON.stringify(p?.id)}.`);
    }
    if (!Number.isInteger(p.maxNodes) || p.maxNodes < 0) {
      throw new InvalidArgumentError(`nodePools["${p.id}"].maxNodes must be an integer >= 0; found ${JSON.stringify(p.maxNodes)}.`);
    }
    if (p.minNodes !== undefined && (!Number.isInteger(p.minNodes) || p.minNodes < 0 || p.minNodes > p.maxNodes)) {
      throw new InvalidArgumentError(`nodePools["${p.id}"].minNodes must be an integer from 0 to maxNodes (${p.maxNodes}); found ${JSON.stringify(p.minNodes)}. Omit it for 0.`);
    }
    validateNode({ ...p.node, id: `${p.id}-template` });
    pools.set(p.id, p);
  }

  const cluster = new ClusterState();
  const quotas = new QuotaBook({ ...(options.cohorts ? { cohorts: options.cohorts } : {}), ...(options.resourceFlavors ? { flavors: options.resourceFlavors } : {}) });
  const jobs = new Map<string, JobRecord>();
  const running = new Map<string, JobRecord>();
  const buckets = new Map<string, Bucket<JobRecord>>();
  const activeBuckets: Bucket<JobRecord>[] = [];
  const openUsage = new Map<string, UsageInterval[]>();
  let closedUsage: UsageInterval[] = [];
  const pendingDecisions: Decision[] = [];
  let seq = 0;
  let pass = 0;
  let pendingCount = 0;
  let preemptionCount = 0;
  let cpuTotal = 0;
  let memTotal = 0;

  // Learnt workload mix for FGD.
  const observed = new Map<string, WorkloadClass>();
  let workloadCache: WorkloadClass[] = options.workload ? [...options.workload] : [];
  let workloadDirty = false;
  const ctx: PlacementContext = {
    modelNames: cluster.modelNames,
    get workload() {
      if (options.workload) return workloadCache;
      if (workloadDirty) {
        workloadCache = [...observed.values()].sort((a, b) => b.weight - a.weight).slice(0, maxClasses);
        workloadDirty = false;
      }
      return workloadCache;
    },
  };

  const staticCache = new Map<string, { version: number; result: { code: RejectCode; reason: string } | null }>();

  for (const q of options.queues ?? []) {
    validateQueue(q);
    if (quotas.queues.has(q.id)) throw new InvalidArgumentError(`Queue id "${q.id}" is defined twice; queue ids must be unique.`);
    quotas.add(q);
  }
  if (!quotas.queues.has('default')) quotas.add({ id: 'default' });
  for (const n of options.nodes ?? []) addNode(n);

  function addNode(spec: NodeSpec): void {
    validateNode(spec);
    if (cluster.byId.has(spec.id)) throw new InvalidArgumentError(`Node id "${spec.id}" already exists; node ids must be unique.`);
    cluster.addNode(spec);
    if (spec.cpuMilli !== undefined) cpuTotal += spec.cpuMilli;
    if (spec.memoryMiB !== undefined) memTotal += spec.memoryMiB;
  }

  function now(t: number | undefined): number {
    return t ?? clock();
  }

  // ---- views -------------------------------------------------------------------------
  function queueView(q: QueueRecord): QueueView {
    return { id: q.id, weight: q.weight, usedGpus: q.gpuUsedMilli / FULL, weightedShare: weightedShare(q) };
  }
  function weightedShare(q: QueueRecord): number {
    const g = cluster.totalGpus > 0 ? q.gpuUsedMilli / FULL / cluster.totalGpus : 0;
    const c = cpuTotal > 0 ? q.cpuUsed / cpuTotal : 0;
    const m = memTotal > 0 ? q.memUsed / memTotal : 0;
    return Math.max(g, c, m) / q.weight;
  }
  // One reused view per job: policies are called on hot paths (every preemption check).
  function jobView(j: JobRecord): JobView {
    const v = j.view;
    v.attainedGpuMs = j.attainedGpuMs - j.lasResetGpuMs;
    v.progressMs = j.progressMs;
    v.startMs = j.startMs;
    return v;
  }
  const preemptionRank = (j: JobRecord, t: number): number =>
    ordering.preemptionRank ? ordering.preemptionRank(jobView(j), t) : -j.priority;

  // ---- job construction ----------------------------------------------------------------
  function buildRecord(spec: JobSpec, t: number): JobRecord {
    validateJob(spec);
    const queueId = spec.queue ?? 'default';
    const queue = quotas.queues.get(queueId);
    if (!queue) {
      throw new NotFoundError(
        `Job "${spec.id}" names queue "${queueId}", which does not exist. Known queues: ${[...quotas.queues.keys()].join(', ')}. Add it to createScheduler({ queues }).`,
      );
    }
    const gpuMilli = spec.gpuMilli ?? 0;
    const gpus = gpuMilli > 0 ? 0 : (spec.gpusPerWorker ?? 1);
    let models: Int32Array | null = null;
    if (spec.gpuModels && spec.gpuModels.length > 0) models = Int32Array.from(spec.gpuModels.map((m) => cluster.modelId(m)));
    const preemptible = spec.preemptible ?? true;
    const req: WorkerRequest = {
      gpus,
      gpuMilli,
      cpuMilli: spec.cpuMilliPerWorker ?? 0,
      memoryMiB: spec.memoryMiBPerWorker ?? 0,
      models,
      allowSpot: preemptible && queue.allowSpot,
    };
    const workers = spec.workers ?? 1;
    const perWorker = gpus > 0 ? gpus : gpuMilli / FULL;
    const rec: JobRecord = {
      view: {
        id: spec.id,
        queue: queue.id,
        priority: spec.priority ?? 0,
        submitMs: spec.submitMs ?? t,
        gpus: perWorker * workers,
        estimatedDurationMs: spec.estimatedDurationMs,
        attainedGpuMs: 0,
        progressMs: 0,
        startMs: undefined,
        checkpointable: spec.checkpointable ?? false,
        preemptible,
      },
      spec,
      id: spec.id,
      queue,
      priority: spec.priority ?? 0,
      workers,
      req,
      gpusPerWorkerEq: perWorker,
      totalGpus: perWorker * workers,
      estimate: spec.estimatedDurationMs,
      preemptible,
      checkpointable: spec.checkpointable ?? false,
      submitMs: spec.submitMs ?? t,
      seq: seq++,
      rank: 0,
      heapIndex: -1,
      bucket: null,
      shapeKey: `${queue.id}\u0000${workers}\u0000${gpus}\u0000${gpuMilli}\u0000${req.cpuMilli}\u0000${req.memoryMiB}\u0000${spec.gpuModels?.join('|') ?? ''}\u0000${req.allowSpot ? 1 : 0}`,
      state: 'queued',
      placements: [],
      nodes: [],
      quotaCharges: [],
      quotaVec: [perWorker, req.cpuMilli, req.memoryMiB, 1],
      borrowing: false,
      startMs: undefined,
      firstStartMs: undefined,
      attainedGpuMs: 0,
      progressMs: 0,
      preemptions: 0,
      lasResetGpuMs: 0,
      runMsSinceReset: 0,
      runEpoch: 0,
      queueEpoch: 0,
      pendingDeadlineMs: undefined,
    };
    const maxPending = spec.maxPendingMs ?? defaultMaxPendingMs;
    if (maxPending !== undefined) rec.pendingDeadlineMs = rec.submitMs + maxPending;
    return rec;
  }

  function observe(j: JobRecord): void {
    if (options.workload) return;
    const key = `${j.req.gpus}:${j.req.gpuMilli}:${j.req.cpuMilli}:${j.req.memoryMiB}`;
    const c = observed.get(key);
    if (c) c.weight += j.workers;
    else observed.set(key, { gpus: j.req.gpus, gpuMilli: j.req.gpuMilli, cpuMilli: j.req.cpuMilli, memoryMiB: j.req.memoryMiB, weight: j.workers });
    workloadDirty = true;
  }

  /** Why a job can never be placed, or null. Cached per shape until nodes change. */
  function staticReject(j: JobRecord): { code: RejectCode; reason: string } | null {
    const cached = staticCache.get(j.shapeKey);
    if (cached && cached.version === cluster.topologyVersion) return cached.result;
    // What could ever exist: present nodes outside any pool, plus every pool at its maximum.
    let capacity = 0;
    const eligible: Array<Pick<NodeSpec, 'gpuModel' | 'labels'>> = [];
    for (const node of cluster.nodes) {
      if (node.removed || (node.spec.pool !== undefined && pools.has(node.spec.pool))) continue;
      const c = cluster.staticCapacity(node, j.req);
      if (c <= 0) continue;
      capacity += c;
      eligible.push(node.spec);
    }
    for (const p of pools.values()) {
      const c = templateCapacity(p.node, j.req) * p.maxNodes;
      if (c <= 0) continue;
      capacity += c;
      eligible.push(p.node);
    }
    let result: { code: RejectCode; reason: string } | null = null;
    const shape = describeShape(j);
    const poolNote = pools.size > 0 ? ` (present nodes and node pools ${[...pools.keys()].join(', ')} at their maxNodes)` : ' (present nodes; declare nodePools for capacity the cluster can scale to)';
    if (capacity === 0) {
      result = {
        code: 'NO_ELIGIBLE_NODE',
        reason: `No node${pools.size > 0 ? ' or node pool' : ''} can ever hold one worker of ${shape}${poolNote}: check gpuModels, the per-worker GPU/CPU/memory request, and that preemptible is true if only spot nodes have such GPUs.`,
      };
    } else if (capacity < j.workers) {
      result = {
        code: 'GANG_LARGER_THAN_CLUSTER',
        reason: `The gang needs ${j.workers} workers of ${shape} but the whole cluster can hold at most ${capacity}${poolNote}; shrink the gang, add nodes or raise maxNodes of a pool.`,
      };
    } else if (quotas.metered(j.queue)) {
      // The job fits in the cluster; check it fits the queue's quota ceiling (nominal plus
      // everything it may borrow) in the flavours of some eligible node.
      let ok = false;
      for (const spec of eligible) {
        const demand = new Map<string, number>();
        if (quotas.addDemand(j.queue, spec, j.quotaVec, j.workers, demand) && quotas.couldEverFit(j.queue, demand)) {
          ok = true;
          break;
        }
      }
      if (!ok) {
        result = {
          code: 'EXCEEDS_QUOTA_LIMIT',
          reason: `Job needs ${j.totalGpus} GPU(s), ${j.req.cpuMilli * j.workers} mCPU, ${j.req.memoryMiB * j.workers} MiB, ${j.workers} pod(s), but queue "${j.queue.id}" can never hold that in any flavour it admits on eligible nodes (nominal quota plus what it may borrow from its cohorts); raise nominalQuota or borrowingLimit, or submit to another queue.`,
        };
      }
    }
    staticCache.set(j.shapeKey, { version: cluster.topologyVersion, result });
    return result;
  }

  /** Workers of `req` one empty node of this shape could hold. */
  function templateCapacity(spec: Omit<NodeSpec, 'id' | 'pool'>, req: WorkerRequest): number {
    if (req.models !== null && !req.models.includes(cluster.modelId(spec.gpuModel))) return 0;
    if (!req.allowSpot && spec.pricing === 'spot') return 0;
    let n = Number.POSITIVE_INFINITY;
    if (req.gpus > 0) n = Math.floor(spec.gpuCount / req.gpus);
    else if (req.gpuMilli > 0) n = spec.gpuCount * Math.floor(FULL / req.gpuMilli);
    if (req.cpuMilli > 0 && spec.cpuMilli !== undefined) n = Math.min(n, Math.floor(spec.cpuMilli / req.cpuMilli));
    if (req.memoryMiB > 0 && spec.memoryMiB !== undefined) n = Math.min(n, Math.floor(spec.memoryMiB / req.memoryMiB));
    return n;
  }

  function describeShape(j: JobRecord): string {
    const g = j.req.gpus > 0 ? `${j.req.gpus} GPU(s)` : j.req.gpuMilli > 0 ? `${j.req.gpuMilli}/1000 of a GPU` : 'no GPU';
    const models = j.spec.gpuModels?.length ? ` on ${j.spec.gpuModels.join('|')}` : '';
    return `${g}${models}, ${j.req.cpuMilli} mCPU, ${j.req.memoryMiB} MiB per worker`;
  }

  // ---- pending buckets -----------------------------------------------------------------
  function enqueue(j: JobRecord, t?: number): void {
    j.state = 'queued';
    j.queueEpoch++;
    j.rank = ordering.rank(jobView(j));
    if (starvationFactor !== undefined && t !== undefined && j.runMsSinceReset > 0) {
      timers.push({ timeMs: t + starvationFactor * j.runMsSinceReset, kind: 'promote', item: j, epoch: j.queueEpoch });
    }
    let b = buckets.get(j.shapeKey);
    if (!b) {
      b = new Bucket<JobRecord>(j.shapeKey, j.queue.id);
      buckets.set(j.shapeKey, b);
    }
    if (b.size === 0) activeBuckets.push(b);
    b.push(j);
    j.bucket = b;
    j.queue.pending++;
    pendingCount++;
  }

  function dequeue(j: JobRecord): void {
    const b = j.bucket;
    if (!b) return;
    b.remove(j);
    j.bucket = null;
    j.queue.pending--;
    pendingCount--;
    if (b.size === 0) {
      const i = activeBuckets.indexOf(b);
      if (i >= 0) activeBuckets.splice(i, 1);
    }
  }

  // ---- placement -----------------------------------------------------------------------
  function placementFor(j: JobRecord): PlacementPolicy {
    return j.queue.cheapest ? cheapPlacement : basePlacement;
  }

  function pickNode(req: WorkerRequest, pol: PlacementPolicy, excluded: ReadonlySet<NodeRecord> | null): NodeRecord | null {
    let best: NodeRecord | null = null;
    if (!pol.score) {
      cluster.forEachCandidate(req, pol.order, (n) => {
        if (excluded?.has(n)) return true;
        best = n;
        return false;
      });
      return best;
    }
    let bestScore = Number.NEGATIVE_INFINITY;
    let seen = 0;
    const limit = pol.maxCandidates ?? Number.POSITIVE_INFINITY;
    const score = pol.score.bind(pol);
    const worker = { gpus: req.gpus, gpuMilli: req.gpuMilli, cpuMilli: req.cpuMilli, memoryMiB: req.memoryMiB };
    cluster.forEachCandidate(req, pol.order, (n) => {
      if (excluded?.has(n)) return true;
      const s = score(n, worker, ctx);
      if (s > bestScore) {
        bestScore = s;
        best = n;
      }
      return ++seen < limit;
    });
    return best;
  }

  function allocWorker(node: NodeRecord, req: WorkerRequest, jobId: string, out: Array<[NodeRecord, WorkerPlacement]>, pol?: PlacementPolicy): boolean {
    if (!cluster.fits(node, req)) return false;
    let gpus = pol?.chooseGpus ? pol.chooseGpus(node, { gpus: req.gpus, gpuMilli: req.gpuMilli, cpuMilli: req.cpuMilli, memoryMiB: req.memoryMiB }, ctx) : null;
    if (gpus !== null) checkChosenGpus(pol!.name, node, req, gpus);
    else gpus = cluster.chooseGpus(node, req);
    if (gpus === null) return false;
    out.push([node, cluster.allocate(node, req, gpus, jobId)]);
    return true;
  }

  function checkChosenGpus(policyName: string, node: NodeRecord, req: WorkerRequest, gpus: readonly number[]): void {
    const need = req.gpus > 0 ? FULL : req.gpuMilli;
    const want = req.gpus > 0 ? req.gpus : req.gpuMilli > 0 ? 1 : 0;
    const ok = gpus.length === want && new Set(gpus).size === gpus.length && gpus.every((i) => Number.isInteger(i) && i >= 0 && i < node.gpuCount && node.gpuFree[i]! >= need);
    if (!ok) {
      throw new InvalidArgumentError(
        `Placement policy "${policyName}" chose GPUs ${JSON.stringify(gpus)} on node ${node.id} (free ${JSON.stringify(Array.from(node.gpuFree))}); expected ${want} distinct index(es) of GPUs with >= ${need}/1000 free. Fix its chooseGpus, or return null for the default.`,
      );
    }
  }

  function rollback(req: WorkerRequest, jobId: string, out: Array<[NodeRecord, WorkerPlacement]>): void {
    for (let i = out.length - 1; i >= 0; i--) cluster.release(out[i]![0], req, out[i]![1], jobId);
    out.length = 0;
  }

  /** Allocates all workers of a job with `req` (models possibly narrowed), or nothing. */
  function placeGang(j: JobRecord, req: WorkerRequest, excluded: ReadonlySet<NodeRecord> | null): Array<[NodeRecord, WorkerPlacement]> | null {
    const out: Array<[NodeRecord, WorkerPlacement]> = [];
    try {
      return placeGangInto(j, req, excluded, out);
    } catch (e) {
      // A custom policy threw: leave no worker of the gang allocated.
      rollback(req, j.id, out);
      throw e;
    }
  }

  function placeGangInto(
    j: JobRecord,
    req: WorkerRequest,
    excluded: ReadonlySet<NodeRecord> | null,
    out: Array<[NodeRecord, WorkerPlacement]>,
  ): Array<[NodeRecord, WorkerPlacement]> | null {
    const pol = placementFor(j);
    const w = j.workers;
    if (req.gpus > 0 && cluster.freeWholeGpus(req.models) < req.gpus * w) return null;
    if (w === 1) {
      const node = pickNode(req, pol, excluded);
      return node && allocWorker(node, req, j.id, out, pol) ? out : null;
    }
    if (gangTopology !== 'ignore') {
      // 1. The whole gang on one node.
      if (req.gpus > 0) {
        const combined: WorkerRequest = { ...req, gpus: req.gpus * w, cpuMilli: req.cpuMilli * w, memoryMiB: req.memoryMiB * w };
        const node = pickNode(combined, pol, excluded);
        if (node) {
          let ok = true;
          for (let k = 0; k < w && ok; k++) ok = allocWorker(node, req, j.id, out, pol);
          if (ok) return out;
          rollback(req, j.id, out);
        }
      }
      // 2. One topology domain, the fullest one that has room (best fit across domains).
      if (gangTopology === 'require-domain' || cluster.domainNames.length < cluster.nodes.length) {
        const need = req.gpus * w;
        const domains: number[] = [];
        for (let d = 0; d < cluster.domainNames.length; d++) {
          if (cluster.domainNodes[d]!.length > 0 && cluster.domainFullFree[d]! >= need) domains.push(d);
        }
        domains.sort((a, b) => cluster.domainFullFree[a]! - cluster.domainFullFree[b]! || a - b);
        for (const d of domains.slice(0, 16)) {
          if (placeInDomain(d, j, req, excluded, out)) return out;
          rollback(req, j.id, out);
        }
      }
      if (gangTopology === 'require-domain') return null;
    }
    // 3. Anywhere, worker by worker.
    for (let k = 0; k < w; k++) {
      const node = pickNode(req, pol, excluded);
      if (!node || !allocWorker(node, req, j.id, out, pol)) {
        rollback(req, j.id, out);
        return null;
      }
    }
    return out;
  }

  function placeInDomain(
    d: number,
    j: JobRecord,
    req: WorkerRequest,
    excluded: ReadonlySet<NodeRecord> | null,
    out: Array<[NodeRecord, WorkerPlacement]>,
  ): boolean {
    // Fill the nodes with the most room first so the gang spans as few nodes as possible.
    const nodes = cluster.domainNodes[d]!.filter((n) => !excluded?.has(n) && cluster.fits(n, req));
    nodes.sort((a, b) => b.fullFree - a.fullFree || b.maxFree - a.maxFree || a.idx - b.idx);
    let placed = 0;
    for (const n of nodes) {
      while (placed < j.workers && cluster.fits(n, req) && allocWorker(n, req, j.id, out, placementFor(j))) placed++;
      if (placed === j.workers) return true;
    }
    return false;
  }

  /**
   * Places a job respecting quotas (fit within nominal first, then borrowing). Allocates on
   * success and returns the placements; changes nothing on failure.
   */
  function tryPlace(
    j: JobRecord,
    excluded: ReadonlySet<NodeRecord> | null,
  ): { out: Array<[NodeRecord, WorkerPlacement]>; charges: Charges; borrowing: boolean } | null {
    const q = j.queue;
    if (!quotas.metered(q)) {
      const out = placeGang(j, j.req, excluded);
      return out ? { out, charges: [], borrowing: false } : null;
    }
    // Classify nodes by what the whole job would do to the queue's quota in their flavours:
    // first try nodes where it fits within nominal, then also nodes where it borrows.
    const byFlavor = new Map<ReadonlyArray<string | null>, QuotaFitClass>();
    const notNominal = new Set<NodeRecord>(excluded ?? []);
    const impossible = new Set<NodeRecord>(excluded ?? []);
    let anyNominal = false;
    let anyBorrow = false;
    for (const node of cluster.nodes) {
      if (node.removed || !node.schedulable) continue;
      const fl = quotas.flavorsOn(q, node.spec);
      let cls = byFlavor.get(fl);
      if (cls === undefined) {
        const demand = new Map<string, number>();
        cls = quotas.addDemand(q, node.spec, j.quotaVec, j.workers, demand) ? quotas.check(q, demand) : 'no';
        byFlavor.set(fl, cls);
      }
      if (cls === 'nominal') anyNominal = true;
      else {
        notNominal.add(node);
        if (cls === 'borrow') anyBorrow = true;
        else impossible.add(node);
      }
    }
    const attempts: Array<Set<NodeRecord>> = [];
    if (anyNominal) attempts.push(notNominal);
    if (anyBorrow) attempts.push(impossible);
    for (const ex of attempts) {
      const out = placeGang(j, j.req, ex);
      if (!out) continue;
      // A gang may straddle flavours: check the exact per-flavour demand.
      const demand = new Map<string, number>();
      let admitted = true;
      for (const [node, p] of out) {
        const gpus = (p.gpuMilli * p.gpuIndices.length) / FULL;
        admitted &&= quotas.addDemand(q, node.spec, [gpus, j.req.cpuMilli, j.req.memoryMiB, 1], 1, demand);
      }
      const fit = admitted ? quotas.check(q, demand) : 'no';
      if (fit !== 'no') return { out, charges: [...demand], borrowing: fit === 'borrow' };
      rollback(j.req, j.id, out);
    }
    return null;
  }

  type QuotaFitClass = 'nominal' | 'borrow' | 'no';

  function undoPlace(j: JobRecord, out: Array<[NodeRecord, WorkerPlacement]>): void {
    rollback(j.req, j.id, out);
  }

  // ---- running jobs ----------------------------------------------------------------------
  /** Takes a job's resources away from the books (for preemption what-ifs and for stops). */
  function releaseResources(j: JobRecord): void {
    for (let i = j.placements.length - 1; i >= 0; i--) cluster.release(j.nodes[i]!, j.req, j.placements[i]!, j.id);
    quotas.charge(j.queue, j.quotaCharges, -1);
    j.queue.gpuUsedMilli -= j.totalGpus * FULL;
    j.queue.cpuUsed -= j.req.cpuMilli * j.workers;
    j.queue.memUsed -= j.req.memoryMiB * j.workers;
  }

  /** Puts back exactly what {@link releaseResources} took. */
  function restoreResources(j: JobRecord): void {
    for (let i = 0; i < j.placements.length; i++) {
      const p = j.placements[i]!;
      cluster.allocate(j.nodes[i]!, j.req, p.gpuIndices, j.id);
    }
    quotas.charge(j.queue, j.quotaCharges, 1);
    j.queue.gpuUsedMilli += j.totalGpus * FULL;
    j.queue.cpuUsed += j.req.cpuMilli * j.workers;
    j.queue.memUsed += j.req.memoryMiB * j.workers;
  }

  function commitBind(
    j: JobRecord,
    placed: { out: Array<[NodeRecord, WorkerPlacement]>; charges: Charges; borrowing: boolean },
    t: number,
    backfilled: boolean,
  ): Decision {
    dequeue(j);
    j.state = 'running';
    j.nodes = placed.out.map((x) => x[0]);
    j.placements = placed.out.map((x) => x[1]);
    j.quotaCharges = placed.charges;
    j.borrowing = placed.borrowing;
    quotas.charge(j.queue, placed.charges, 1);
    j.queue.gpuUsedMilli += j.totalGpus * FULL;
    j.queue.cpuUsed += j.req.cpuMilli * j.workers;
    j.queue.memUsed += j.req.memoryMiB * j.workers;
    j.queue.running++;
    j.startMs = t;
    j.runEpoch++;
    if (j.firstStartMs === undefined) j.firstStartMs = t;
    running.set(j.id, j);
    armDemotion(j, t);
    openUsage.set(
      j.id,
      j.placements.map((p, i) => {
        const node = j.nodes[i]!;
        return {
          jobId: j.id,
          queue: j.queue.id,
          nodeId: node.id,
          gpuModel: node.spec.gpuModel,
          startMs: t,
          endMs: t,
          gpus: (p.gpuMilli * p.gpuIndices.length) / FULL,
          cpuMilli: j.req.cpuMilli,
          memoryMiB: j.req.memoryMiB,
          pricing: node.pricing,
          instanceType: node.spec.instanceType,
          region: node.spec.region,
          labels: j.spec.labels,
        };
      }),
    );
    return { type: 'bind', jobId: j.id, placements: j.placements.map((p) => ({ ...p, gpuIndices: [...p.gpuIndices] })), backfilled, borrowing: j.borrowing, atMs: t };
  }

  /** Wakes the scheduler when a running job's preemption rank changes (Tiresias demotion). */
  function armDemotion(j: JobRecord, t: number): void {
    if (!preemptionOn || !ordering.nextRankChangeMs || !j.preemptible) return;
    const at = ordering.nextRankChangeMs(jobView(j), t);
    if (at !== undefined && at > t) timers.push({ timeMs: at, kind: 'demote', item: j, epoch: j.runEpoch });
  }

  /** Acts on due timers: promotions, pending deadlines; demotions only need the pass itself. */
  function runTimers(t: number, decisions: Decision[]): void {
    while (timers.size > 0 && timers.peek()!.timeMs <= t) {
      const e = timers.pop()!;
      const j = e.item;
      if (e.kind === 'demote') {
        if (j.state === 'running' && j.runEpoch === e.epoch) armDemotion(j, t);
      } else if (e.kind === 'promote') {
        if (j.state !== 'queued' || j.queueEpoch !== e.epoch) continue;
        j.lasResetGpuMs = j.attainedGpuMs;
        j.runMsSinceReset = 0;
        dequeue(j);
        enqueue(j, t);
      } else if (j.state === 'queued' && j.firstStartMs === undefined) {
        dequeue(j);
        j.state = 'rejected';
        decisions.push({
          type: 'reject',
          jobId: j.id,
          code: 'PENDING_TIMEOUT',
          reason: `Job "${j.id}" did not start within its maxPendingMs (${j.pendingDeadlineMs! - j.submitMs} ms after submit) — the capacity it waits for (${describeShape(j)}) did not become free or arrive; raise maxPendingMs, add nodes or lower the request.`,
          atMs: t,
        });
      }
    }
  }

  function nextTimer(): number | undefined {
    while (timers.size > 0) {
      const e = timers.peek()!;
      const j = e.item;
      const live =
        e.kind === 'demote'
          ? j.state === 'running' && j.runEpoch === e.epoch
          : e.kind === 'promote'
            ? j.state === 'queued' && j.queueEpoch === e.epoch
            : j.state === 'queued' && j.firstStartMs === undefined;
      if (live) return e.timeMs;
      timers.pop();
    }
    return undefined;
  }

  /** Stops a running job; `alreadyReleased` when a preemption what-if already took its resources. */
  function stopRunning(j: JobRecord, t: number, outcome: 'completed' | 'cancelled' | 'requeue', alreadyReleased = false): void {
    if (!alreadyReleased) releaseResources(j);
    running.delete(j.id);
    j.queue.running--;
    j.runEpoch++;
    const ran = Math.max(0, t - (j.startMs ?? t));
    j.attainedGpuMs += ran * j.totalGpus;
    j.runMsSinceReset += ran;
    const open = openUsage.get(j.id);
    if (open) {
      for (const u of open) {
        u.endMs = t;
        if (u.endMs > u.startMs) closedUsage.push(u);
      }
      openUsage.delete(j.id);
    }
    j.placements = [];
    j.nodes = [];
    j.quotaCharges = [];
    j.borrowing = false;
    j.startMs = undefined;
    if (outcome === 'requeue') {
      j.preemptions++;
      preemptionCount++;
      j.progressMs = j.checkpointable ? j.progressMs + ran : 0;
      enqueue(j, t);
    } else {
      j.progressMs += ran;
      j.state = outcome;
    }
  }

  // ---- preemption (victim selection lives in preemption.ts) ---------------------------------
  const { victimPool, tryPreempt } = createPreemptor({
    byPriority,
    priorityScope,
    reclaimWithinCohort: reclaim,
    orderingName: ordering.name,
    quotas,
    cluster,
    running,
    preemptionRank,
    tryPlace,
    undoPlace,
    releaseResources,
    restoreResources,
    stopRunning,
    commitBind,
  });

  // ---- the scheduling pass ------------------------------------------------------------------
  function nextBucket(currentPass: number): Bucket<JobRecord> | null {
    let best: Bucket<JobRecord> | null = null;
    let bestQ = 0;
    let bestHead: JobRecord | undefined;
    for (const b of activeBuckets) {
      if (b.blockedPass === currentPass) continue;
      const head = b.peek()!;
      const qk = ordering.queueKey ? ordering.queueKey(queueView(head.queue)) : 0;
      if (
        best === null ||
        qk < bestQ ||
        (qk === bestQ &&
          (head.rank < bestHead!.rank ||
            (head.rank === bestHead!.rank && (head.submitMs < bestHead!.submitMs || (head.submitMs === bestHead!.submitMs && head.seq < bestHead!.seq)))))
      ) {
        best = b;
        bestQ = qk;
        bestHead = head;
      }
    }
    return best;
  }

  function schedule(nowMs?: number): Decision[] {
    const t = now(nowMs);
    const decisions: Decision[] = pendingDecisions.splice(0);
    runTimers(t, decisions);
    const currentPass = ++pass;
    let reservation: Reservation | null = null;
    let reservedFor: JobRecord | null = null;
    let attempts = 0;
    let pool: VictimPool | null = null;
    // StrictFIFO queues whose head could not be placed in this pass.
    let heldQueues: Set<QueueRecord> | null = null;
    // Static orderings walk a heap of buckets (O(log buckets) per decision); a dynamic queue
    // key (fair share) changes with every bind, so those rescan the active buckets.
    const heap = ordering.queueKey ? null : new BucketHeap<JobRecord>();
    if (heap) for (const b of activeBuckets) heap.push(b);
    while (true) {
      const b = heap ? heap.pop(currentPass) : nextBucket(currentPass);
      if (!b) break;
      const j = b.peek()!;
      if (heldQueues?.has(j.queue)) {
        b.blockedPass = currentPass;
        continue;
      }
      let placed = null;
      let backfilled = false;
      if (reservation !== null) {
        const remaining = j.estimate === undefined ? undefined : Math.max(0, j.estimate - j.progressMs);
        const endsBefore = remaining !== undefined && t + remaining <= reservation.timeMs;
        placed = tryPlace(j, endsBefore ? null : reservation.nodes);
        backfilled = placed !== null;
      } else {
        placed = tryPlace(j, null);
      }
      if (placed) {
        decisions.push(commitBind(j, placed, t, backfilled));
        heap?.push(b);
        continue;
      }
      if (preemptionOn && reservation === null && attempts < maxPreemptAttempts) {
        attempts++;
        pool ??= victimPool(t);
        if (tryPreempt(j, t, decisions, pool)) {
          pool = null;
          heap?.push(b);
          continue;
        }
      }
      if (backfill === 'none') break;
      if (j.queue.strictFifo) (heldQueues ??= new Set()).add(j.queue);
      if (backfill === 'easy' && reservedFor === null) {
        reservedFor = j;
        reservation = reserve(j, running.values(), cluster.nodes, t);
        // Without estimates nothing can be promised: hold everything back, as strict order would.
        if (reservation === null) break;
      }
      b.blockedPass = currentPass;
    }
    return decisions;
  }

  // ---- public API ----------------------------------------------------------------------------
  function getJob(jobId: string, op: string): JobRecord {
    const j = jobs.get(jobId);
    if (!j) throw new NotFoundError(`${op}: no job with id "${jobId}". Submit it first, or check the id.`);
    return j;
  }

  function evictNode(node: NodeRecord, t: number): string[] {
    const ids = [...node.jobs.keys()].sort();
    for (const id of ids) {
      const j = running.get(id);
      if (j) stopRunning(j, t, 'requeue');
    }
    return ids;
  }

  function statusOf(j: JobRecord): JobStatus {
    return {
      id: j.id,
      queue: j.queue.id,
      state: j.state,
      priority: j.priority,
      gpus: j.totalGpus,
      placements: j.placements.map((p) => ({ ...p, gpuIndices: [...p.gpuIndices] })),
      submitMs: j.submitMs,
      firstStartMs: j.firstStartMs,
      startMs: j.startMs,
      attainedGpuMs: j.attainedGpuMs,
      progressMs: j.progressMs,
      preemptions: j.preemptions,
    };
  }

  function fitsNow(spec: JobSpec, nodeId: string): { fits: boolean; reason: string; unresolvable: boolean } {
    const node = cluster.byId.get(nodeId);
    if (!node) return { fits: false, reason: `node "${nodeId}" is not known to the GPU scheduler`, unresolvable: true };
    const j = buildRecord({ ...spec, submitMs: 0 }, 0);
    seq--;
    const perNode = cluster.staticCapacity(node, j.req);
    if (perNode <= 0) return { fits: false, reason: `node ${nodeId} (${node.spec.gpuModel} x${node.gpuCount}) can never hold ${describeShape(j)}`, unresolvable: true };
    if (!node.schedulable) return { fits: false, reason: `node ${nodeId} is cordoned`, unresolvable: true };
    if (!cluster.fits(node, j.req)) {
      const free = j.req.gpuMilli > 0 ? `${node.maxFree}/1000 on its emptiest GPU` : `${node.fullFree} whole GPUs`;
      return { fits: false, reason: `node ${nodeId} has ${free} free; needs ${describeShape(j)}`, unresolvable: false };
    }
    if (quotas.metered(j.queue)) {
      const demand = new Map<string, number>();
      if (!quotas.addDemand(j.queue, node.spec, j.quotaVec, 1, demand)) {
        return { fits: false, reason: `queue ${j.queue.id} admits no work on node ${nodeId}: none of its flavours matches the node`, unresolvable: true };
      }
      if (quotas.check(j.queue, demand) === 'no') {
        return {
          fits: false,
          reason: `queue ${j.queue.id} has no quota left on node ${nodeId}: ${quotas.explain(j.queue, demand)}`,
          unresolvable: false,
        };
      }
    }
    return { fits: true, reason: '', unresolvable: false };
  }

  const scheduler: Scheduler = {
    policyNames: { ordering: ordering.name, placement: basePlacement.name, backfill, preemption: preemptionOn },

    submit(spec, nowMs) {
      const t = now(nowMs);
      if (jobs.has(spec?.id)) {
        throw new InvalidArgumentError(`submit: job id "${spec.id}" was already submitted; job ids must be unique (append an attempt suffix to resubmit).`);
      }
      const j = buildRecord(spec, t);
      jobs.set(j.id, j);
      const r = staticReject(j);
      if (r) {
        j.state = 'rejected';
        return { status: 'rejected', jobId: j.id, code: r.code, reason: r.reason };
      }
      observe(j);
      enqueue(j, t);
      if (j.pendingDeadlineMs !== undefined) timers.push({ timeMs: j.pendingDeadlineMs, kind: 'timeout', item: j, epoch: 0 });
      return { status: 'queued', jobId: j.id };
    },

    cancel(jobId, nowMs) {
      const j = getJob(jobId, 'cancel');
      if (j.state === 'queued') {
        dequeue(j);
        j.state = 'cancelled';
      } else if (j.state === 'running') {
        stopRunning(j, now(nowMs), 'cancelled');
      }
    },

    complete(jobId, nowMs) {
      const j = getJob(jobId, 'complete');
      if (j.state !== 'running') {
        throw new MlopsError(
          ErrorCode.InvalidArgument,
          `complete: job "${jobId}" is ${j.state}, not running. Only a running job can complete; cancel a queued job instead.`,
          { details: { jobId, state: j.state } },
        );
      }
      stopRunning(j, now(nowMs), 'completed');
    },

    nodeEvent(event) {
      const t = now(event.atMs);
      if (event.type === 'add') {
        addNode(event.node);
        return { requeuedJobIds: [] };
      }
      const node = cluster.byId.get(event.nodeId);
      if (!node) {
        throw new NotFoundError(`nodeEvent(${event.type}): no node with id "${event.nodeId}". Known nodes: ${cluster.byId.size}.`);
      }
      switch (event.type) {
        case 'cordon':
          cluster.setSchedulable(node, false);
          return { requeuedJobIds: [] };
        case 'uncordon':
          cluster.setSchedulable(node, true);
          return { requeuedJobIds: [] };
        case 'remove':
        case 'spot-interruption': {
          const requeued = evictNode(node, t);
          cluster.removeNode(node);
          if (node.spec.cpuMilli !== undefined) cpuTotal -= node.spec.cpuMilli;
          if (node.spec.memoryMiB !== undefined) memTotal -= node.spec.memoryMiB;
          // Queued jobs keep waiting: the capacity may come back (a replacement spot node, a
          // pool scaling up). maxPendingMs bounds the wait; new submissions are checked
          // against present nodes and node pools.
          return { requeuedJobIds: requeued };
        }
        default: {
          const unknown: { type?: unknown } = event;
          throw new InvalidArgumentError(
            `nodeEvent: unknown event type ${JSON.stringify(unknown.type)}; expected add, remove, cordon, uncordon or spot-interruption.`,
          );
        }
      }
    },

    schedule,

    nextTimerMs() {
      return nextTimer();
    },

    poolDemand() {
      if (pools.size === 0) return [];
      const present = new Map<string, number>();
      for (const n of cluster.nodes) if (!n.removed && n.spec.pool !== undefined) present.set(n.spec.pool, (present.get(n.spec.pool) ?? 0) + 1);
      const want = new Map<string, number>();
      for (const b of activeBuckets) {
        if (b.blockedPass !== pass) continue;
        const head = b.peek()!;
        for (const p of pools.values()) {
          const cap = templateCapacity(p.node, head.req);
          if (cap <= 0) continue;
          want.set(p.id, (want.get(p.id) ?? 0) + Math.ceil((b.size * head.workers) / cap));
          break;
        }
      }
      const out: Array<{ pool: string; nodes: number }> = [];
      for (const [pool, n] of want) {
        const room = pools.get(pool)!.maxNodes - (present.get(pool) ?? 0);
        if (room > 0) out.push({ pool, nodes: Math.min(n, room) });
      }
      return out;
    },

    poolsWithBlockedWork() {
      const out = new Set<string>();
      if (pools.size === 0) return [];
      for (const b of activeBuckets) {
        if (b.blockedPass !== pass) continue;
        const head = b.peek()!;
        for (const p of pools.values()) if (!out.has(p.id) && templateCapacity(p.node, head.req) > 0) out.add(p.id);
      }
      return [...out];
    },

    snapshot(nowMs) {
      const t = now(nowMs);
      return {
        atMs: t,
        nodes: cluster.nodes
          .filter((n) => !n.removed)
          .map((n) => ({
            id: n.id,
            gpuModel: n.spec.gpuModel,
            gpuCount: n.gpuCount,
            gpuFreeMilli: Array.from(n.gpuFree),
            cpuFreeMilli: n.cpuFree,
            memoryFreeMiB: n.memFree,
            schedulable: n.schedulable,
            pricing: n.pricing,
          })),
        queues: [...quotas.queues.values()].map((q) => ({
          id: q.id,
          cohort: q.cohort,
          usedGpus: quotas.usageOf(q, 0).used,
          borrowedGpus: quotas.usageOf(q, 0).borrowed,
          pendingJobs: q.pending,
          runningJobs: q.running,
          weightedShare: weightedShare(q),
        })),
        jobs: [...jobs.values()].map(statusOf),
        totals: {
          gpus: cluster.totalGpus,
          allocatedGpus: cluster.allocatedMilli / FULL,
          pendingJobs: pendingCount,
          runningJobs: running.size,
        },
      };
    },

    job(jobId) {
      const j = jobs.get(jobId);
      return j ? statusOf(j) : undefined;
    },

    stats() {
      return {
        totalGpus: cluster.totalGpus,
        allocatedGpus: cluster.allocatedMilli / FULL,
        pendingJobs: pendingCount,
        runningJobs: running.size,
        preemptions: preemptionCount,
      };
    },

    usage(opts = {}) {
      const out = [...closedUsage];
      if (opts.clear) closedUsage = [];
      if (opts.nowMs !== undefined) {
        for (const list of openUsage.values()) {
          for (const u of list) if (opts.nowMs > u.startMs) out.push({ ...u, endMs: opts.nowMs });
        }
      }
      return out;
    },

    fragmentedGpus(workload) {
      return clusterFragmentationGpus(
        cluster.nodes.filter((n) => n.schedulable),
        workload ?? ctx.workload,
      );
    },

    fitsOnNode(spec, nodeId, opts) {
      const gone: JobRecord[] = [];
      for (const id of opts?.without ?? []) {
        const v = running.get(id);
        if (v && !gone.includes(v)) {
          releaseResources(v);
          gone.push(v);
        }
      }
      try {
        return fitsNow(spec, nodeId);
      } finally {
        for (let i = gone.length - 1; i >= 0; i--) restoreResources(gone[i]!);
      }
    },

    scoreNodes(spec, nodeIds) {
      const j = buildRecord({ ...spec, submitMs: 0 }, 0);
      seq--;
      const pol = placementFor(j);
      const worker = { gpus: j.req.gpus, gpuMilli: j.req.gpuMilli, cpuMilli: j.req.cpuMilli, memoryMiB: j.req.memoryMiB };
      const raw = new Map<string, number>();
      for (const id of nodeIds) {
        const node = cluster.byId.get(id);
        if (!node || !cluster.fits(node, j.req)) continue;
        let s: number;
        if (pol.score) s = pol.score(node, worker, ctx);
        else {
          // Without a score, the walk order is the preference: fewer free GPUs first for packing.
          const free = node.freeMilli / FULL;
          s = pol.order === 'tightest' ? -free : free;
        }
        raw.set(id, s);
      }
      const vals = [...raw.values()];
      const lo = Math.min(...vals);
      const hi = Math.max(...vals);
      const out = new Map<string, number>();
      for (const id of nodeIds) {
        const s = raw.get(id);
        out.set(id, s === undefined ? 0 : hi > lo ? (s - lo) / (hi - lo) : 1);
      }
      return out;
    },

    hasNode(nodeId) {
      return cluster.byId.has(nodeId);
    },

    hasQueue(queueId) {
      return quotas.queues.has(queueId);
    },

    bindExternal(spec, nodeId, nowMs) {
      const t = now(nowMs);
      const node = cluster.byId.get(nodeId);
      if (!node) throw new NotFoundError(`bind: node "${nodeId}" is not known to the GPU scheduler; add it with nodeEvent({ type: 'add' }).`);
      let j = jobs.get(spec.id);
      const fresh = !j;
      if (!j) {
        j = buildRecord({ ...spec, workers: 1 }, t);
        jobs.set(j.id, j);
        observe(j);
        enqueue(j);
      }
      if (j.state !== 'queued') {
        throw new InvalidArgumentError(`bind: job "${spec.id}" is ${j.state}; only a pending job can be bound.`);
      }
      const out: Array<[NodeRecord, WorkerPlacement]> = [];
      if (!allocWorker(node, j.req, j.id, out)) {
        // Leave nothing queued behind: a later schedule() must not place it on its own.
        if (fresh) {
          dequeue(j);
          jobs.delete(j.id);
        }
        throw new MlopsError('CAPACITY_EXHAUSTED', `bind: node "${nodeId}" no longer has room for job "${spec.id}" (${describeShape(j)}); let kube-scheduler retry.`, {
          retryable: true,
        });
      }
      const demand = new Map<string, number>();
      quotas.addDemand(j.queue, node.spec, j.quotaVec, 1, demand);
      commitBind(j, { out, charges: [...demand], borrowing: quotas.check(j.queue, demand) === 'borrow' }, t, false);
    },
  };
  return scheduler;
}
