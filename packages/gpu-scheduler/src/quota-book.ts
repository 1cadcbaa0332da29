import type { QueueSpec } from './types.js';

/** Internal queue record with usage counters. */
export interface QueueRecord {
  spec: QueueSpec;
  id: string;
  cohort: string | undefined;
  weight: number;
  nominal: Map<string, number>;
  borrowLimit: Map<string, number>;
  lendLimit: Map<string, number>;
  /** GPUs in use per quota key. */
  used: Map<string, number>;
  gpuUsedMilli: number;
  cpuUsed: number;
  memUsed: number;
  pending: number;
  running: number;
  allowSpot: boolean;
  cheapest: boolean;
}

/** Outcome of a quota check for one key. */
export type QuotaFit = 'nominal' | 'borrow' | 'no';

/**
 * Kueue-style quota accounting: each queue has a nominal GPU quota per model key; inside a
 * cohort a queue may borrow unused nominal quota of the others up to its borrowing limit.
 */
export class QuotaBook {
  readonly queues = new Map<string, QueueRecord>();
  private readonly cohorts = new Map<string, QueueRecord[]>();

  add(spec: QueueSpec): QueueRecord {
    const q: QueueRecord = {
      spec,
      id: spec.id,
      cohort: spec.cohort,
      weight: spec.weight ?? 1,
      nominal: new Map(Object.entries(spec.nominalGpus ?? {})),
      borrowLimit: new Map(Object.entries(spec.borrowingLimitGpus ?? {})),
      lendLimit: new Map(Object.entries(spec.lendingLimitGpus ?? {})),
      used: new Map(),
      gpuUsedMilli: 0,
      cpuUsed: 0,
      memUsed: 0,
      pending: 0,
      running: 0,
      allowSpot: spec.allowSpot ?? true,
      cheapest: spec.flavorPreference === 'cheapest',
    };
    this.queues.set(q.id, q);
    if (q.cohort !== undefined) {
      const list = this.cohorts.get(q.cohort) ?? [];
      list.push(q);
      this.cohorts.set(q.cohort, list);
    }
    return q;
  }

  /** The quota key that covers `model` in `q`, or null when unlimited. */
  keyFor(q: QueueRecord, model: string): string | null {
    if (q.nominal.has(model)) return model;
    if (q.nominal.has('*')) return '*';
    return null;
  }

  /** Can `q` take `amount` more GPUs on `key`, and does that borrow? */
  check(q: QueueRecord, key: string | null, amount: number): QuotaFit {
    if (key === null) return 'nominal';
    const nominal = q.nominal.get(key) ?? 0;
    const used = q.used.get(key) ?? 0;
    if (used + amount <= nominal + 1e-9) return 'nominal';
    if (q.cohort === undefined) return 'no';
    const limit = q.borrowLimit.get(key);
    if (limit !== undefined && used + amount - nominal > limit + 1e-9) return 'no';
    // Everything borrowed in the cohort (with this request) must fit in what lenders leave
    // unused and are willing to lend. Without lending limits this is "cohort usage <= cohort
    // nominal quota".
    let borrowed = 0;
    let lendable = 0;
    for (const other of this.cohorts.get(q.cohort) ?? []) {
      const nom = other.nominal.get(key) ?? 0;
      const use = (other.used.get(key) ?? 0) + (other === q ? amount : 0);
      if (use > nom) borrowed += use - nom;
      else lendable += Math.min(nom - use, other.lendLimit.get(key) ?? Number.POSITIVE_INFINITY);
    }
    return borrowed <= lendable + 1e-9 ? 'borrow' : 'no';
  }

  /** The most `q` could ever hold on `key` (nominal + borrowing), for static rejection. */
  ceiling(q: QueueRecord, key: string): number {
    const nominal = q.nominal.get(key) ?? 0;
    if (q.cohort === undefined) return nominal;
    let lendable = 0;
    for (const other of this.cohorts.get(q.cohort) ?? []) {
      if (other !== q) lendable += Math.min(other.nominal.get(key) ?? 0, other.lendLimit.get(key) ?? Number.POSITIVE_INFINITY);
    }
    const limit = q.borrowLimit.get(key) ?? Number.POSITIVE_INFINITY;
    return nominal + Math.min(lendable, limit);
  }

  charge(q: QueueRecord, key: string | null, amount: number): void {
    if (key === null) return;
    q.used.set(key, (q.used.get(key) ?? 0) + amount);
  }

  /** GPUs of `key` that `q` holds above its nominal quota. */
  borrowed(q: QueueRecord, key: string): number {
    return Math.max(0, (q.used.get(key) ?? 0) - (q.nominal.get(key) ?? 0));
  }

  cohortOf(q: QueueRecord): readonly QueueRecord[] {
    return q.cohort === undefined ? [q] : (this.cohorts.get(q.cohort) ?? [q]);
  }
}
