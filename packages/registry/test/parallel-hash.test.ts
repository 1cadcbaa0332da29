import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createFileStore } from '@mlops/storage';
import { afterAll, describe, expect, it } from 'vitest';
import { createRegistry } from '../src/index.js';

const MiB = 1024 * 1024;
const roots: string[] = [];
afterAll(async () => {
  await Promise.all(roots.map((root) => rm(root, { recursive: true, force: true })));
});

async function* large(count: number, onChunk?: (i: number) => void | Promise<void>): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < count; i++) {
    await onChunk?.(i);
    const chunk = new Uint8Array(MiB);
    for (let j = 0; j < MiB; j += 512) chunk[j] = (i * 7 + j) % 253;
    yield chunk;
  }
}

async function digestOf(count: number): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of large(count)) hash.update(chunk);
  return hash.digest('hex');
}

describe('large artifacts hashed on the worker thread (file store)', () => {
  it("records node:crypto's sha256 of the bytes and downloads them verified", async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'registry-phash-'));
    roots.push(root);
    const reg = createRegistry({ store: createFileStore({ root }) });
    try {
      const v = await reg.registerModelVersion({ name: 'big', artifacts: { 'model.bin': large(24), 'small.txt': new TextEncoder().encode('hi') } });
      const entry = v.artifacts.find((a) => a.path === 'model.bin')!;
      expect(entry.sha256).toBe(await digestOf(24));
      expect(entry.size).toBe(24 * MiB);
      const read = createHash('sha256');
      for await (const chunk of await reg.openArtifact('big/1', 'model.bin')) read.update(chunk as Buffer);
      expect(read.digest('hex')).toBe(entry.sha256);
    } finally {
      await reg.close();
    }
  });

  it('registers a large local file (hashed by the worker from its own reads) and re-points a content address whose blob was lost', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'registry-phash-'));
    roots.push(root);
    const file = path.join(root, 'weights.bin');
    const parts: Uint8Array[] = [];
    for await (const chunk of large(20)) parts.push(chunk);
    await writeFile(file, Buffer.concat(parts));
    const store = createFileStore({ root: path.join(root, 'store') });
    const reg = createRegistry({ store });
    try {
      const v1 = await reg.registerModelVersion({ name: 'local', artifacts: { 'model.bin': file } });
      expect(v1.artifacts[0]).toMatchObject({ sha256: await digestOf(20), size: 20 * MiB });
      // Same content again: deduplicated onto the first blob.
      const v2 = await reg.registerModelVersion({ name: 'local', artifacts: { 'model.bin': file } });
      expect(v2.artifacts[0]!.blob).toBe(v1.artifacts[0]!.blob);
      // The blob disappears behind the registry's back: the next upload of that content takes over the address.
      await store.delete(v1.artifacts[0]!.blob);
      const v3 = await reg.registerModelVersion({ name: 'local', artifacts: { 'model.bin': large(20) } });
      expect(v3.artifacts[0]!.blob).not.toBe(v1.artifacts[0]!.blob);
      expect(await store.head(v3.artifacts[0]!.blob)).toBeDefined();
      const out = path.join(root, 'out');
      await reg.downloadArtifacts('local/3', out);
      const back = createHash('sha256').update(await readFile(path.join(out, 'model.bin'))).digest('hex');
      expect(back).toBe(v3.artifacts[0]!.sha256);
    } finally {
      await reg.close();
    }
  });

  it('stores and hashes a source that reuses one buffer for every chunk', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'registry-phash-'));
    roots.push(root);
    async function* reusing(): AsyncGenerator<Uint8Array> {
      const buffer = new Uint8Array(MiB);
      for (let i = 0; i < 12; i++) {
        buffer.fill(i + 1);
        yield buffer;
      }
    }
    const expected = createHash('sha256');
    for (let i = 0; i < 12; i++) expected.update(new Uint8Array(MiB).fill(i + 1));
    const sha256 = expected.digest('hex');
    const reg = createRegistry({ store: createFileStore({ root: path.join(root, 'store') }) });
    try {
      const v = await reg.registerModelVersion({ name: 'reuse', artifacts: { 'model.bin': reusing() } });
      expect(v.artifacts[0]).toMatchObject({ sha256, size: 12 * MiB });
      const out = path.join(root, 'out');
      await reg.downloadArtifacts('reuse/1', out);
      expect(createHash('sha256').update(await readFile(path.join(out, 'model.bin'))).digest('hex')).toBe(sha256);
    } finally {
      await reg.close();
    }
  });

  it('a worker failure mid-upload fails the registration and leaves no visible version or blob', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'registry-phash-'));
    roots.push(root);
    const store = createFileStore({ root });
    const reg = createRegistry({ store });
    // close() terminates the hashing worker while the artifact is being written.
    await expect(
      reg.registerModelVersion({
        name: 'big',
        artifacts: {
          'model.bin': large(32, async (i) => {
            if (i === 12) await reg.close();
          }),
        },
      }),
    ).rejects.toMatchObject({ code: 'DATA_CORRUPTED' });
    const fresh = createRegistry({ store: createFileStore({ root }) });
    try {
      await expect(fresh.getModelVersion('big/1')).rejects.toMatchObject({ code: 'NOT_FOUND' });
      expect((await fresh.listModels()).map((m) => m.name)).not.toContain('big');
      const keys: string[] = [];
      for await (const page of store.list()) keys.push(...page.objects.map((o) => o.key));
      expect(keys.filter((k) => k.includes('blobs/'))).toEqual([]);
    } finally {
      await fresh.close();
    }
  });
});
