import { createHash } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MlopsError } from '@mlops/contracts/errors';
import type { ObjectMeta, ObjectStoreV1 } from '../src/index.js';
import { casIncrement } from './conformance-helpers.js';

export { casIncrement };

/** What a conformance run needs from a driver. */
export interface ConformanceTarget {
  store: ObjectStoreV1;
  /** Remove whatever the store holds (temp dirs, bucket prefixes). */
  cleanup?: () => Promise<void>;
}

/** Per-driver settings for {@link describeObjectStoreConformance}. */
export interface ConformanceOptions {
  /** Check that a 64 MiB put/getStream round trip never holds the whole object in this process's memory. */
  checkStreamingMemory?: boolean;
  /**
   * Largest heap + ArrayBuffer growth allowed during that round trip (default 40 MiB). A store
   * that buffers the whole object holds at least 56 MiB at the last sample, so anything below
   * that still proves streaming; raise it only for in-flight buffers the driver needs.
   */
  maxStreamingGrowthBytes?: number;
  /** Extra tests that need a fresh store, e.g. cross-process writers for the file store. */
  extra?: (getStore: () => ObjectStoreV1) => void;
}

const text = new TextDecoder();
const bytes = (s: string) => new TextEncoder().encode(s);

/** Await `promise` and return the MlopsError code it rejects with (fails the test if it resolves). */
export async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (MlopsError.isInstance(error)) return error.code;
    throw error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

async function listAll(store: ObjectStoreV1, options: Parameters<ObjectStoreV1['list']>[0] = {}) {
  const objects: ObjectMeta[] = [];
  const prefixes: string[] = [];
  let pages = 0;
  for await (const page of store.list(options)) {
    pages++;
    objects.push(...page.objects);
    prefixes.push(...page.prefixes);
  }
  return { keys: objects.map((o) => o.key), objects, prefixes, pages };
}

let gc: (() => void) | undefined;
function forceGc(): void {
  if (!gc) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
}
const memoryInUse = () => {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

/** A deterministic pseudo-random byte stream of `size` bytes in 1 MiB chunks, built lazily. */
async function* patternedChunks(size: number, onChunk?: (sent: number) => void): AsyncGenerator<Uint8Array> {
  const chunkSize = 1 << 20;
  let state = 0x9e3779b9;
  for (let sent = 0; sent < size; sent += chunkSize) {
    const chunk = Buffer.allocUnsafe(Math.min(chunkSize, size - sent));
    for (let i = 0; i + 4 <= chunk.length; i += 4) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      chunk.writeInt32LE(state | 0, i);
    }
    onChunk?.(sent);
    yield chunk;
  }
}

/**
 * The one behavioural test suite every `ObjectStoreV1` driver must pass: memory, file, S3, GCS
 * and any third-party driver. `factory` makes a fresh, empty store for each test.
 */
