import { createHash } from 'node:crypto';
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MlopsError } from '@mlops/contracts/errors';
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

/** Hashes `make()` through a fresh worker and checks the digest and size against node:crypto's. */
async function expectWorkerDigest(make: () => AsyncGenerator<Uint8Array>, sizes: number[]): Promise<void> {
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
    await expectWorkerDigest(make, sizes);
  });

  it('packs chunks of any size into batches without losing or reordering a byte', async () => {
    // Exactly one batch, one byte less, one more, a chunk spanning three batches, single bytes.
    const sizes = [4 * MiB, 4 * MiB - 1, 1, 4 * MiB + 1, 9 * MiB + 5, 1, 1, 2 * MiB, 3, 4 * MiB, 17];
    const make = async function* (): AsyncGenerator<Uint8Array> {
      // One reused buffer, overwritten for every chunk: the hash must have copied what it needed.
      const shared = new Uint8Array(10 * MiB);
      for (const [i, n] of sizes.entries()) {
        for (let j = 0; j < n; j += 997) shared[j] = (i * 37 + j) % 256;
        shared.fill(i, n - 1, n);
        yield shared.subarray(0, n);
      }
    };
    await expectWorkerDigest(make, sizes);
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

describe('createHashWorker().hashFile', () => {
  it('hashes a large local file on the worker (its own reads) to the digest of exactly the bytes yielded', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'hash-file-'));
    const hasher = createHashWorker();
    try {
      const file = path.join(dir, 'big.bin');
      const parts: Uint8Array[] = [];
      for await (const chunk of chunksOf(20, MiB)) parts.push(chunk);
      // Not a whole number of read chunks, so the last read is short.
      parts.push(new Uint8Array(12_345).fill(9));
      await writeFile(file, Buffer.concat(parts));
      const expected = createHash('sha256');
      for (const part of parts) expected.update(part);
      const digest = expected.digest('hex');
      const { chunks, result } = hasher.hashFile(file);
      const seen = createHash('sha256');
      for await (const chunk of chunks) seen.update(chunk);
      expect(seen.digest('hex')).toBe(digest);
      expect(await result()).toEqual({ sha256: digest, size: 20 * MiB + 12_345 });
    } finally {
      await hasher.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('hashes a small file in-thread, and a stopped read rejects the digest and releases the file', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'hash-file-'));
    const hasher = createHashWorker(4 * MiB);
    try {
      const small = path.join(dir, 'small.txt');
      await writeFile(small, 'hello');
      const one = hasher.hashFile(small);
      for await (const chunk of one.chunks) void chunk;
      expect(await one.result()).toEqual({ sha256: createHash('sha256').update('hello').digest('hex'), size: 5 });

      const big = path.join(dir, 'big.bin');
      await writeFile(big, new Uint8Array(10 * MiB).fill(3));
      const two = hasher.hashFile(big);
      let n = 0;
      for await (const chunk of two.chunks) {
        void chunk;
        if (++n === 3) break;
      }
      await expect(two.result()).rejects.toMatchObject({ code: 'DATA_CORRUPTED' });
      // The next job on the same worker is unaffected.
      const three = hasher.hashFile(big);
      for await (const chunk of three.chunks) void chunk;
      expect((await three.result()).sha256).toBe(createHash('sha256').update(new Uint8Array(10 * MiB).fill(3)).digest('hex'));
    } finally {
      await hasher.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses the digest when the file is modified while it is streamed', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'hash-file-'));
    const hasher = createHashWorker();
    try {
      const file = path.join(dir, 'big.bin');
      await writeFile(file, new Uint8Array(12 * MiB).fill(1));
      const { chunks, result } = hasher.hashFile(file);
      let n = 0;
      for await (const chunk of chunks) {
        void chunk;
        if (++n === 2) await appendFile(file, 'more bytes from another writer');
      }
      const failure = await result().then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(MlopsError.isInstance(failure) && failure.code).toBe('DATA_CORRUPTED');
      expect(String(failure)).toMatch(/changed while it was being registered/);
    } finally {
      await hasher.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('fails with a clear error when the file cannot be opened', async () => {
    const hasher = createHashWorker();
    const { chunks } = hasher.hashFile(path.join(tmpdir(), 'no-such-artifact-file.bin'));
    await expect(chunks.next()).rejects.toMatchObject({ code: 'ENOENT' });
    await hasher.close();
  });
});
