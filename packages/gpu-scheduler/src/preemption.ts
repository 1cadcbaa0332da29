import type { ClusterState, NodeRecord } from './cluster-state.js';
import type { JobRecord } from './job-record.js';
import type { Charges, QuotaBook } from './quota-book.js';
import type { Decision, WorkerPlacement } from './types.js';

/** A placement found by the scheduler's `tryPlace`. */
export interface Placed {
  out: Array<[NodeRecord, WorkerPlacement]>;
  charges: Charges;
  borrowing: boolean;
}

/** What victim selection reads and does in the scheduler it belongs to. */
export interface PreemptionContext {
  /** `preemption.byPriority`. */
  byPriority: boolean;
  /** `preemption.priorityScope`. */
  priorityScope: 'cluster' | 'queue';
  /** `preemption.reclaimWithinCohort` (queues without their own setting). */
  reclaimWithinCohort: boolean;
  /** Name of the ordering policy (`tiresias-las` names its victims `attained-service`). */
  orderingName: string;
  quotas: QuotaBook;
  cluster: ClusterState;
  running: ReadonlyMap<string, JobRecord>;
  preemptionRank(j: JobRecord, t: number): number;
  tryPlace(j: JobRecord, excluded: null): Placed | null;
  undoPlace(j: JobRecord, out: Array<[NodeRecord, WorkerPlacement]>): void;
  releaseResources(j: JobRecord): void;
  restoreResources(j: JobRecord): void;
  stopRunning(j: JobRecord, t: number, outcome: 'requeue', alreadyReleased: boolean): void;
  commitBind(j: JobRecord, placed: Placed, t: number, backfilled: boolean): Decision;
}

/**
 * Victim selection of one scheduler: by priority (or the ordering's preemption rank), Kueue
 * reclaim within the cohort, and Kueue borrowWithinCohort; the set is minimal.
 */
export interface Preemptor {
  /** Running preemptible jobs with their rank; build once per pass, drop after a preemption. */
  victimPool(t: number): VictimPool;
  /** Preempts what `j` needs and binds it (decisions appended); false when nothing is done. */
  tryPreempt(j: JobRecord, t: number, decisions: Decision[], pool: VictimPool): boolean;
}

/** Running preemptible jobs with their rank. */
export interface VictimPool {
  list: Array<{ v: JobRecord; rank: number }>;
  maxRank: number;
  anyBorrowing: boolean;
}

