import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
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
