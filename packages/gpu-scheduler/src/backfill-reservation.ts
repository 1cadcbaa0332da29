import { GPU_MILLI_FULL as FULL, type NodeRecord } from './cluster-state.js';
import type { JobRecord } from './job-record.js';

/** Capacity held for a blocked job: from `timeMs`, on `nodes`. */
export interface Reservation {
  timeMs: number;
  nodes: Set<NodeRecord>;
}

/** Workers of `j` that fit on a node with the given free capacity. */
function workersFit(j: JobRecord, node: NodeRecord, gpuFree: Int32Array, cpu: number, mem: number): number {
  const req = j.req;
  if (!node.schedulable) return 0;
  if (req.models !== null && !req.models.includes(node.model)) return 0;
  if (!req.allowSpot && node.pricing === 'spot') return 0;
  let n = Number.POSITIVE_INFINITY;
  if (req.gpus > 0) {
    let full = 0;
    for (const f of gpuFree) if (f === FULL) full++;
    n = Math.floor(full / req.gpus);
  } else if (req.gpuMilli > 0) {
    let k = 0;
    for (const f of gpuFree) k += Math.floor(f / req.gpuMilli);
    n = k;
  }
  if (req.cpuMilli > 0) n = Math.min(n, Math.floor(cpu / req.cpuMilli));
  if (req.memoryMiB > 0) n = Math.min(n, Math.floor(mem / req.memoryMiB));
  return Number.isFinite(n) ? n : j.workers;
}

/**
 * EASY backfill's reservation: the earliest time at which running jobs' estimated ends leave
 * room for `j`, and the nodes that room is on. Jobs without an estimate never end here, so
 * the result is conservative. Works on a shadow copy of node capacity; changes nothing.
 */
export function reserve(j: JobRecord, running: Iterable<JobRecord>, nodes: readonly NodeRecord[], t: number): Reservation | null {
  const ends: Array<[number, JobRecord]> = [];
  for (const r of running) {
    if (r.estimate === undefined) continue;
    ends.push([(r.startMs ?? t) + Math.max(0, r.estimate - r.progressMs), r]);
  }
  ends.sort((a, b) => a[0] - b[0] || a[1].seq - b[1].seq);
  const shadow = new Map<NodeRecord, { g: Int32Array; cpu: number; mem: number; fit: number }>();
  let total = 0;
  for (const n of nodes) {
    if (n.removed) continue;
    const fit = workersFit(j, n, n.gpuFree, n.cpuFree, n.memFree);
    total += fit;
    shadow.set(n, { g: n.gpuFree.slice(), cpu: n.cpuFree, mem: n.memFree, fit });
  }
  let timeMs = t;
  for (const [end, r] of ends) {
    if (total >= j.workers) break;
    timeMs = Math.max(t, end);
    for (let i = 0; i < r.placements.length; i++) {
      const node = r.nodes[i]!;
      const s = shadow.get(node);
      if (!s) continue;
      const p = r.placements[i]!;
      for (const gi of p.gpuIndices) s.g[gi]! += p.gpuMilli;
      s.cpu += r.req.cpuMilli;
      s.mem += r.req.memoryMiB;
      const fit = workersFit(j, node, s.g, s.cpu, s.mem);
      total += fit - s.fit;
      s.fit = fit;
    }
  }
  if (total < j.workers) return null;
  const contributing = [...shadow.entries()].filter(([, s]) => s.fit > 0);
  contributing.sort((a, b) => b[1].fit - a[1].fit || a[0].idx - b[0].idx);
  const reserved = new Set<NodeRecord>();
  let covered = 0;
  for (const [n, s] of contributing) {
    if (covered >= j.workers) break;
    reserved.add(n);
    covered += s.fit;
  }
  return { timeMs, nodes: reserved };
}
