// Integrity races that need several real processes sharing one file store (issue #16).
import { execFile, spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createFileStore } from '@mlops/storage';
import { afterAll, describe, expect, it } from 'vitest';
import { createRegistry } from '../src/index.js';
import { createLayout } from '../src/layout.js';

const run = promisify(execFile);
const worker = fileURLToPath(new URL('./fixtures/race-worker.ts', import.meta.url));
const roots: string[] = [];
afterAll(async () => {
  for (const root of roots) await rm(root, { recursive: true, force: true });
});

function spawnWorker(args: string[]) {
  return run(process.execPath, ['--conditions=@mlops/source', '--import', 'tsx', worker, ...args], { cwd: path.dirname(worker), timeout: 120_000 });
}

describe('gc racing registrations that reuse orphaned blobs (3 registering processes + 1 gc process)', () => {
  it('never commits a version whose bytes gc deleted', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'registry-gc-race-'));
    roots.push(root);
    const store = createFileStore({ root });
    const layout = createLayout('');
    const orphans = 90;
    // Orphaned content: bytes and their content-address pointer, referenced by no manifest (as a
    // failed or deleted registration leaves them).
    for (let i = 0; i < orphans; i++) {
      const bytes = new TextEncoder().encode(`orphan content ${i}`);
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const blob = layout.blobDataKey(randomUUID().replaceAll('-', ''));
      await store.put(blob, bytes);
      await store.put(layout.blobPointerKey(sha256), JSON.stringify({ formatVersion: 1, sha256, size: bytes.byteLength, blob, createdAt: 0 }));
    }
    // Generous: on a loaded machine a registration may take seconds from claiming bytes to committing.
    const minAgeMs = 8000;
    // Old enough for gc to collect once the race starts.
    await new Promise((resolve) => setTimeout(resolve, minAgeMs + 500));
    const start = path.join(root, 'start-signal');
    const registering = [0, 1, 2].map((p) => spawnWorker(['register', root, start, 'reuse', String(p * 30), String(p * 30 + 30)]));
    const collecting = spawnWorker(['gc', root, start, '6000', String(minAgeMs)]);
    await new Promise((resolve) => setTimeout(resolve, 2500)); // let the children load
    await writeFile(start, '');
    const results = await Promise.all(registering);
    const gc = JSON.parse((await collecting).stdout) as { deleted: number; runs: number };
    expect(gc.runs).toBeGreaterThan(0);
    const versions = results.flatMap((r) => (JSON.parse(r.stdout) as { versions: number[] }).versions).sort((a, b) => a - b);
    expect(versions).toEqual(Array.from({ length: orphans }, (_, i) => i + 1));
    const reader = createRegistry({ store });
    for (const v of versions) {
      const chunks: Buffer[] = [];
      for await (const c of await reader.openArtifact(`reuse/${v}`, 'model.bin')) chunks.push(c as Buffer);
      const manifest = await reader.getModelVersion(`reuse/${v}`);
      expect(Buffer.concat(chunks).toString()).toBe(`orphan content ${manifest.params.item}`);
    }
    // And a later gc with no grace keeps every live byte.
    await reader.gc({ dryRun: false, minAgeMs: 0 });
    for (const v of versions) await expect(reader.downloadArtifacts(`reuse/${v}`, path.join(root, 'dl', String(v)))).resolves.toHaveLength(1);
  }, 150_000);
});

describe('watch() across processes', () => {
  it('sees every event another process appends, in order, within the polling interval', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'registry-watch-'));
    roots.push(root);
    const watcher = createRegistry({ store: createFileStore({ root }) });
    await watcher.registerModelVersion({ name: 'early', artifacts: { 'a.bin': new TextEncoder().encode('x') } });
    const controller = new AbortController();
    const seen: string[] = [];
    const watching = (async () => {
      for await (const event of watcher.watch({ intervalMs: 100, signal: controller.signal })) {
        seen.push(`${event.name}:${event.seq}:${event.type}`);
        if (seen.length === 3) controller.abort();
      }
    })();
    const writer = fileURLToPath(new URL('./fixtures/register-writer.ts', import.meta.url));
    await run(process.execPath, ['--conditions=@mlops/source', '--import', 'tsx', writer, root, 'watched', '2', '7'], { cwd: path.dirname(writer), timeout: 90_000 });
    await Promise.race([watching, new Promise((_, reject) => setTimeout(() => reject(new Error('watch saw too little')), 10_000))]);
    // The event written before the watch started is not replayed; the other process's are, in order.
    expect(seen).toEqual(['watched:1:version_registered', 'watched:2:version_registered', 'watched:3:alias_set']);
    await watcher.close();
  }, 120_000);
});

describe('leftovers of a killed upload', () => {
  it('gc removes the temp file a kill -9 left on the file store', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'registry-killed-'));
    roots.push(root);
    const start = path.join(root, 'start-signal');
    await writeFile(start, '');
    const child = spawn(process.execPath, ['--conditions=@mlops/source', '--import', 'tsx', worker, 'slow-upload', root, start], { cwd: path.dirname(worker), stdio: 'ignore' });
    const temps = async (): Promise<string[]> => {
      const out: string[] = [];
      const walk = async (dir: string): Promise<void> => {
        for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
          if (entry.isDirectory()) await walk(path.join(dir, entry.name));
          else if (entry.name.startsWith('.mlops-tmp-')) out.push(path.join(dir, entry.name));
        }
      };
      await walk(root);
      return out;
    };
    const deadline = Date.now() + 60_000;
    while ((await temps()).length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    await new Promise((resolve) => setTimeout(resolve, 300)); // a few MiB in
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    expect(await temps()).toHaveLength(1);
    const registry = createRegistry({ store: createFileStore({ root }) });
    const report = await registry.gc({ minAgeMs: 0 });
    expect(report.incompleteWrites).toHaveLength(1);
    expect(report.incompleteWrites[0]!.size).toBeGreaterThan(0);
    expect(await temps()).toHaveLength(1); // a dry run only reports
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect((await registry.gc({ dryRun: false, minAgeMs: 0 })).incompleteWrites).toHaveLength(1);
    expect(await temps()).toEqual([]);
  }, 120_000);
});
