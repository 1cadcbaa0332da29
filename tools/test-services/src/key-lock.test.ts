import { describe, expect, it } from 'vitest';
import { createKeyedLock } from './key-lock.js';

describe('createKeyedLock', () => {
  it('runs holders of one key one at a time, in arrival order, and frees the key afterwards', async () => {
    const lock = createKeyedLock();
    const events: string[] = [];
    let inside = 0;
    await Promise.all(
      Array.from({ length: 5 }, async (_, i) => {
        const release = await lock.acquire('k');
        inside++;
        expect(inside).toBe(1);
        events.push(`in-${i}`);
        await new Promise((r) => setTimeout(r, 2));
        inside--;
        release();
        release(); // a second call is harmless
      }),
    );
    expect(events).toEqual(['in-0', 'in-1', 'in-2', 'in-3', 'in-4']);
    expect(lock.size).toBe(0);
  });

  it('never makes different keys wait for each other', async () => {
    const lock = createKeyedLock();
    const releaseA = await lock.acquire('a');
    const releaseB = await lock.acquire('b');
    expect(lock.size).toBe(2);
    releaseA();
    releaseB();
    expect(lock.size).toBe(0);
  });
});