/** Creates the victim selection over a scheduler's state. */
export function createPreemptor(ctx: PreemptionContext): Preemptor {
  function victimReason(j: JobRecord, v: JobRecord, vRank: number, jRank: number, jUnderNominal: boolean): string | null {
    if (v === j) return null;
    if (ctx.byPriority && vRank > jRank && (ctx.priorityScope === 'cluster' || v.queue === j.queue)) {
      return ctx.orderingName === 'tiresias-las' ? 'attained-service' : 'priority';
    }
    const mode = j.queue.reclaim ?? (ctx.reclaimWithinCohort ? 'Any' : 'Never');
    if (mode !== 'Never' && v.queue !== j.queue && queueBorrowing(v) && ctx.quotas.root(v.queue) !== null && ctx.quotas.root(v.queue) === ctx.quotas.root(j.queue)) {
      if (jUnderNominal) {
        if (mode === 'Any' || v.priority < j.priority) return 'reclaim';
      } else if (j.queue.borrowWithinCohortMax !== undefined && v.priority < j.priority && v.priority <= j.queue.borrowWithinCohortMax) {
        // Kueue borrowWithinCohort: a borrowing job preempts lower-priority borrowers of the cohort.
        return 'borrow-within-cohort';
      }
    }
    return null;
  }

  /** True while the victim's queue is above nominal quota in a flavour/resource the victim holds. */
  function queueBorrowing(v: JobRecord): boolean {
    for (const [k, amount] of v.quotaCharges) if (amount > 0 && ctx.quotas.overNominal(v.queue, k) > 1e-9) return true;
    return false;
  }


  function victimPool(t: number): VictimPool {
    const list: VictimPool['list'] = [];
    let maxRank = Number.NEGATIVE_INFINITY;
    let anyBorrowing = false;
    for (const v of ctx.running.values()) {
      if (!v.preemptible) continue;
      const rank = ctx.preemptionRank(v, t);
      if (rank > maxRank) maxRank = rank;
      if (!anyBorrowing && v.quotaCharges.length > 0 && queueBorrowing(v)) anyBorrowing = true;
      list.push({ v, rank });
    }
    return { list, maxRank, anyBorrowing };
  }

  function usableBy(j: JobRecord, v: JobRecord): boolean {
    for (const n of v.nodes) {
      if (!n.schedulable) continue;
      if (!j.req.allowSpot && n.pricing === 'spot') continue;
      if (j.req.models === null) return true;
      for (const m of j.req.models) if (m === n.model) return true;
    }
    return false;
  }

  function tryPreempt(j: JobRecord, t: number, decisions: Decision[], pool: VictimPool): boolean {
    const jRank = ctx.preemptionRank(j, t);
    let underNominal = false;
    if (pool.anyBorrowing && ctx.quotas.metered(j.queue) && ctx.quotas.root(j.queue) !== null && (j.queue.reclaim ?? (ctx.reclaimWithinCohort ? 'Any' : 'Never')) !== 'Never') {
      // Reclaim only for a job that fits within its queue's nominal quota in some flavour.
      const tried = new Set<ReadonlyArray<string | null>>();
      for (const node of ctx.cluster.nodes) {
        if (node.removed || ctx.cluster.staticCapacity(node, j.req) <= 0) continue;
        const fl = ctx.quotas.flavorsOn(j.queue, node.spec);
        if (tried.has(fl)) continue;
        tried.add(fl);
        const demand = new Map<string, number>();
        if (ctx.quotas.addDemand(j.queue, node.spec, j.quotaVec, j.workers, demand) && ctx.quotas.withinNominal(j.queue, demand)) {
          underNominal = true;
          break;
        }
      }
    }
    const borrowPreempts = !underNominal && pool.anyBorrowing && j.queue.borrowWithinCohortMax !== undefined && ctx.quotas.metered(j.queue) && ctx.quotas.root(j.queue) !== null && (j.queue.reclaim ?? (ctx.reclaimWithinCohort ? 'Any' : 'Never')) !== 'Never';
    if (!underNominal && !borrowPreempts && !(ctx.byPriority && pool.maxRank > jRank)) return false;
    const cands: Array<{ v: JobRecord; reason: string; rank: number }> = [];
    const cohortReason = (r: string): boolean => r === 'reclaim' || r === 'borrow-within-cohort';
    for (const { v, rank } of pool.list) {
      if (v.state !== 'running') continue;
      const reason = victimReason(j, v, rank, jRank, underNominal);
      if (reason === null) continue;
      if (reason !== 'reclaim' && reason !== 'borrow-within-cohort' && !usableBy(j, v)) continue;
      cands.push({ v, reason, rank });
    }
    if (cands.length === 0) return false;
    const fitsNow = (): boolean => {
      const p = ctx.tryPlace(j, null);
      if (!p) return false;
      ctx.undoPlace(j, p.out);
      return true;
    };
    // Never preempt for a job that would still not fit with every candidate gone.
    for (const c of cands) ctx.releaseResources(c.v);
    const possible = fitsNow();
    if (!possible) {
      for (let i = cands.length - 1; i >= 0; i--) ctx.restoreResources(cands[i]!.v);
      return false;
    }
    for (let i = cands.length - 1; i >= 0; i--) ctx.restoreResources(cands[i]!.v);
    // Reclaim first, lowest priority then most recently started (Kueue's order); others least
    // important first; then checkpointable (loses nothing), then least progressed.
    const progress = new Map(cands.map((c) => [c.v, runProgress(c.v, t)]));
    cands.sort(
      (a, b) =>
        Number(cohortReason(b.reason)) - Number(cohortReason(a.reason)) ||
        (cohortReason(a.reason) && cohortReason(b.reason) ? a.v.priority - b.v.priority || (b.v.startMs ?? 0) - (a.v.startMs ?? 0) : 0) ||
        b.rank - a.rank ||
        Number(b.v.checkpointable) - Number(a.v.checkpointable) ||
        progress.get(a.v)! - progress.get(b.v)! ||
        b.v.seq - a.v.seq,
    );
    const chosen: typeof cands = [];
    for (const c of cands) {
      // A lender reclaims only while the victim's queue still borrows.
      if (cohortReason(c.reason) && !queueBorrowing(c.v)) continue;
      ctx.releaseResources(c.v);
      chosen.push(c);
      if (fitsNow()) break;
    }
    // Minimal set: give back every victim the job does not need, most important first.
    for (let i = chosen.length - 1; i >= 0; i--) {
      const c = chosen[i]!;
      ctx.restoreResources(c.v);
      if (fitsNow()) chosen.splice(i, 1);
      else ctx.releaseResources(c.v);
    }
    const placed = ctx.tryPlace(j, null);
    if (!placed) {
      for (const c of chosen) ctx.restoreResources(c.v);
      return false;
    }
    for (const c of chosen) {
      ctx.stopRunning(c.v, t, 'requeue', true);
      decisions.push({ type: 'preempt', jobId: c.v.id, forJobId: j.id, reason: c.reason, atMs: t });
    }
    decisions.push(ctx.commitBind(j, placed, t, false));
    return true;
  }

  function runProgress(j: JobRecord, t: number): number {
    return j.progressMs + Math.max(0, t - (j.startMs ?? t));
  }

  return { victimPool, tryPreempt };
}
