import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { MlopsError } from '@mlops/contracts/errors';
import type { ObjectStore } from '@mlops/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistry, metricGate, type Registry } from '../src/index.js';

/** A backend under test: `newStore()` returns a separate store instance over the same bucket/directory. */
export interface SuiteBackend {
  newStore(): ObjectStore | Promise<ObjectStore>;
  cleanup(): Promise<void>;
}

const enc = new TextEncoder();
const sha = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');

async function errorOf(promise: Promise<unknown>): Promise<MlopsError> {
  try {
    await promise;
  } catch (error) {
    if (MlopsError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

async function* failingStream(bytesBeforeFailure: number): AsyncGenerator<Uint8Array> {
  const chunk = new Uint8Array(64 * 1024).fill(7);
  let sent = 0;
  while (sent < bytesBeforeFailure) {
    yield chunk;
    sent += chunk.byteLength;
  }
  throw new Error('disk unplugged mid-upload');
}

/**
 * The registry's behaviour on one storage driver: run by every driver (memory, file, S3 server,
 * GCS emulator) so that the commit protocol is proven on each, not assumed.
 */
export function describeRegistrySuite(driver: string, open: () => Promise<SuiteBackend>, options: { searchVersions?: number } = {}): void {
  describe(`registry on the ${driver} store`, () => {
    let backend: SuiteBackend;
    let stores: ObjectStore[] = [];
    let tmp: string;
    let counter = 0;
    const fresh = async (
      extra: { actor?: string; clock?: () => number; checkpointInterval?: number; catalogCheckpointInterval?: number } = {},
    ): Promise<Registry> => {
      const store = await backend.newStore();
      stores.push(store);
      return createRegistry({ store, prefix: `run-${process.pid}/`, ...extra });
    };
    const model = () => `m${++counter}`;

    beforeAll(async () => {
      backend = await open();
      tmp = await mkdtemp(path.join(tmpdir(), 'registry-suite-'));
    });
    afterAll(async () => {
      await Promise.all(stores.map((s) => s.close()));
      stores = [];
      await backend?.cleanup();
      await rm(tmp, { recursive: true, force: true });
    });

    it('registers, resolves name/N, @alias and @latest, and round-trips artifacts with dedupe', async () => {
      const reg = await fresh({ actor: 'alice' });
      const name = model();
      const weights = enc.encode('weights-v1');
      const v1 = await reg.registerModelVersion({
        name,
        artifacts: { 'model.onnx': weights, 'conf/labels.txt': Readable.from([enc.encode('cat\n'), enc.encode('dog\n')]) },
        metrics: { auc: 0.9 },
        params: { lr: 0.1 },
        tags: { team: 'risk' },
        lineage: { datasets: [{ uri: 's3://lake/train.parquet', sha256: sha('data') }], code: { repo: 'git@x:y.git', commit: 'abc123' }, author: 'alice' },
        description: 'first',
        signature: { inputs: [{ name: 'x', dtype: 'float32', shape: [-1, 4] }], outputs: [{ name: 'p', dtype: 'float32', shape: [-1] }] },
      });
      expect(v1).toMatchObject({ name, version: 1, status: 'READY', createdBy: 'alice', metrics: { auc: 0.9 } });
      expect(v1.artifacts.map((a) => [a.path, a.sha256, a.size])).toEqual([
        ['conf/labels.txt', sha('cat\ndog\n'), 8],
        ['model.onnx', sha(weights), weights.byteLength],
      ]);
      const v2 = await reg.registerModelVersion({ name, artifacts: { 'model.onnx': weights }, metrics: { auc: 0.92 } });
      expect(v2.version).toBe(2);
      // Same bytes -> same blob: stored once.
      expect(v2.artifacts[0]!.blob).toBe(v1.artifacts.find((a) => a.path === 'model.onnx')!.blob);

      const other = await fresh();
      expect((await other.getModelVersion(`${name}/1`)).description).toBe('first');
      expect((await other.getModelVersion(`${name}@latest`)).version).toBe(2);
      await other.setAlias(name, 'champion', 1, { reason: 'first deploy' });
      expect((await reg.getModelVersion(`${name}@champion`)).version).toBe(1);
      expect((await errorOf(reg.getModelVersion(`${name}@nope`))).code).toBe('NOT_FOUND');
      expect((await errorOf(reg.getModelVersion(`${name}/9`))).code).toBe('NOT_FOUND');

      const dir = path.join(tmp, `dl-${name}`);
      const files = await reg.downloadArtifacts(`${name}@champion`, dir);
      expect(files.map((f) => path.relative(dir, f)).sort()).toEqual([path.join('conf', 'labels.txt'), 'model.onnx']);
      expect(await readFile(path.join(dir, 'conf', 'labels.txt'), 'utf8')).toBe('cat\ndog\n');
      const chunks: Buffer[] = [];
      for await (const c of await reg.openArtifact(`${name}/2`, 'model.onnx')) chunks.push(c as Buffer);
      expect(Buffer.concat(chunks).toString()).toBe('weights-v1');
      expect((await errorOf(reg.openArtifact(`${name}/2`, 'missing.bin'))).code).toBe('NOT_FOUND');

      const models = await other.listModels();
      expect(models.find((m) => m.name === name)).toMatchObject({ versionCount: 2, latestVersion: 2, aliases: { champion: 1 } });
      const versions = await other.listModelVersions(name);
      expect(versions.map((v) => [v.version, v.aliases])).toEqual([[1, ['champion']], [2, []]]);

      const card = await other.renderModelCard(`${name}@champion`);
      expect(card).toContain(`# ${name} v1`);
      expect(card).toContain('| auc | 0.9 |');
      expect(card).toContain('s3://lake/train.parquet');
      expect(card).toContain('git@x:y.git @ `abc123`');
      expect(card).toMatch(/\| champion \| - \| v1 \| .* \| first deploy \|/);
    });

    it('16 concurrent registrations from separate store instances get versions 1..16 with matching manifests', async () => {
      const name = model();
      const writers = await Promise.all(Array.from({ length: 16 }, (_, i) => fresh({ actor: `writer-${i}` })));
      const results = await Promise.all(
        writers.map((reg, i) =>
          reg.registerModelVersion({ name, artifacts: { 'model.bin': enc.encode(`payload of writer ${i}`) }, params: { writer: i } }),
        ),
      );
      expect(results.map((r) => r.version).sort((a, b) => a - b)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
      const reader = await fresh();
      const listed = await reader.listModelVersions(name);
      expect(listed.map((v) => v.version)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
      for (const v of listed) {
        const manifest = await reader.getModelVersion(`${name}/${v.version}`);
        const writer = manifest.params.writer as number;
        expect(manifest.createdBy).toBe(`writer-${writer}`);
        const chunks: Buffer[] = [];
        for await (const c of await reader.openArtifact(`${name}/${v.version}`, 'model.bin')) chunks.push(c as Buffer);
        expect(Buffer.concat(chunks).toString()).toBe(`payload of writer ${writer}`);
      }
      const events = await reader.getEvents(name);
      expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
      expect(events.filter((e) => e.type === 'version_registered').map((e) => e.version).sort((a, b) => a! - b!)).toEqual(
        Array.from({ length: 16 }, (_, i) => i + 1),
      );
    });

    it('8 writers racing setAlias with expectedVersion: one winner per round, a linear history, nothing lost', async () => {
      const name = model();
      const setup = await fresh();
      for (let i = 0; i < 9; i++) await setup.registerModelVersion({ name, artifacts: { 'm.bin': enc.encode(`v${i + 1}`) } });
      await setup.setAlias(name, 'champion', 1);
      const writers = await Promise.all(Array.from({ length: 8 }, (_, i) => fresh({ actor: `w${i}` })));

      // One round, everyone expecting v1: exactly one wins, the rest get a conflict.
      const round = await Promise.allSettled(writers.map((reg, i) => reg.setAlias(name, 'champion', i + 2, { expectedVersion: 1 })));
      const winners = round.filter((r) => r.status === 'fulfilled');
      expect(winners).toHaveLength(1);
      for (const r of round) if (r.status === 'rejected') expect(MlopsError.isInstance(r.reason, 'PRECONDITION_FAILED')).toBe(true);

      // Everyone retries until its move lands: all 7 remaining moves are recorded in one chain.
      const winnerIndex = round.findIndex((r) => r.status === 'fulfilled');
      let conflicts = 0;
      await Promise.all(
        writers.map(async (reg, i) => {
          if (i === winnerIndex) return;
          for (;;) {
            const current = (await reg.getModelVersion(`${name}@champion`)).version;
            try {
              await reg.setAlias(name, 'champion', i + 2, { expectedVersion: current, reason: `writer ${i}` });
              return;
            } catch (error) {
              if (!MlopsError.isInstance(error, 'PRECONDITION_FAILED')) throw error;
              conflicts++;
            }
          }
        }),
      );
      const history = await (await fresh()).getAliasHistory(name, 'champion');
      expect(history).toHaveLength(9);
      expect(history[0]).toMatchObject({ from: null, to: 1, revision: 1 });
      for (let i = 1; i < history.length; i++) {
        expect(history[i]!.from).toBe(history[i - 1]!.to);
        expect(history[i]!.revision).toBe(i + 1);
      }
      expect(history.slice(1).map((h) => h.to).sort((a, b) => a! - b!)).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
      expect((await setup.getModelVersion(`${name}@champion`)).version).toBe(history[8]!.to);
      expect(conflicts).toBeGreaterThanOrEqual(0);
    });

    it('a failed upload leaves no visible version and gc collects what it left', async () => {
      const name = model();
      const reg = await fresh();
      const keep = await reg.registerModelVersion({ name, artifacts: { 'keep.bin': enc.encode('keep me') } });
      const error = await errorOf(
        reg.registerModelVersion({ name, artifacts: { 'ok.bin': enc.encode('small and fine'), 'big.bin': failingStream(300 * 1024) } }),
      ).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      const reader = await fresh();
      expect((await reader.listModelVersions(name)).map((v) => v.version)).toEqual([1]);
      expect((await errorOf(reader.getModelVersion(`${name}/2`))).code).toBe('NOT_FOUND');
      // The next registration takes version 2: no gap.
      expect((await reg.registerModelVersion({ name, artifacts: { 'x.bin': enc.encode('next') } })).version).toBe(2);

      const dry = await reader.gc({ minAgeMs: 0 });
      expect(dry.dryRun).toBe(true);
      expect(dry.deleted).toEqual([]);
      const referenced = new Set([keep.artifacts[0]!.blob]);
      expect(dry.unreferenced.some((u) => referenced.has(u.key))).toBe(false);
      const done = await reader.gc({ dryRun: false, minAgeMs: 0 });
      expect(done.deleted.length).toBe(done.unreferenced.length);
      // Everything still registered still downloads and verifies.
      for (const ref of [`${name}/1`, `${name}/2`]) await reader.downloadArtifacts(ref, path.join(tmp, `gc-${name}-${ref.split('/')[1]}`));
      expect((await reader.gc({ dryRun: false, minAgeMs: 0 })).unreferenced.filter((u) => u.key.includes('/data/'))).toHaveLength(0);
    });

    it('catches a corrupted blob on download and leaves nothing in the target directory', async () => {
      const name = model();
      const reg = await fresh();
      const v = await reg.registerModelVersion({ name, artifacts: { 'a.bin': enc.encode('aaaa'), 'b.bin': enc.encode('bbbb') } });
      const store = await reg.store;
      await store.put(v.artifacts[1]!.blob, enc.encode('bbbX'));
      const dir = path.join(tmp, `corrupt-${name}`);
      const error = await errorOf(reg.downloadArtifacts(`${name}/1`, dir));
      expect(error.code).toBe('DATA_CORRUPTED');
      expect(error.message).toContain('b.bin');
      const left = await readdir(dir).catch(() => []);
      expect(left).toEqual([]);
      expect((await readdir(tmp)).filter((f) => f.includes('.download-'))).toEqual([]);
      const stream = await reg.openArtifact(`${name}/1`, 'b.bin');
      const streamError = await errorOf((async () => {
        for await (const _ of stream) void _;
      })());
      expect(streamError.code).toBe('DATA_CORRUPTED');
    });

    it('promotes through a gate, logs rejections, and rolls back along the history', async () => {
      const name = model();
      const reg = await fresh({ actor: 'ci' });
      for (const auc of [0.8, 0.805, 0.85, 0.9]) await reg.registerModelVersion({ name, artifacts: { 'm.bin': enc.encode(`auc ${auc}`) }, metrics: { auc } });
      const gate = metricGate({ metric: 'auc', minImprovement: 0.01 });
      const first = await reg.promote({ name, from: 1, to: 'champion', gate, reason: 'bootstrap' });
      expect(first.promoted).toBe(true);
      await reg.setAlias(name, 'challenger', 2);
      const rejected = await reg.promote({ name, from: 'challenger', to: 'champion', gate, reason: 'weekly retrain' });
      expect(rejected.promoted).toBe(false);
      expect(rejected.decision.reasons.join(' ')).toMatch(/needs >= 0.81/);
      expect(rejected.event?.type).toBe('promotion_rejected');
      expect((await reg.getModelVersion(`${name}@champion`)).version).toBe(1);
      await reg.setAlias(name, 'challenger', 3);
      expect((await reg.promote({ name, from: 'challenger', to: 'champion', gate, reason: 'better' })).promoted).toBe(true);
      await reg.setAlias(name, 'challenger', 4);
      const ok = await reg.promote({ name, from: 'challenger', to: 'champion', gate, reason: 'even better' });
      expect(ok.event).toMatchObject({ type: 'alias_set', from: 3, to: 4, gate: { passed: true } });

      expect((await reg.rollback(name, 'champion', { reason: 'latency regression' })).to).toBe(3);
      expect((await reg.rollback(name, 'champion', { reason: 'still bad' })).to).toBe(1);
      expect((await errorOf(reg.rollback(name, 'champion', { reason: 'again' }))).code).toBe('INVALID_ARGUMENT');
      const history = await reg.getAliasHistory(name, 'champion');
      expect(history.map((h) => [h.from, h.to, h.rollback ?? false])).toEqual([
        [null, 1, false],
        [1, 3, false],
        [3, 4, false],
        [4, 3, true],
        [3, 1, true],
      ]);
      expect((await reg.getEvents(name)).filter((e) => e.type === 'promotion_rejected')).toHaveLength(1);

      // Archive is refused while an alias points at the version, and @latest skips archived ones.
      expect((await errorOf(reg.archiveModelVersion(name, 1, { reason: 'old' }))).code).toBe('INVALID_ARGUMENT');
      await reg.deleteAlias(name, 'challenger');
      await reg.archiveModelVersion(name, 4, { reason: 'bad latency' });
      expect((await reg.getModelVersion(`${name}@latest`)).version).toBe(3);
      expect((await errorOf(reg.setAlias(name, 'champion', 4))).code).toBe('INVALID_ARGUMENT');
    });

    it('tags change by compare-and-swap, are logged, and are visible to other instances', async () => {
      const name = model();
      const a = await fresh();
      const b = await fresh();
      await a.registerModelVersion({ name, artifacts: { 'm.bin': enc.encode('t') }, tags: { stage: 'dev' } });
      await Promise.all([a.setTags(name, 1, { owner: 'alice' }), b.setTags(name, 1, { reviewed: 'yes' })]);
      await b.deleteTag(name, 1, 'stage', { reason: 'no longer needed' });
      const v = await (await fresh()).getModelVersion(`${name}/1`);
      expect(v.tags).toEqual({ owner: 'alice', reviewed: 'yes' });
      expect(v.revision).toBe(3);
      const found = await a.searchModelVersions({ filter: `name = '${name}' AND tags.reviewed = 'yes'` });
      expect(found.versions.map((x) => x.tags)).toEqual([{ owner: 'alice', reviewed: 'yes' }]);
      expect((await errorOf(a.deleteTag(name, 1, 'stage'))).code).toBe('NOT_FOUND');
      const types = (await a.getEvents(name)).map((e) => e.type);
      expect(types).toEqual(['version_registered', 'tags_set', 'tags_set', 'tag_deleted']);
    });

    it('searches across models through the catalog snapshot, current under concurrent writers, rebuildable', async () => {
      const suite = `catalog-${++counter}`;
      const names = [model(), model(), model(), model()];
      const filter = `tags.suite = '${suite}'`;
      const writer = await fresh();
      for (const name of names) {
        for (let i = 1; i <= 3; i++) {
          await writer.registerModelVersion({ name, artifacts: { 'm.bin': enc.encode(`${name} ${i}`) }, metrics: { auc: i / 10 }, tags: { suite } });
        }
      }
      const expected = [...names].sort().flatMap((name) => [1, 2, 3].map((v) => `${name}/${v}`));
      const ids = (result: { versions: { name: string; version: number }[] }) => result.versions.map((v) => `${v.name}/${v.version}`);
      const first = await fresh({ catalogCheckpointInterval: 4 });
      expect(ids(await first.searchModelVersions({ filter, orderBy: ['name ASC', 'version ASC'] }))).toEqual(expected);
      await first.close(); // waits for the snapshot write it started
      const snapshotKey = `run-${process.pid}/catalog-snapshot.json`;
      const base = await backend.newStore();
      stores.push(base);
      expect(await base.head(snapshotKey)).toBeDefined();

      // A cold reader takes every model's index from the snapshot (no per-model checkpoint read)
      // while other instances register and move an alias; it never misses a committed change.
      const indexReads: string[] = [];
      const counted = Object.assign(Object.create(base) as ObjectStore, {
        get: (key: string, opts?: Parameters<ObjectStore['get']>[1]) => {
          if (key.endsWith('/index.json')) indexReads.push(key);
          return base.get(key, opts);
        },
      });
      const cold = createRegistry({ store: counted, prefix: `run-${process.pid}/` });
      const writers = await Promise.all(names.map(() => fresh()));
      const [, during] = await Promise.all([
        Promise.all(writers.map((w, k) => w.registerModelVersion({ name: names[k]!, artifacts: { 'm.bin': enc.encode(`${names[k]} 4`) }, tags: { suite } }))),
        cold.searchModelVersions({ filter }),
      ]);
      expect(during.versions.length).toBeGreaterThanOrEqual(12);
      expect(new Set(ids(during)).size).toBe(during.versions.length);
      await writers[0]!.setAlias(names[0]!, 'champion', 4);
      const after = await cold.searchModelVersions({ filter: `${filter} AND version = 4` });
      expect(after.versions.map((v) => v.name).sort()).toEqual([...names].sort());
      expect(after.versions.find((v) => v.name === names[0])!.aliases).toEqual(['champion']);
      expect(indexReads).toEqual([]);
      expect((await cold.listModels()).filter((m) => names.includes(m.name)).map((m) => m.versionCount)).toEqual([4, 4, 4, 4]);

      // Only a cache: a damaged snapshot is ignored, and rebuildIndex() writes a fresh one.
      await base.put(snapshotKey, enc.encode('{"not": "a snapshot"'));
      expect((await (await fresh()).searchModelVersions({ filter })).versions).toHaveLength(16);
      await (await fresh()).rebuildIndex();
      const rebuilt = JSON.parse(new TextDecoder().decode((await base.get(snapshotKey)).body)) as { models: { name: string; versions: unknown[] }[] };
      for (const name of names) expect(rebuilt.models.find((m) => m.name === name)?.versions).toHaveLength(4);
    });

    it(`search over ${options.searchVersions ?? 200} versions filters, sorts and pages like a query`, async () => {
      const n = options.searchVersions ?? 200;
      const name = model();
      const reg = await fresh({ checkpointInterval: 32 });
      const stages = ['dev', 'staging', 'prod'];
      for (let i = 1; i <= n; i++) {
        await reg.registerModelVersion({
          name,
          artifacts: { 'm.bin': enc.encode(`shared weights ${i % 5}`) },
          metrics: { auc: 0.5 + (i % 50) / 100, loss: 1 / i },
          params: { depth: i % 7 },
          tags: { stage: stages[i % 3]! },
        });
      }
      const reader = await fresh();
      const all = await reader.searchModelVersions({ filter: `name = '${name}'`, limit: 10_000 });
      expect(all.versions).toHaveLength(n);
      expect(all.versions[0]!.version).toBe(n);
      const expected = Array.from({ length: n }, (_, k) => k + 1).filter((i) => 0.5 + (i % 50) / 100 >= 0.9 && stages[i % 3] === 'prod' && i % 7 < 3);
      const got = await reader.searchModelVersions({
        filter: `name = '${name}' AND metrics.auc >= 0.9 AND tags.stage = 'prod' AND params.depth IN (0, 1, 2)`,
        orderBy: 'version ASC',
      });
      expect(got.versions.map((v) => v.version)).toEqual(expected);
      // Paging: pages concatenate to the full ordered result with no duplicates.
      const paged: number[] = [];
      let token: string | undefined;
      do {
        const page: Awaited<ReturnType<Registry['searchModelVersions']>> = await reader.searchModelVersions({
          filter: `name = '${name}' AND tags.stage != 'dev'`,
          orderBy: ['metrics.auc DESC', 'version ASC'],
          limit: 17,
          ...(token ? { pageToken: token } : {}),
        });
        paged.push(...page.versions.map((v) => v.version));
        token = page.nextPageToken;
      } while (token);
      const nonDev = Array.from({ length: n }, (_, k) => k + 1)
        .filter((i) => stages[i % 3] !== 'dev')
        .sort((x, y) => (x % 50) - (y % 50) || 0)
        .reverse();
      expect(paged).toHaveLength(nonDev.length);
      expect(new Set(paged).size).toBe(paged.length);
      for (let k = 1; k < paged.length; k++) expect((paged[k - 1]! % 50) >= (paged[k]! % 50)).toBe(true);
      expect((await errorOf(reader.searchModelVersions({ filter: `name = '${name}'`, pageToken: token ?? 'garbage' }))).code).toBe('INVALID_ARGUMENT');
      // The index was checkpointed, and a deleted checkpoint is rebuilt from the log.
      const store = await reader.store;
      expect(await store.head(`run-${process.pid}/models/${name}/index.json`)).toBeDefined();
      await store.delete(`run-${process.pid}/models/${name}/index.json`);
      const rebuilt = await (await fresh()).searchModelVersions({ filter: `name = '${name}' AND metrics.auc >= 0.9 AND tags.stage = 'prod' AND params.depth IN (0, 1, 2)`, orderBy: 'version' });
      expect(rebuilt.versions.map((v) => v.version)).toEqual(expected);
    });

    it('watchAlias yields alias moves and onEvent sees local changes', async () => {
      const name = model();
      const reg = await fresh();
      const mover = await fresh();
      for (let i = 0; i < 3; i++) await reg.registerModelVersion({ name, artifacts: { 'm.bin': enc.encode(`w${i}`) } });
      const seen: string[] = [];
      const off = mover.onEvent((e) => {
        seen.push(`${e.type}:${e.to ?? ''}`);
      });
      const controller = new AbortController();
      const changes: (number | null)[] = [];
      const watching = (async () => {
        for await (const change of reg.watchAlias(name, 'prod', { intervalMs: 20, signal: controller.signal })) {
          changes.push(change.version);
          if (changes.length === 3) controller.abort();
        }
      })();
      await mover.setAlias(name, 'prod', 1);
      await new Promise((r) => setTimeout(r, 80));
      await mover.setAlias(name, 'prod', 2);
      await new Promise((r) => setTimeout(r, 80));
      await mover.deleteAlias(name, 'prod');
      await watching;
      off();
      expect(changes).toEqual([1, 2, null]);
      expect(seen).toEqual(['alias_set:1', 'alias_set:2', 'alias_deleted:']);
    });
  });
}