export function describeObjectStoreConformance(
  name: string,
  factory: () => Promise<ConformanceTarget>,
  options: ConformanceOptions = {},
): void {
  describe(`ObjectStoreV1 conformance: ${name}`, () => {
    let target: ConformanceTarget;
    let store: ObjectStoreV1;
    beforeEach(async () => {
      target = await factory();
      store = target.store;
    });
    afterEach(async () => {
      await target.cleanup?.();
      await store.close();
    });

    it('declares the v1 interface', () => {
      expect(store.specificationVersion).toBe('v1');
      expect(typeof store.kind).toBe('string');
      expect(store.url).toMatch(/^[a-z0-9]+:\/\//);
      expect(store.capabilities.conditionalWrites).toBe(true);
    });

    it('puts, gets, heads and deletes an object', async () => {
      const put = await store.put('models/fraud/v1.json', '{"auc":0.91}', { contentType: 'application/json' });
      expect(put.size).toBe(12);
      expect(put.etag).not.toBe('');
      const got = await store.get('models/fraud/v1.json');
      expect(text.decode(got.body)).toBe('{"auc":0.91}');
      expect(got.key).toBe('models/fraud/v1.json');
      expect(got.size).toBe(12);
      expect(got.etag).toBe(put.etag);
      expect(got.lastModified).toBeInstanceOf(Date);
      expect(Math.abs(got.lastModified.getTime() - Date.now())).toBeLessThan(5 * 60_000);
      const head = await store.head('models/fraud/v1.json');
      expect(head).toMatchObject({ key: 'models/fraud/v1.json', size: 12, etag: put.etag });
      await store.delete('models/fraud/v1.json');
      expect(await store.head('models/fraud/v1.json')).toBeUndefined();
      expect(await codeOf(store.get('models/fraud/v1.json'))).toBe('NOT_FOUND');
    });

    it('round-trips binary bytes, an empty object and every body type', async () => {
      const binary = Uint8Array.from({ length: 256 }, (_, i) => i);
      await store.put('bin', binary);
      expect(Buffer.from((await store.get('bin')).body).equals(Buffer.from(binary))).toBe(true);
      await store.put('empty', new Uint8Array(0));
      expect((await store.get('empty')).body.byteLength).toBe(0);
      expect((await store.head('empty'))?.size).toBe(0);
      await store.put('node-readable', Readable.from([Buffer.from('ab'), Buffer.from('cd')]));
      await store.put('web-stream', new Blob(['ef', 'gh']).stream());
      await store.put('iterable', (async function* () {
        yield bytes('ij');
        yield bytes('kl');
      })());
      expect(text.decode((await store.get('node-readable')).body)).toBe('abcd');
      expect(text.decode((await store.get('web-stream')).body)).toBe('efgh');
      expect(text.decode((await store.get('iterable')).body)).toBe('ijkl');
      const stream = await store.getStream('iterable');
      expect(stream.size).toBe(4);
      const chunks: Buffer[] = [];
      for await (const chunk of stream.body) chunks.push(Buffer.from(chunk as Uint8Array));
      expect(Buffer.concat(chunks).toString()).toBe('ijkl');
    });

    it('does not let callers mutate stored bytes through the buffers they passed or got', async () => {
      const body = bytes('original');
      await store.put('k', body);
      body.fill(0);
      const got = await store.get('k');
      got.body.fill(0);
      expect(text.decode((await store.get('k')).body)).toBe('original');
    });

    it('reports NOT_FOUND for missing keys and treats delete of a missing key as done', async () => {
      expect(await codeOf(store.get('nope'))).toBe('NOT_FOUND');
      expect(await codeOf(store.getStream('nope/deeper'))).toBe('NOT_FOUND');
      expect(await store.head('nope')).toBeUndefined();
      await expect(store.delete('nope')).resolves.toBeUndefined();
      expect(await codeOf(store.delete('nope', { ifMatch: 'x' }))).toBe('NOT_FOUND');
    });

    it('changes the etag when the content changes', async () => {
      const a = await store.put('k', 'one');
      const b = await store.put('k', 'two');
      const c = await store.put('k', 'three');
      expect(new Set([a.etag, b.etag, c.etag]).size).toBe(3);
      expect((await store.head('k'))?.etag).toBe(c.etag);
    });

    it('rejects bad keys with INVALID_ARGUMENT and writes nothing', async () => {
      const bad = ['', '/abs', 'a//b', 'a/', './a', 'a/./b', '../escape', 'a/../../b', 'a\\b', 'nul\u0000', 'tab\tkey', 'x'.repeat(1025), '.mlops-locks/x'];
      for (const key of bad) {
        expect(await codeOf(store.put(key, 'x')), key).toBe('INVALID_ARGUMENT');
        expect(await codeOf(store.get(key)), key).toBe('INVALID_ARGUMENT');
        expect(await codeOf(store.head(key)), key).toBe('INVALID_ARGUMENT');
        expect(await codeOf(store.delete(key)), key).toBe('INVALID_ARGUMENT');
      }
      expect((await listAll(store)).keys).toEqual([]);
    });

    it('rejects bad options with INVALID_ARGUMENT', async () => {
      expect(await codeOf(store.put('k', 'x', { ifMatch: 'a', ifNoneMatch: '*' }))).toBe('INVALID_ARGUMENT');
      expect(await codeOf(store.put('k', 'x', { ifNoneMatch: 'etag' as '*' }))).toBe('INVALID_ARGUMENT');
      expect(await codeOf(store.put('k', 42 as unknown as string))).toBe('INVALID_ARGUMENT');
      expect(() => store.list({ pageSize: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
      expect(() => store.list({ prefix: '../' })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
      expect(await store.head('k')).toBeUndefined();
    });

    it('honours ifNoneMatch and ifMatch on put, get and delete', async () => {
      const created = await store.put('lock', 'a', { ifNoneMatch: '*' });
      expect(await codeOf(store.put('lock', 'b', { ifNoneMatch: '*' }))).toBe('PRECONDITION_FAILED');
      const replaced = await store.put('lock', 'c', { ifMatch: created.etag });
      expect(await codeOf(store.put('lock', 'd', { ifMatch: created.etag }))).toBe('PRECONDITION_FAILED');
      expect(text.decode((await store.get('lock')).body)).toBe('c');
      expect(await codeOf(store.put('absent', 'x', { ifMatch: replaced.etag }))).toBe('PRECONDITION_FAILED');
      expect(await store.head('absent')).toBeUndefined();
      expect(text.decode((await store.get('lock', { ifMatch: replaced.etag })).body)).toBe('c');
      expect(await codeOf(store.get('lock', { ifMatch: created.etag }))).toBe('PRECONDITION_FAILED');
      expect(await codeOf(store.getStream('lock', { ifMatch: created.etag }))).toBe('PRECONDITION_FAILED');
      expect(await codeOf(store.delete('lock', { ifMatch: created.etag }))).toBe('PRECONDITION_FAILED');
      expect(await store.head('lock')).toBeDefined();
      await store.delete('lock', { ifMatch: replaced.etag });
      expect(await store.head('lock')).toBeUndefined();
      await store.put('lock', 'again', { ifNoneMatch: '*' });
    });

    const expectKeys = (actual: string[], expected: string[]) => {
      expect(actual).toEqual(expected);
    };

    it('lists in byte order with pages, prefix, delimiter and startAfter', async () => {
      // No key is also the "directory" of another ("a" and "a/b"): a file store can't hold both.
      const keys = ['a-b', 'a.txt', 'a/b', 'a/c/d', 'a/c/e', 'b/x', 'ba', 'z/\u00e9', 'z/\uff5e', 'z/\u{1F600}'];
      // UTF-8 byte order: U+FF5E (ef bd 9e) sorts before U+1F600 (f0 9f 98 80), unlike UTF-16 order.
      for (const key of [...keys].reverse()) await store.put(key, key);
      const all = await listAll(store);
      expectKeys(all.keys, keys);
      expect(all.prefixes).toEqual([]);
      expect(all.objects.find((o) => o.key === 'a/c/d')).toMatchObject({ size: 5 });
      const etag = (await store.head('a/b'))!.etag;
      expect(all.objects.find((o) => o.key === 'a/b')!.etag).toBe(etag);

      const paged = await listAll(store, { pageSize: 3 });
      expectKeys(paged.keys, keys);
      expect(paged.keys).toEqual(all.keys);
      expect(paged.pages).toBeGreaterThanOrEqual(Math.ceil(keys.length / 3));
      const pageSizes: number[] = [];
      for await (const page of store.list({ pageSize: 3 })) pageSizes.push(page.objects.length + page.prefixes.length);
      expect(Math.max(...pageSizes)).toBeLessThanOrEqual(3);

      expectKeys((await listAll(store, { prefix: 'a/' })).keys, ['a/b', 'a/c/d', 'a/c/e']);
      expectKeys((await listAll(store, { prefix: 'a' })).keys, ['a-b', 'a.txt', 'a/b', 'a/c/d', 'a/c/e']);
      expectKeys((await listAll(store, { prefix: 'b' })).keys, ['b/x', 'ba']);
      expectKeys((await listAll(store, { prefix: 'q' })).keys, []);

      const top = await listAll(store, { delimiter: '/' });
      expectKeys(top.keys, ['a-b', 'a.txt', 'ba']);
      expect(top.prefixes).toEqual(['a/', 'b/', 'z/']);
      const underA = await listAll(store, { prefix: 'a/', delimiter: '/' });
      expectKeys(underA.keys, ['a/b']);
      expect(underA.prefixes).toEqual(['a/c/']);
      const pagedTop = await listAll(store, { delimiter: '/', pageSize: 2 });
      expectKeys(pagedTop.keys, top.keys);
      expect(pagedTop.prefixes).toEqual(top.prefixes);

      expectKeys((await listAll(store, { startAfter: 'a/c/d' })).keys, keys.slice(keys.indexOf('a/c/e')));
      expectKeys((await listAll(store, { startAfter: 'a/b', prefix: 'a/' })).keys, ['a/c/d', 'a/c/e']);
      expectKeys((await listAll(store, { startAfter: 'b', pageSize: 1 })).keys, keys.slice(keys.indexOf('b/x')));

      await store.delete('a/c/d');
      await store.delete('a/c/e');
      const afterDelete = await listAll(store, { prefix: 'a/', delimiter: '/' });
      expect(afterDelete.prefixes).toEqual([]);
      expectKeys(afterDelete.keys, ['a/b']);
    });

    it('gives one empty page for an empty listing', async () => {
      const pages = [];
      for await (const page of store.list({ prefix: 'nothing/' })) pages.push(page);
      expect(pages).toEqual([{ objects: [], prefixes: [] }]);
    });

    it('lets exactly one of 32 concurrent create-if-absent writes win', async () => {
      const results = await Promise.allSettled(
        Array.from({ length: 32 }, (_, i) => store.put('registry/versions/1', `writer ${i}`, { ifNoneMatch: '*' })),
      );
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(31);
      for (const r of lost) expect(MlopsError.isInstance(r.reason, 'PRECONDITION_FAILED'), String(r.reason)).toBe(true);
      const winner = results.findIndex((r) => r.status === 'fulfilled');
      expect(text.decode((await store.get('registry/versions/1')).body)).toBe(`writer ${winner}`);
    });

    it('counts to exactly 200 with 8 writers doing 25 compare-and-swap increments each', async () => {
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          const cache = {};
          for (let i = 0; i < 25; i++) await casIncrement(store, 'counter', cache);
        }),
      );
      expect(text.decode((await store.get('counter')).body)).toBe('200');
    }, 120_000);

    it('round-trips a 64 MiB stream byte-identical through put(stream) and getStream', async () => {
      const size = 64 << 20;
      const expected = createHash('sha256');
      for await (const chunk of patternedChunks(size)) expected.update(chunk);
      const expectedHash = expected.digest('hex');

      const check = options.checkStreamingMemory === true;
      let baseline = 0;
      let peakGrowth = 0;
      const sample = () => {
        forceGc();
        peakGrowth = Math.max(peakGrowth, memoryInUse() - baseline);
      };
      if (check) {
        forceGc();
        baseline = memoryInUse();
      }
      const put = await store.put('big/blob.bin', patternedChunks(size, (sent) => {
        if (check && sent % (8 << 20) === 0 && sent > 0) sample();
      }));
      expect(put.size).toBe(size);
      const { body, size: storedSize } = await store.getStream('big/blob.bin');
      expect(storedSize).toBe(size);
      const actual = createHash('sha256');
      let received = 0;
      let nextSample = 8 << 20;
      for await (const chunk of body) {
        actual.update(chunk as Uint8Array);
        received += (chunk as Uint8Array).byteLength;
        if (check && received >= nextSample) {
          sample();
          nextSample += 8 << 20;
        }
      }
      expect(received).toBe(size);
      expect(actual.digest('hex')).toBe(expectedHash);
      if (check) {
        expect(peakGrowth, `peak memory growth ${(peakGrowth / 2 ** 20).toFixed(1)} MiB`).toBeLessThan(options.maxStreamingGrowthBytes ?? 40 << 20);
      }
    }, 120_000);

    it('stops a put when its signal aborts and leaves nothing at the key', async () => {
      const controller = new AbortController();
      async function* slow() {
        yield bytes('first part');
        controller.abort();
        yield bytes('second part');
      }
      await expect(store.put('aborted', slow(), { signal: controller.signal })).rejects.toThrow();
      expect(await store.head('aborted')).toBeUndefined();
      expect((await listAll(store)).keys).toEqual([]);
    });

    it('leaves nothing when the body stream fails midway', async () => {
      async function* failing() {
        yield bytes('partial');
        throw new Error('source broke');
      }
      await expect(store.put('broken', failing())).rejects.toThrow('source broke');
      expect(await store.head('broken')).toBeUndefined();
      expect((await listAll(store)).keys).toEqual([]);
    });

    options.extra?.(() => store);
  });
}
