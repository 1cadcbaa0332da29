import { createMemoryStore } from '@mlops/storage';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY } from './cas.js';
import { appendEvent, highestAfter, readEventsAfter, readEventTail } from './event-log.js';
import { createLayout } from './layout.js';

const layout = createLayout('');
const draft = (i: number) => ({ type: 'tags_set' as const, name: 'm', at: i, actor: 'a', tags: { i: String(i) } });

describe('event log', () => {
  it('appends contiguous sequence numbers even from a stale known position, never overwriting', async () => {
    const store = createMemoryStore();
    const seqs = await Promise.all(Array.from({ length: 8 }, (_, i) => appendEvent(store, layout, draft(i), 0, DEFAULT_RETRY).then((e) => e.seq)));
    expect(seqs.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const all = await readEventsAfter(store, layout, 'm', 0);
    expect(all.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(new Set(all.map((e) => e.tags!.i)).size).toBe(8);
    expect((await readEventTail(store, layout, 'm', 5, 2)).map((e) => e.seq)).toEqual([6, 7, 8]);
    expect((await readEventsAfter(store, layout, 'm', 6)).map((e) => e.seq)).toEqual([7, 8]);
    expect(await highestAfter(store, layout.eventsPrefix('m'), undefined, (k) => layout.seqFromKey('m', k), 0)).toBe(8);
    await store.close();
  });
});
