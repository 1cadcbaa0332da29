/**
 * The naive baseline: what a scheduler without incremental structures does. Every pass
 * re-sorts the whole queue and, for every job, filters and scores every node (as
 * kube-scheduler's filter/score cycle does per pod). Same best-fit rule and gang semantics
 * (all workers or none) as the real scheduler, so placements are comparable.
 */
export interface NaiveNode {
  model: number;
  free: number;
}

export interface NaiveJob {
  id: number;
  priority: number;
  submit: number;
  workers: number;
  gpus: number;
  /** Allowed model, or -1 for any. */
  model: number;
}

export class NaiveScheduler {
  readonly queue: NaiveJob[] = [];
  constructor(readonly nodes: NaiveNode[]) {}

  submit(job: NaiveJob): void {
    this.queue.push(job);
  }

  /** Returns the placements made: [job, node indices]. */
  schedule(): Array<[NaiveJob, number[]]> {
    this.queue.sort((a, b) => b.priority - a.priority || a.submit - b.submit || a.id - b.id);
    const placed: Array<[NaiveJob, number[]]> = [];
    const keep: NaiveJob[] = [];
    for (const job of this.queue) {
      const chosen: number[] = [];
      for (let w = 0; w < job.workers; w++) {
        let best = -1;
        for (let i = 0; i < this.nodes.length; i++) {
          const n = this.nodes[i]!;
          if (n.free < job.gpus || (job.model >= 0 && n.model !== job.model)) continue;
          if (best < 0 || n.free < this.nodes[best]!.free) best = i;
        }
        if (best < 0) break;
        this.nodes[best]!.free -= job.gpus;
        chosen.push(best);
      }
      if (chosen.length === job.workers) placed.push([job, chosen]);
      else {
        for (const i of chosen) this.nodes[i]!.free += job.gpus;
        keep.push(job);
      }
    }
    this.queue.length = 0;
    this.queue.push(...keep);
    return placed;
  }

  release(job: NaiveJob, nodes: number[]): void {
    for (const i of nodes) this.nodes[i]!.free += job.gpus;
  }
}
