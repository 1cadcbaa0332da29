import { createHash } from 'node:crypto';
import { createMemoryStore } from '@mlops/storage';
import { afterAll, describe, expect, it } from 'vitest';
import { openVerified, uploadArtifact } from './blobs.js';
import { DEFAULT_RETRY } from './cas.js';
import { createHashWorker } from './hash-worker.js';
import { createLayout } from './layout.js';

const layout = createLayout('');
const hasher = createHashWorker();
afterAll(() => hasher.close());
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const signal = new AbortController().signal;

async function readAll(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c);
  return Buffer.concat(chunks);
}

describe('blobs', () => {
  it('stores each content once: bytes and streams of the same content share one blob', async () => {
    const store = createMemoryStore();
    const bytes = new TextEncoder().encode('weights');
    const a = await uploadArtifact(store, layout, { path: 'a.bin', bytes }, 1, signal, hasher, DEFAULT_RETRY);
    const b = await uploadArtifact(store, layout, { path: 'b.bin', open: async function* () { yield bytes.slice(); } }, 2, signal, hasher, DEFAULT_RETRY);
    expect(a).toMatchObject({ path: 'a.bin', sha256: sha(bytes), size: 7 });
    expect(b.blob).toBe(a.blob);
    const data: string[] = [];
    for await (const page of store.list({ prefix: layout.blobDataPrefix })) for (const o of page.objects) data.push(o.key);
    expect(data).toEqual([a.blob]);
    expect((await readAll(await openVerified(store, a, 'm/1'))).toString()).toBe('weights');
    await store.close();
  });

  it('fails a read whose bytes do not match with DATA_CORRUPTED', async () => {
    const store = createMemoryStore();
    const entry = await uploadArtifact(store, layout, { path: 'a.bin', bytes: new Uint8Array([1, 2, 3]) }, 1, signal, hasher, DEFAULT_RETRY);
    await store.put(entry.blob, new Uint8Array([9, 9, 9]));
    await expect(readAll(await openVerified(store, entry, 'm/1'))).rejects.toMatchObject({ code: 'DATA_CORRUPTED' });
    await store.close();
  });
});
