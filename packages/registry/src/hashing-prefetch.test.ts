import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashAhead } from './hashing-prefetch.js';

async function* chunks(count: number, size: number, failAt?: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < count; i++) {
    if (i === failAt) throw new Error(`source failed at chunk ${i}`);
    yield new Uint8Array(size).fill(i % 251);
  }
}

describe('hashAhead', () => {
  it('re-yields every chunk in order and hashes them all', async () => {
    const { chunks: out, result } = hashAhead(chunks(50, 1000), 4096);
    const expected = createHash('sha256');
    for await (const c of chunks(50, 1000)) expected.update(c);
    const seen: number[] = [];
    for await (const c of out) seen.push(c[0]!);
    expect(seen).toEqual(Array.from({ length: 50 }, (_, i) => i % 251));
    expect(result).toEqual({ sha256: expected.digest('hex'), size: 50_000 });
  });

  it('reads at most aheadBytes in front of a slow consumer', async () => {
    let produced = 0;
    async function* counted(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < 100; i++) {
        produced++;
        yield new Uint8Array(1024);
      }
    }
    const { chunks: out } = hashAhead(counted(), 8 * 1024);
    let consumed = 0;
    for await (const _ of out) {
      consumed++;
      await new Promise((r) => setTimeout(r, 1));
      expect(produced - consumed).toBeLessThanOrEqual(9);
    }
    expect(consumed).toBe(100);
  });

  it('fails the consumer when the source fails, and leaves the hash unset', async () => {
    const { chunks: out, result } = hashAhead(chunks(10, 100, 5));
    await expect((async () => {
      for await (const _ of out) void _;
    })()).rejects.toThrow('source failed at chunk 5');
    expect(result.sha256).toBe('');
  });

  it('closes the source when the consumer stops early', async () => {
    let closed = false;
    async function* source(): AsyncGenerator<Uint8Array> {
      try {
        for (let i = 0; i < 1000; i++) yield new Uint8Array(1024);
      } finally {
        closed = true;
      }
    }
    const { chunks: out } = hashAhead(source(), 4096);
    for await (const _ of out) break;
    expect(closed).toBe(true);
  });
});
