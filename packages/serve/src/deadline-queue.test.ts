import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DeadlineQueue } from './deadline-queue.js';

class Entry {
  done = false;
  constructor(readonly name: string, readonly deadline: number) {}
  settled(): boolean {
    return this.done;
  }
}

describe('DeadlineQueue', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('expires unsettled entries at their deadlines with one timer, skipping settled ones', () => {
    const expired: string[] = [];
    const q = new DeadlineQueue<Entry>((e) => expired.push(e.name), () => Date.now());
    const t0 = Date.now();
    const a = new Entry('a', t0 + 100);
    const b = new Entry('b', t0 + 100);
    const c = new Entry('c', t0 + 30);
    q.add(a, 100);
    q.add(b, 100);
    q.add(c, 30); // a shorter timeout in its own FIFO re-arms the timer earlier
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(29);
    expect(expired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(expired).toEqual(['c']);
    a.done = true;
    vi.advanceTimersByTime(70);
    expect(expired).toEqual(['c', 'b']);
    expect(q.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('drops settled heads as new entries arrive, so completed requests do not pile up', () => {
    const q = new DeadlineQueue<Entry>(() => undefined, () => Date.now());
    for (let i = 0; i < 5000; i++) {
      const e = new Entry(String(i), Date.now() + 60_000);
      q.add(e, 60_000);
      e.done = true; // finished long before its deadline
    }
    expect(q.size).toBeLessThanOrEqual(1);
    q.clear();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('gives entries beyond 16 distinct timeout values a timer of their own', () => {
    const expired: string[] = [];
    const q = new DeadlineQueue<Entry>((e) => expired.push(e.name), () => Date.now());
    for (let i = 1; i <= 17; i++) q.add(new Entry(`t${i}`, Date.now() + i), i);
    vi.advanceTimersByTime(17);
    expect(expired).toHaveLength(17);
    expect(new Set(expired).size).toBe(17);
  });
});
