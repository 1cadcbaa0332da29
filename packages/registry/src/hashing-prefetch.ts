import { createHash } from 'node:crypto';

/** The running digest of a {@link hashAhead} stream; `sha256` is set once the source ended. */
export interface HashResult {
  sha256: string;
  size: number;
}

/**
 * Re-yields `source` while hashing it, reading (and hashing) up to `aheadBytes` in front of the
 * consumer. A store writing chunk N is waiting on I/O; meanwhile chunk N+1 is being hashed, so
 * content addressing costs little wall time on top of the upload itself. Memory stays bounded by
 * `aheadBytes` plus one chunk. A failing source fails the consumer's next read.
 */
export function hashAhead(source: AsyncIterable<Uint8Array>, aheadBytes = 8 * 1024 * 1024): { chunks: AsyncGenerator<Uint8Array>; result: HashResult } {
  const hash = createHash('sha256');
  const result: HashResult = { sha256: '', size: 0 };
  const iterator = source[Symbol.asyncIterator]();
  const queue: Uint8Array[] = [];
  let queued = 0;
  let finished = false;
  let stopped = false;
  let failure: { error: unknown } | undefined;
  let wakeConsumer: (() => void) | undefined;
  let wakeProducer: (() => void) | undefined;
  const wake = (which: 'consumer' | 'producer') => {
    const fn = which === 'consumer' ? wakeConsumer : wakeProducer;
    if (which === 'consumer') wakeConsumer = undefined;
    else wakeProducer = undefined;
    fn?.();
  };

  async function pump(): Promise<void> {
    try {
      while (!stopped) {
        while (queued >= aheadBytes && !stopped) await new Promise<void>((resolve) => (wakeProducer = resolve));
        if (stopped) break;
        const next = await iterator.next();
        if (next.done) {
          result.sha256 = hash.digest('hex');
          break;
        }
        const chunk = next.value;
        hash.update(chunk);
        result.size += chunk.byteLength;
        queue.push(chunk);
        queued += chunk.byteLength;
        wake('consumer');
      }
    } catch (error) {
      failure = { error };
    } finally {
      finished = true;
      wake('consumer');
    }
  }

  async function* chunks(): AsyncGenerator<Uint8Array> {
    const pumping = pump();
    try {
      for (;;) {
        if (failure) throw failure.error;
        const chunk = queue.shift();
        if (chunk) {
          queued -= chunk.byteLength;
          wake('producer');
          yield chunk;
          continue;
        }
        if (finished) return;
        await new Promise<void>((resolve) => (wakeConsumer = resolve));
      }
    } finally {
      if (!finished) {
        // The consumer gave up (store error, abort): stop reading and release the source.
        stopped = true;
        wake('producer');
        await iterator.return?.().catch(() => undefined);
      }
      await pumping;
    }
  }
  return { chunks: chunks(), result };
}
