import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MlopsError } from '@mlops/contracts/errors';
import { createMemoryStore, type ObjectStore, type PutBody, type PutOptions } from '@mlops/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistry } from './index.js';

const enc = new TextEncoder();

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return MlopsError.isInstance(error) ? error.code : `not-mlops: ${String(error)}`;
  }
  return 'resolved';
}

/** A real memory store whose puts under some keys fail, to simulate a writer dying between two writes. */
function failingPuts(store: ObjectStore, shouldFail: (key: string) => boolean): ObjectStore {
  return {
    ...store,
    put(key: string, body: PutBody, options?: PutOptions) {
      if (shouldFail(key)) return Promise.reject(new Error(`simulated crash before writing ${key}`));
      return store.put(key, body, options);
    },
  };
}

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'registry-unit-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('createRegistry', () => {
  it('rejects bad registrations with INVALID_ARGUMENT before writing anything', async () => {
    const store = createMemoryStore();
    const reg = createRegistry({ store });
    const base = { name: 'm', artifacts: { 'a.bin': enc.encode('x') } };
    expect(await codeOf(reg.registerModelVersion({ ...base, name: 'bad name' }))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(reg.registerModelVersion({ ...base, metrics: { auc: Number.NaN } }))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(reg.registerModelVersion({ ...base, params: { nested: {} as unknown as string } }))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(reg.registerModelVersion({ ...base, tags: { k: 1 as unknown as string } }))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(reg.registerModelVersion({ ...base, artifacts: {} }))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(reg.registerModelVersion({ ...base, artifacts: { '../escape': enc.encode('x') } }))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(reg.registerModelVersion({ ...base, artifacts: { 'a.bin': 42 as unknown as Uint8Array } }))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(reg.registerModelVersion({ ...base, artifacts: { 'a.bin': path.join(tmp, 'missing') } }))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(reg.registerModelVersion({ ...base, lineage: { datasets: [{ uri: 'x', sha256: 'nothex' }] } }))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(reg.registerModelVersion({ ...base, signature: { inputs: [{ name: 'x' }] } as never }))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(reg.setAlias('m', 'latest', 1))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(reg.setAlias('m', 'champion', 0))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(reg.searchModelVersions({ filter: 'version >' }))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(reg.searchModelVersions({ limit: 0 }))).toBe('INVALID_ARGUMENT');
    const keys: string[] = [];
    for await (const page of store.list()) keys.push(...page.objects.map((o) => o.key));
    expect(keys).toEqual([]);
  });

  it('walks directories and maps local files, keeping relative paths', async () => {
    const dir = path.join(tmp, 'model-dir');
    await mkdir(path.join(dir, 'tokenizer'), { recursive: true });
    await writeFile(path.join(dir, 'model.onnx'), 'onnx bytes');
    await writeFile(path.join(dir, 'tokenizer', 'vocab.txt'), 'a\nb\n');
    await writeFile(path.join(tmp, 'readme.md'), '# hi');
    const reg = createRegistry({ store: createMemoryStore() });
    const v1 = await reg.registerModelVersion({ name: 'dir', artifacts: dir });
    expect(v1.artifacts.map((a) => a.path)).toEqual(['model.onnx', 'tokenizer/vocab.txt']);
    const v2 = await reg.registerModelVersion({ name: 'dir', artifacts: { weights: dir, 'README.md': path.join(tmp, 'readme.md'), extra: { file: path.join(tmp, 'readme.md') } } });
    expect(v2.artifacts.map((a) => a.path)).toEqual(['README.md', 'extra', 'weights/model.onnx', 'weights/tokenizer/vocab.txt']);
    expect(v2.artifacts.find((a) => a.path === 'weights/model.onnx')!.blob).toBe(v1.artifacts[0]!.blob);
    const out = path.join(tmp, 'out');
    await reg.downloadArtifacts('dir/2', out);
    expect(await readFile(path.join(out, 'weights', 'tokenizer', 'vocab.txt'), 'utf8')).toBe('a\nb\n');
  });

  it('records who, when, what and why in the event log', async () => {
    let t = 1_000;
    const reg = createRegistry({ store: createMemoryStore(), actor: 'alice', clock: () => (t += 10) });
    await reg.registerModelVersion({ name: 'audit', artifacts: { 'a.bin': enc.encode('1') }, reason: 'nightly' });
    await reg.registerModelVersion({ name: 'audit', artifacts: { 'a.bin': enc.encode('2') } });
    await reg.setAlias('audit', 'prod', 1, { reason: 'go live' });
    await reg.setAlias('audit', 'prod', 2, { reason: 'upgrade', expectedVersion: 1 });
    await reg.setTags('audit', 2, { approved: 'bob' }, { reason: 'review' });
    const events = await reg.getEvents('audit');
    expect(events.map((e) => [e.seq, e.type, e.actor, e.reason ?? null])).toEqual([
      [1, 'version_registered', 'alice', 'nightly'],
      [2, 'version_registered', 'alice', null],
      [3, 'alias_set', 'alice', 'go live'],
      [4, 'alias_set', 'alice', 'upgrade'],
      [5, 'tags_set', 'alice', 'review'],
    ]);
    expect(events[3]).toMatchObject({ from: 1, to: 2, aliasRevision: 2 });
    expect(events.every((e, i) => i === 0 || e.at > events[i - 1]!.at)).toBe(true);
    expect(await codeOf(reg.setAlias('audit', 'prod', 1, { expectedVersion: 1 }))).toBe('PRECONDITION_FAILED');
    expect(await codeOf(reg.setAlias('audit', 'canary', 1, { expectedVersion: 2 }))).toBe('PRECONDITION_FAILED');
    await reg.setAlias('audit', 'canary', 1, { expectedVersion: null });
    expect((await reg.getAliasHistory('audit')).map((h) => `${h.alias}:${h.to}`)).toEqual(['prod:1', 'prod:2', 'canary:1']);
  });

  it('a writer dying after the manifest but before its log entry still leaves a listed, searchable version', async () => {
    const store = createMemoryStore();
    const good = createRegistry({ store });
    await good.registerModelVersion({ name: 'crash', artifacts: { 'a.bin': enc.encode('1') } });
    const dying = createRegistry({ store: failingPuts(store, (k) => k.includes('/events/')) });
    expect(await codeOf(dying.registerModelVersion({ name: 'crash', artifacts: { 'a.bin': enc.encode('2') }, metrics: { auc: 0.7 } }))).toMatch(/simulated crash/);
    const reader = createRegistry({ store });
    expect((await reader.listModelVersions('crash')).map((v) => v.version)).toEqual([1, 2]);
    expect((await reader.searchModelVersions({ filter: 'metrics.auc = 0.7' })).versions.map((v) => v.version)).toEqual([2]);
    expect((await reader.registerModelVersion({ name: 'crash', artifacts: { 'a.bin': enc.encode('3') } })).version).toBe(3);
  });

  it('an alias move whose log entry was lost is recovered by the first read that notices, and every read path agrees', async () => {
    const store = createMemoryStore();
    let t = 1_000_000;
    const clock = () => t;
    const good = createRegistry({ store, clock });
    for (const i of [1, 2, 3]) await good.registerModelVersion({ name: 'rec', artifacts: { 'a.bin': enc.encode(String(i)) } });
    await good.setAlias('rec', 'prod', 1);
    expect((await good.listModels())[0]!.aliases).toEqual({ prod: 1 });
    const dying = createRegistry({ store: failingPuts(store, (k) => k.includes('/events/')), actor: 'ghost', clock });
    expect(await codeOf(dying.setAlias('rec', 'prod', 3, { reason: 'hotfix' }))).toMatch(/simulated crash/);
    // The instance that cached v1 and a fresh one: alias, listing, version list, search and history agree at once.
    // Within the grace period (its writer may still log it) the move is shown from the pointer; after it, logged once.
    for (const [reader, advance] of [
      [good, 0],
      [createRegistry({ store, clock }), 0],
      [createRegistry({ store, clock }), 10_000],
    ] as const) {
      t += advance;
      expect((await reader.getModelVersion('rec@prod')).version).toBe(3);
      expect((await reader.listModels())[0]!.aliases).toEqual({ prod: 3 });
      expect((await reader.listModelVersions('rec')).find((v) => v.aliases.includes('prod'))!.version).toBe(3);
      expect((await reader.searchModelVersions({ filter: "name = 'rec'" })).versions.find((v) => v.aliases.includes('prod'))!.version).toBe(3);
      expect((await reader.getAliasHistory('rec', 'prod')).map((h) => [h.from, h.to])).toEqual([
        [null, 1],
        [1, 3],
      ]);
    }
    const history = await good.getAliasHistory('rec', 'prod');
    expect(history[1]).toMatchObject({ actor: 'ghost', reason: 'hotfix', recovered: true });
    // Recovered once: the log holds one entry for that move.
    expect((await good.getEvents('rec')).filter((e) => e.type === 'alias_set')).toHaveLength(2);
  });

  it('a tag or archive write whose log entry was lost is shown by every read path at once and logged by the first read after the grace period', async () => {
    const store = createMemoryStore();
    let t = 2_000_000;
    const clock = () => t;
    const good = createRegistry({ store, clock });
    for (const i of [1, 2]) await good.registerModelVersion({ name: 'mu', artifacts: { 'a.bin': enc.encode(String(i)) } });
    expect((await good.listModelVersions('mu')).map((v) => v.status)).toEqual(['READY', 'READY']);
    // The writer's manifest compare-and-swap lands, then it dies before its log entry.
    const dying = createRegistry({ store: failingPuts(store, (k) => k.includes('/events/')), actor: 'ghost', clock });
    expect(await codeOf(dying.setTags('mu', 2, { stage: 'prod' }, { reason: 'approved' }))).toMatch(/simulated crash/);
    t += 1;
    expect(await codeOf(dying.archiveModelVersion('mu', 1, { reason: 'old' }))).toMatch(/simulated crash/);
    const filter = "tags.stage = 'prod'";
    for (const [reader, advance] of [
      [good, 0],
      [createRegistry({ store, clock }), 0],
      [createRegistry({ store, clock }), 10_000],
      [good, 0],
    ] as const) {
      t += advance;
      expect((await reader.getModelVersion('mu/2')).tags).toEqual({ stage: 'prod' });
      expect((await reader.getModelVersion('mu/1')).status).toBe('ARCHIVED');
      expect((await reader.listModelVersions('mu')).map((v) => [v.version, v.status, v.tags.stage ?? null])).toEqual([
        [1, 'ARCHIVED', null],
        [2, 'READY', 'prod'],
      ]);
      expect((await reader.searchModelVersions({ filter })).versions.map((v) => `${v.name}/${v.version}`)).toEqual(['mu/2']);
      expect((await reader.searchModelVersions({ filter: "status = 'ARCHIVED'" })).versions.map((v) => v.version)).toEqual([1]);
    }
    // Logged once each, for the writer that died, marked recovered; the log still verifies.
    const events = (await good.getEvents('mu')).filter((e) => e.type === 'tags_set' || e.type === 'version_archived');
    expect(events.map((e) => [e.type, e.version, e.actor, e.reason, e.recovered])).toEqual([
      ['tags_set', 2, 'ghost', 'approved', true],
      ['version_archived', 1, 'ghost', 'old', true],
    ]);
    expect((await good.verifyEventLog('mu')).firstBreak).toBeUndefined();
    // Nothing in flight is left behind, and a rebuilt index agrees.
    const left: string[] = [];
    for await (const page of store.list({ prefix: 'models/mu/pending/' })) left.push(...page.objects.map((o) => o.key));
    expect(left).toEqual([]);
    await good.rebuildIndex('mu');
    expect((await createRegistry({ store, clock }).listModelVersions('mu')).map((v) => [v.status, v.tags.stage ?? null])).toEqual([
      ['ARCHIVED', null],
      ['READY', 'prod'],
    ]);
  });

  it('an aborted registration leaves nothing visible', async () => {
    const store = createMemoryStore();
    const reg = createRegistry({ store });
    const controller = new AbortController();
    controller.abort(new Error('user cancelled'));
    expect(await codeOf(reg.registerModelVersion({ name: 'ab', artifacts: { 'a.bin': enc.encode('1') }, signal: controller.signal }))).toMatch(/cancelled|ABORT/i);
    expect(await codeOf(reg.listModelVersions('ab'))).toBe('NOT_FOUND');
  });

  it('opens its store from a path or memory:// URL and closes only what it opened', async () => {
    const root = path.join(tmp, 'url-store');
    const reg = createRegistry({ store: root });
    await reg.registerModelVersion({ name: 'u', artifacts: { 'a.bin': enc.encode('1') } });
    await reg.close();
    const again = createRegistry({ store: `file://${root}` });
    expect((await again.getModelVersion('u@latest')).version).toBe(1);
    await again.close();
    const mem = createRegistry({ store: 'memory://' });
    expect(await codeOf(mem.getModelVersion('u/1'))).toBe('NOT_FOUND');
    await mem.close();
    expect(() => createRegistry({ store: 42 as unknown as string })).toThrow(MlopsError);
    expect(() => createRegistry({ store: createMemoryStore(), prefix: 'no-slash' })).toThrow(/must end with/);
  });
});

