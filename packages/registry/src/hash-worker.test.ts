import { createHash } from 'node:crypto';
import { MlopsError } from '@mlops/contracts';
import { describe, expect, it } from 'vitest';
import { createHashWorker } from './hash-worker.js';

const MiB = 1024 * 1024;

/** Fresh chunks with position-dependent content, like a file stream. */
async function* chunksOf(count: number, size: number, onChunk?: (i: number) => void | Promise<void>): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < count; i++) {
    await onChunk?.(i);
    const buffer = new Uint8Array(size);
    for (let j = 0; j < size; j += 4096) buffer[j] = (i * 31 + j) % 251;
    yield buffer;
  }
}

async function expectedDigest(count: number, size: number): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of chunksOf(count, size)) hash.update(chunk);
  return hash.digest('hex');
}

describe('createHashWorker', () => {
  it('hashes a large stream on the worker to the same digest as node:crypto, yielding every chunk', async () => {
    const hasher = createHashWorker();
    try {
      const { chunks, result } = hasher.hash(chunksOf(40, MiB));
      const seen = createHash('sha256');
      let bytes = 0;
      for await (const chunk of chunks) {
        seen.update(chunk);
        bytes += chunk.byteLength;
      }
      const expected = await expectedDigest(40, MiB);
      expect(seen.digest('hex')).toBe(expected);
      expect(await result()).toEqual({ sha256: expected, size: 40 * MiB });
      expect(bytes).toBe(40 * MiB);
      // Reused for the next large stream.
      const second = hasher.hash(chunksOf(12, MiB));
      for await (const chunk of second.chunks) void chunk;
      expect((await second.result()).sha256).toBe(await expectedDigest(12, MiB));
    } finally {
      await hasher.close();
    }
  });

  it('hashes chunks of varying sizes through reused buffers correctly', async () => {
    const sizes = Array.from({ length: 40 }, (_, i) => (i % 3 === 0 ? 3 * MiB + 17 : i % 3 === 1 ? 100_003 : MiB));
    const make = async function* (): AsyncGenerator<Uint8Array> {
      for (const [i, n] of sizes.entries()) yield new Uint8Array(n).fill((i * 13) % 256);
    };
    const expected = createHash('sha256');
    for await (const chunk of make()) expected.update(chunk);
    const hasher = createHashWorker();
    try {
      const { chunks, result } = hasher.hash(make());
      for await (const chunk of chunks) void chunk;
      expect(await result()).toEqual({ sha256: expected.digest('hex'), size: sizes.reduce((x, y) => x + y, 0) });
    } finally {
      await hasher.close();
    }
  });

  it('hashes small streams in-thread and refuses a digest before the stream ended', async () => {
    const hasher = createHashWorker();
    const { chunks, result } = hasher.hash(chunksOf(3, 1000));
    await expect(result()).rejects.toThrow(/before reading its whole stream/);
    for await (const chunk of chunks) void chunk;
    expect(await result()).toEqual({ sha256: await expectedDigest(3, 1000), size: 3000 });
    await hasher.close();
  });

  it('fails the stream cleanly when the worker goes away mid-hash', async () => {
    const hasher = createHashWorker();
    const { chunks, result } = hasher.hash(
      chunksOf(64, MiB, async (i) => {
        if (i === 20) await hasher.close();
      }),
    );
    let failure: unknown;
    try {
      for await (const chunk of chunks) void chunk;
    } catch (error) {
      failure = error;
    }
    expect(MlopsError.isInstance(failure) && failure.code).toBe('DATA_CORRUPTED');
    await expect(result()).rejects.toThrow();
  });
});
