/**
 * Per-key mutual exclusion: `acquire(key)` resolves with a release function once every
 * earlier holder of the same key has released. Different keys never wait for each other.
 * Waiters are served in arrival order, so a burst of 32 conditional writers is decided in
 * the order their requests reached the server, as on a real store.
 */
export interface KeyedLock {
  /** Waits for the key, then returns the function that releases it (safe to call twice). */
  acquire(key: string): Promise<() => void>;
  /** Number of keys currently held or waited for (0 when idle; used by tests). */
  readonly size: number;
}

/** Creates an empty {@link KeyedLock}. */
export function createKeyedLock(): KeyedLock {
  // The tail promise of each key's queue; an entry is removed when its last holder releases.
  const tails = new Map<string, Promise<void>>();
  return {
    get size() {
      return tails.size;
    },
    async acquire(key: string): Promise<() => void> {
      const previous = tails.get(key) ?? Promise.resolve();
      let releaseThis!: () => void;
      const current = new Promise<void>((resolve) => {
        releaseThis = resolve;
      });
      const tail = previous.then(() => current);
      tails.set(key, tail);
      await previous;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        releaseThis();
        if (tails.get(key) === tail) tails.delete(key);
      };
    },
  };
}