describe('catalog snapshot repair', () => {
  it('rebuildIndex(name) replaces the stale copy of that model in the catalog snapshot', async () => {
    const store = createMemoryStore();
    const writer = createRegistry({ store, catalogCheckpointInterval: 1 });
    for (const name of ['alpha', 'beta']) await writer.registerModelVersion({ name, artifacts: { 'm.bin': enc.encode(name) }, tags: { stage: 'dev' } });
    await writer.searchModelVersions({});
    await writer.close(); // the snapshot write has landed
    expect(await store.head('catalog-snapshot.json')).toBeDefined();
    // A writer that died between its tag compare-and-swap and its log entry: the manifest changed, no index knows.
    const key = 'models/alpha/versions/0000000001.json';
    const found = await store.get(key);
    const manifest = JSON.parse(new TextDecoder().decode(found.body)) as { tags: Record<string, string>; revision: number };
    await store.put(key, enc.encode(JSON.stringify({ ...manifest, tags: { stage: 'prod' }, revision: manifest.revision + 1 })), { ifMatch: found.etag });
    const filter = "tags.stage = 'prod'";
    expect((await createRegistry({ store }).searchModelVersions({ filter })).versions).toEqual([]);
    await createRegistry({ store }).rebuildIndex('alpha');
    const fresh = await createRegistry({ store }).searchModelVersions({ filter });
    expect(fresh.versions.map((v) => `${v.name}/${v.version}`)).toEqual(['alpha/1']);
    await store.close();
  });
});
