/** A timed entry: the scheduler re-checks `item` at `timeMs` if `epoch` still matches. */
export interface TimerEntry<T> {
  timeMs: number;
  kind: 'demote' | 'promote' | 'timeout';
  item: T;
  epoch: number;
}

/**
 * Min-heap of timer entries by time (then insertion order, for determinism). Entries are
 * invalidated lazily: the owner checks `epoch` when one comes due.
 */
export class TimerHeap<T> {
  private readonly heap: Array<TimerEntry<T> & { seq: number }> = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  push(entry: TimerEntry<T>): void {
    const h = this.heap;
    const e = { ...entry, seq: this.seq++ };
    let i = h.length;
    h.push(e);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(e, h[p]!)) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = e;
  }

  peek(): TimerEntry<T> | undefined {
    return this.heap[0];
  }

  pop(): TimerEntry<T> | undefined {
    const h = this.heap;
    const top = h[0];
    if (top === undefined) return undefined;
    const last = h.pop()!;
    if (h.length > 0) {
      let i = 0;
      while (true) {
        const l = 2 * i + 1;
        if (l >= h.length) break;
        const r = l + 1;
        const c = r < h.length && this.less(h[r]!, h[l]!) ? r : l;
        if (!this.less(h[c]!, last)) break;
        h[i] = h[c]!;
        i = c;
      }
      h[i] = last;
    }
    return top;
  }

  private less(a: { timeMs: number; seq: number }, b: { timeMs: number; seq: number }): boolean {
    return a.timeMs < b.timeMs || (a.timeMs === b.timeMs && a.seq < b.seq);
  }
}
