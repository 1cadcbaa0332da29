/** What the pending queue needs from a job. */
export interface PendingItem {
  rank: number;
  submitMs: number;
  seq: number;
  /** Position in its bucket's heap, -1 when not queued. */
  heapIndex: number;
}

function before(a: PendingItem, b: PendingItem): boolean {
  if (a.rank !== b.rank) return a.rank < b.rank;
  if (a.submitMs !== b.submitMs) return a.submitMs < b.submitMs;
  return a.seq < b.seq;
}

/**
 * Jobs of one shape (same queue and same per-worker request): a binary heap by
 * (rank, submit time, sequence). When the head of a bucket cannot be placed, no other job of
 * the bucket can be either, so a scheduling pass skips the whole bucket at once.
 */
export class Bucket<T extends PendingItem> {
  readonly heap: T[] = [];
  /** Pass number in which the bucket was found blocked. */
  blockedPass = -1;
  constructor(
    readonly key: string,
    readonly queueId: string,
  ) {}

  get size(): number {
    return this.heap.length;
  }

  peek(): T | undefined {
    return this.heap[0];
  }

  push(item: T): void {
    item.heapIndex = this.heap.length;
    this.heap.push(item);
    this.up(item.heapIndex);
  }

  pop(): T | undefined {
    const top = this.heap[0];
    if (top !== undefined) this.remove(top);
    return top;
  }

  remove(item: T): void {
    const i = item.heapIndex;
    if (i < 0 || this.heap[i] !== item) return;
    const last = this.heap.pop()!;
    item.heapIndex = -1;
    if (i < this.heap.length) {
      this.heap[i] = last;
      last.heapIndex = i;
      this.down(i);
      this.up(last.heapIndex);
    }
  }

  private up(i: number): void {
    const h = this.heap;
    const item = h[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p]!;
      if (!before(item, parent)) break;
      h[i] = parent;
      parent.heapIndex = i;
      i = p;
    }
    h[i] = item;
    item.heapIndex = i;
  }

  private down(i: number): void {
    const h = this.heap;
    const n = h.length;
    const item = h[i]!;
    while (true) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && before(h[r]!, h[l]!) ? r : l;
      const child = h[c]!;
      if (!before(child, item)) break;
      h[i] = child;
      child.heapIndex = i;
      i = c;
    }
    h[i] = item;
    item.heapIndex = i;
  }
}

/** Compares two bucket heads (for picking the next job across buckets). */
export function headBefore(a: PendingItem, b: PendingItem): boolean {
  return before(a, b);
}

/**
 * Buckets ordered by their head job, for one scheduling pass (orderings without a dynamic
 * queue key). Each bucket is in the heap at most once; a head that changed since the bucket
 * was pushed is detected on pop and the bucket re-queued with its new head.
 */
export class BucketHeap<T extends PendingItem> {
  private readonly items: Array<{ b: Bucket<T>; head: T }> = [];

  get size(): number {
    return this.items.length;
  }

  push(b: Bucket<T>): void {
    const head = b.peek();
    if (head === undefined) return;
    const h = this.items;
    const entry = { b, head };
    let i = h.length;
    h.push(entry);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(head, h[p]!.head)) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = entry;
  }

  /** The bucket with the best head, or undefined; skips buckets emptied or blocked in `pass`. */
  pop(pass: number): Bucket<T> | undefined {
    while (this.items.length > 0) {
      const { b, head } = this.popEntry();
      const now = b.peek();
      if (now === undefined || b.blockedPass === pass) continue;
      if (now !== head) {
        this.push(b);
        continue;
      }
      return b;
    }
    return undefined;
  }

  private popEntry(): { b: Bucket<T>; head: T } {
    const h = this.items;
    const top = h[0]!;
    const last = h.pop()!;
    const n = h.length;
    if (n > 0) {
      let i = 0;
      while (true) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && before(h[r]!.head, h[l]!.head) ? r : l;
        if (!before(h[c]!.head, last.head)) break;
        h[i] = h[c]!;
        i = c;
      }
      h[i] = last;
    }
    return top;
  }
}
