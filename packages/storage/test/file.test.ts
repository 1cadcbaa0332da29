import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createFileStore } from '../src/index.js';
import { codeOf, describeObjectStoreConformance } from './conformance.js';

const run = promisify(execFile);
const writerScript = fileURLToPath(new URL('./fixtures/file-writer.ts', import.meta.url));

async function spawnWriters(processes: number, args: string[]): Promise<Record<string, number>[]> {
  const runs = Array.from({ length: processes }, () =>
    run(process.execPath, ['--conditions=@mlops/source', '--import', 'tsx', writerScript, ...args], {
      cwd: path.dirname(writerScript),
      timeout: 60_000,
    }),
  );
  return (await Promise.all(runs)).map(({ stdout }) => JSON.parse(stdout.trim()) as Record<string, number>);
}

describeObjectStoreConformance(
  'file',
  async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'mlops-file-store-'));
    return { store: createFileStore({ root }), cleanup: () => rm(root, { recursive: true, force: true }) };
  },
  {
    checkStreamingMemory: true,
    extra: (getStore) => {
      const rootOf = () => fileURLToPath(getStore().url);

      it('lets exactly one create-if-absent win across 2 processes x 16 writers', async () => {
        const results = await spawnWriters(2, [rootOf(), 'create', 'lease', '16', '0']);
        expect(results.reduce((n, r) => n + r.won!, 0)).toBe(1);
        expect(results.reduce((n, r) => n + r.lost!, 0)).toBe(31);
      }, 60_000);

      it('counts to exactly 200 with 2 processes x 4 writers x 25 CAS increments', async () => {
        await spawnWriters(2, [rootOf(), 'cas', 'counter', '4', '25']);
        const { body } = await getStore().get('counter');
        expect(new TextDecoder().decode(body)).toBe('200');
      }, 60_000);
    },
  },
);

describe('file store specifics', () => {
  it('never writes outside its root, and leaves no temp or lock files visible', async () => {
    const parent = await mkdtemp(path.join(tmpdir(), 'mlops-file-root-'));
    const root = path.join(parent, 'store');
    const store = createFileStore({ root });
    for (const key of ['../outside', 'a/../../outside', '/etc/passwd', 'a\\..\\..\\x']) {
      expect(await codeOf(store.put(key, 'x'))).toBe('INVALID_ARGUMENT');
    }
    await store.put('a/b', 'x');
    expect((await readdir(parent)).sort()).toEqual(['store']);
    const pages = [];
    for await (const page of store.list()) pages.push(...page.objects.map((o) => o.key));
    expect(pages).toEqual(['a/b']);
    await rm(parent, { recursive: true, force: true });
  });

  it('refuses an object and a "directory" with the same name, with a clear error', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'mlops-file-store-'));
    const store = createFileStore({ root });
    await store.put('a', 'file');
    expect(await codeOf(store.put('a/b', 'x'))).toBe('INVALID_ARGUMENT');
    await store.put('c/d', 'x');
    expect(await codeOf(store.put('c', 'x'))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(store.get('c'))).toBe('NOT_FOUND');
    expect(await store.head('c')).toBeUndefined();
    await rm(root, { recursive: true, force: true });
  });

  it('breaks a lock left by a crashed process and removes empty directories on delete', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'mlops-file-store-'));
    const store = createFileStore({ root, lockTimeoutMs: 5_000 });
    await store.put('x/y/z', '1');
    // A lock file for every key, owned by a pid that is certainly not running.
    const lockDir = path.join(root, '.mlops-locks');
    const { createHash } = await import('node:crypto');
    const lockName = `${createHash('sha1').update('x/y/z').digest('hex')}.lock`;
    await mkdir(lockDir, { recursive: true });
    await writeFile(path.join(lockDir, lockName), JSON.stringify({ pid: 2 ** 22 + 12345, host: (await import('node:os')).hostname(), token: 'dead' }));
    const put = await store.put('x/y/z', '2', { ifMatch: (await store.head('x/y/z'))!.etag });
    expect(put.size).toBe(1);
    await store.delete('x/y/z');
    expect((await readdir(root)).filter((n) => !n.startsWith('.mlops-'))).toEqual([]);
    await rm(root, { recursive: true, force: true });
  });

  it('rejects a missing root option', () => {
    expect(() => createFileStore({ root: '' })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});
