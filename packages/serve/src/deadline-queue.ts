// Request deadlines with one timer per batcher instead of one `setTimeout` per request.
// Entries are kept in one FIFO per distinct timeout value: within a FIFO, deadlines are in
// enqueue order, so the earliest deadline is always at a head. Settled entries are not removed
// when they settle (that would be O(n)); they are dropped when they reach a head, which under
// load is soon, because requests mostly finish in the order they came.

/** What the queue needs of an entry: its deadline and whether it still waits for one. */
export interface DeadlineEntry {
  deadline: number;
  /** True once the request has finished (result, error or expiry). */
  settled(): boolean;
}

interface Fifo<T> {
  items: T[];
  head: number;
}

/** Most distinct timeout values kept in FIFOs; requests with yet other values get their own timer. */
const MAX_FIFOS = 16;

export class DeadlineQueue<T extends DeadlineEntry> {
  private readonly fifos = new Map<number, Fifo<T>>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private armedAt = Infinity;

  /** `expire` is called once for each entry whose deadline passes before it settles. */
  constructor(
    private readonly expire: (entry: T) => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Track `entry`, whose deadline is `timeoutMs` after now. */
  add(entry: T, timeoutMs: number): void {
    let f = this.fifos.get(timeoutMs);
    if (f === undefined) {
      if (this.fifos.size >= MAX_FIFOS) {
        // Rare: many distinct per-request timeouts. Fall back to a timer of its own.
        const t = setTimeout(() => {
          if (!entry.settled()) this.expire(entry);
        }, Math.max(0, entry.deadline - this.now()));
        t.unref?.();
        return;
      }
      f = { items: [], head: 0 };
      this.fifos.set(timeoutMs, f);
    }
    this.compact(f);
    f.items.push(entry);
    if (entry.deadline < this.armedAt) this.arm(entry.deadline);
  }

  /** Entries tracked (settled ones not yet dropped included). */
  get size(): number {
    let n = 0;
    for (const f of this.fifos.values()) n += f.items.length - f.head;
    return n;
  }

  /** Stop the timer (nothing is expired afterwards). */
  clear(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.armedAt = Infinity;
    this.fifos.clear();
  }

  /** Drop settled entries at the head of a FIFO, and reclaim the consumed prefix now and then. */
  private compact(f: Fifo<T>): void {
    while (f.head < f.items.length && f.items[f.head]!.settled()) f.head++;
    if (f.head > 1024 && f.head * 2 > f.items.length) {
      f.items = f.items.slice(f.head);
      f.head = 0;
    }
  }

  private arm(at: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.armedAt = at;
    this.timer = setTimeout(this.fire, Math.max(0, at - this.now()));
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    this.armedAt = Infinity;
    const now = this.now();
    let next = Infinity;
    for (const [key, f] of this.fifos) {
      while (f.head < f.items.length) {
        const e = f.items[f.head]!;
        if (e.settled()) {
          f.head++;
          continue;
        }
        if (e.deadline > now) break;
        f.head++;
        this.expire(e);
      }
      if (f.head >= f.items.length) this.fifos.delete(key);
      else {
        this.compact(f);
        next = Math.min(next, f.items[f.head]!.deadline);
      }
    }
    if (next !== Infinity && next < this.armedAt) this.arm(next);
  };
}
