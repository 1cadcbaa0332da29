// Regression tests for the integrity defects of issue #16 that reproduce in one process.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MlopsError } from '@mlops/contracts/errors';
import { createFileStore, createMemoryStore, type ObjectStore, type PutBody, type PutOptions } from '@mlops/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, createRegistry } from '../src/index.js';

const enc = new TextEncoder();
let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'registry-integrity-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function errorOf(promise: Promise<unknown>): Promise<MlopsError> {
  try {
    await promise;
  } catch (error) {
    if (MlopsError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

/** A real memory store whose conditional writes under `match` never succeed (etags that do not match what If-Match compares). */
function brokenCas(store: ObjectStore, match: (key: string) => boolean): { store: ObjectStore; writes: () => number } {
  let writes = 0;
  return {
    writes: () => writes,
    store: {
      ...store,
      put(key: string, body: PutBody, options?: PutOptions) {
        if (match(key)) {
          writes++;
          if (options?.ifMatch !== undefined) return store.put(key, body, { ...options, ifMatch: `${options.ifMatch}-stale` });
        }
        return store.put(key, body, options);
      },
    },
  };
}

describe('defect 3: every CAS loop is bounded', () => {
  it('setAlias on a store whose etags never match gives up with a retryable CONFLICT after a few writes', async () => {
    const memory = createMemoryStore();
    const broken = brokenCas(memory, (k) => k.includes('/aliases/'));
    const reg = createRegistry({ store: broken.store, retry: { maxAttempts: 6, baseDelayMs: 1 } });
    await reg.registerModelVersion({ name: 'm', artifacts: { 'a.bin': enc.encode('1') } });
    await reg.setAlias('m', 'prod', 1);
    const started = Date.now();
    const error = await errorOf(reg.setAlias('m', 'prod', 1, { reason: 'again' }));
    expect(error.code).toBe('CONFLICT');
    expect(error.retryable).toBe(true);
    expect(ConflictError.isInstance(error)).toBe(true);
    expect(broken.writes()).toBeLessThanOrEqual(1 + 6);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect((await reg.getAliasHistory('m', 'prod')).map((h) => h.to)).toEqual([1]);
  });

  it('tag updates and the version commit are bounded too', async () => {
    const memory = createMemoryStore();
    const broken = brokenCas(memory, (k) => k.includes('/versions/'));
    const reg = createRegistry({ store: broken.store, retry: { maxAttempts: 3, baseDelayMs: 1 } });
    await reg.registerModelVersion({ name: 'm', artifacts: { 'a.bin': enc.encode('1') } });
    expect((await errorOf(reg.setTags('m', 1, { a: 'b' }))).code).toBe('CONFLICT');
  });
});

describe('defect 9: limits are documented and enforced with coded errors', () => {
  it('a 250-character name works on the file store; 251 is refused before anything is written', async () => {
    const root = path.join(tmp, 'names');
    const reg = createRegistry({ store: createFileStore({ root }) });
    const longest = 'n'.repeat(250);
    expect((await reg.registerModelVersion({ name: longest, artifacts: { 'a.bin': enc.encode('x') } })).version).toBe(1);
    await reg.setAlias(longest, 'a'.repeat(250), 1);
    expect((await reg.getModelVersion(`${longest}@${'a'.repeat(250)}`)).version).toBe(1);
    const tooLong = await errorOf(reg.registerModelVersion({ name: 'n'.repeat(251), artifacts: { 'a.bin': enc.encode('x') } }));
    expect(tooLong.code).toBe('INVALID_ARGUMENT');
    expect(tooLong.details).toMatchObject({ limit: 250 });
    expect((await reg.listModels()).map((m) => m.name)).toEqual([longest]);
  });

  it('refuses bad metric keys, huge descriptions, too many tags and prototype keys', async () => {
    const reg = createRegistry({ store: createMemoryStore() });
    const base = { name: 'lim', artifacts: { 'a.bin': enc.encode('x') } };
    for (const metrics of [{ '': 1 }, { ['k'.repeat(100_000)]: 1 }, { 'a\nb': 1 }] as Record<string, number>[]) {
      expect((await errorOf(reg.registerModelVersion({ ...base, metrics }))).code).toBe('INVALID_ARGUMENT');
    }
    const description = await errorOf(reg.registerModelVersion({ ...base, description: 'd'.repeat(10 * 1024 * 1024) }));
    expect(description.details).toMatchObject({ field: 'description', limit: 20_000 });
    const tags = Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`t${i}`, 'v']));
    expect((await errorOf(reg.registerModelVersion({ ...base, tags }))).details).toMatchObject({ field: 'tags', limit: 100, found: 100_000 });
    const proto = JSON.parse('{"__proto__": "x"}') as Record<string, string>;
    expect((await errorOf(reg.registerModelVersion({ ...base, tags: proto }))).code).toBe('INVALID_ARGUMENT');
    expect((await errorOf(reg.registerModelVersion({ ...base, params: JSON.parse('{"__proto__": 1}') as Record<string, number> }))).code).toBe('INVALID_ARGUMENT');
    const v = await reg.registerModelVersion({ ...base, tags: Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`t${i}`, 'v'])) });
    expect((await errorOf(reg.setTags('lim', v.version, { extra: 'one too many' }))).details).toMatchObject({ field: 'tags', limit: 100, found: 101 });
    expect((await errorOf(reg.setTags('lim', v.version, proto))).code).toBe('INVALID_ARGUMENT');
    // A missing key is not found through the prototype either.
    expect((await errorOf(reg.deleteTag('lim', v.version, 'toString'))).code).toBe('NOT_FOUND');
    expect((await reg.searchModelVersions({ filter: "tags.constructor = 'x'" })).versions).toEqual([]);
  });
});

describe('defect 7: archive and setAlias conflict', () => {
  it('racing archive and setAlias never leave an alias on an archived version (and unarchive restores)', async () => {
    const reg = createRegistry({ store: createMemoryStore() });
    const rounds = 12;
    for (let i = 0; i < rounds * 2; i++) await reg.registerModelVersion({ name: 'race', artifacts: { 'a.bin': enc.encode(`v${i}`) } });
    let archivedWins = 0;
    let aliasWins = 0;
    for (let round = 0; round < rounds; round++) {
      const target = round * 2 + 1;
      const [archived, moved] = await Promise.allSettled([reg.archiveModelVersion('race', target), reg.setAlias('race', 'prod', target)]);
      if (archived.status === 'fulfilled') archivedWins++;
      if (moved.status === 'fulfilled') aliasWins++;
      for (const r of [archived, moved]) if (r.status === 'rejected') expect(['CONFLICT', 'INVALID_ARGUMENT']).toContain((r.reason as MlopsError).code);
      const prod = await reg.getModelVersion('race@prod').catch(() => undefined);
      if (prod) expect(prod.status).toBe('READY');
      const listed = await reg.listModelVersions('race');
      for (const v of listed) if (v.aliases.length > 0) expect(v.status).toBe('READY');
      // Park the alias on a READY version for the next round.
      await reg.setAlias('race', 'prod', target + 1);
    }
    expect(archivedWins + aliasWins).toBeGreaterThan(0);
    const archived = (await reg.listModelVersions('race')).filter((v) => v.status === 'ARCHIVED');
    if (archived.length > 0) {
      const back = await reg.unarchiveModelVersion('race', archived[0]!.version, { reason: 'needed again' });
      expect(back.status).toBe('READY');
      expect((await reg.getEvents('race')).at(-1)).toMatchObject({ type: 'version_unarchived', reason: 'needed again' });
    }
  });
});

describe('defect 10: content already stored is not uploaded again from a file', () => {
  it('hashes the file first and cancels the upload of known content', async () => {
    const memory = createMemoryStore();
    let uploaded = 0;
    let gate = false;
    let touched: () => void = () => undefined;
    const reused = new Promise<void>((resolve) => (touched = resolve));
    // A slow link in front of a real store: after its first chunk, the second upload waits until
    // the registry has claimed the stored copy (its pointer touch), as a slow remote upload would.
    const slow: ObjectStore = {
      ...memory,
      put(key: string, body: PutBody, options?: PutOptions) {
        if (key.startsWith('blobs/sha256/') && options?.ifMatch !== undefined) touched();
        if (!key.includes('/data/') || body instanceof Uint8Array || typeof body === 'string') return memory.put(key, body, options);
        const source = body as AsyncIterable<Uint8Array>;
        return memory.put(
          key,
          (async function* () {
            for await (const chunk of source) {
              if (gate && uploaded > 0) await Promise.race([reused, new Promise((resolve) => setTimeout(resolve, 10_000))]);
              uploaded += chunk.byteLength;
              yield chunk;
            }
          })(),
          options,
        );
      },
    };
    const file = path.join(tmp, 'big.bin');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(file, new Uint8Array(24 * 1024 * 1024).fill(3));
    const reg = createRegistry({ store: slow });
    const v1 = await reg.registerModelVersion({ name: 'big', artifacts: { 'model.bin': { file } } });
    expect(uploaded).toBe(24 * 1024 * 1024);
    uploaded = 0;
    gate = true;
    const started = Date.now();
    const v2 = await reg.registerModelVersion({ name: 'big', artifacts: { 'model.bin': { file } } });
    expect(v2.artifacts[0]!.blob).toBe(v1.artifacts[0]!.blob);
    expect(uploaded).toBeLessThan(24 * 1024 * 1024);
    expect(Date.now() - started).toBeLessThan(9_000);
    const data: string[] = [];
    for await (const page of memory.list({ prefix: 'blobs/data/' })) for (const o of page.objects) data.push(o.key);
    expect(data).toEqual([v1.artifacts[0]!.blob]);
    await reg.close();
  });
});

describe('defect 5: damage is isolated, reported by key, and repairable', () => {
  it('one damaged event, manifest, alias pointer and blob pointer break nothing else; repair() fixes them', async () => {
    const store = createMemoryStore();
    const reg = createRegistry({ store });
    for (const m of ['ok', 'hurt']) {
      for (const i of [1, 2, 3]) await reg.registerModelVersion({ name: m, artifacts: { 'a.bin': enc.encode(`${m}${i}`) }, tags: { i: String(i) } });
      await reg.setAlias(m, 'prod', 2);
    }
    const keys: string[] = [];
    for await (const page of store.list({ prefix: 'models/hurt/' })) for (const o of page.objects) keys.push(o.key);
    const event = keys.find((k) => k.endsWith('00000000000000000002.json'))!;
    const manifest = keys.find((k) => k.endsWith('versions/0000000001.json'))!;
    await store.put(event, '{ not json');
    await store.put(manifest, '{"formatVersion":1}');
    const v3 = await reg.getModelVersion('hurt/3');
    await store.put(`blobs/sha256/${v3.artifacts[0]!.sha256.slice(0, 2)}/${v3.artifacts[0]!.sha256}.json`, 'garbage');
    const fresh = createRegistry({ store });
    const models = await fresh.listModels();
    expect(models.map((m) => m.name).sort()).toEqual(['hurt', 'ok']);
    const hurt = models.find((m) => m.name === 'hurt')!;
    // The damaged event is found by every listing; a damaged manifest when it is read (below).
    expect(hurt.damage!.map((d) => d.key)).toEqual([event]);
    expect(models.find((m) => m.name === 'ok')!.damage).toBeUndefined();
    expect((await fresh.searchModelVersions()).versions.length).toBeGreaterThanOrEqual(5);
    const readBroken = await errorOf(fresh.getModelVersion('hurt/1'));
    expect(readBroken).toMatchObject({ code: 'DATA_CORRUPTED', details: { key: manifest } });
    // gc reports instead of failing, and deletes nothing while a manifest is unreadable.
    const gc = await fresh.gc({ dryRun: false, minAgeMs: 0 });
    expect(gc.damaged!.map((d) => d.key)).toContain(manifest);
    expect(gc.deleted).toEqual([]);
    // Re-registering content whose pointer is damaged works.
    expect((await fresh.registerModelVersion({ name: 'hurt', artifacts: { 'a.bin': enc.encode('hurt3') } })).version).toBe(4);
    // A failed rebuild must not empty a model that listed fine: rebuild with damage succeeds.
    await fresh.rebuildIndex('hurt');
    expect((await fresh.listModelVersions('hurt')).map((v) => v.version)).toEqual([1, 2, 3, 4]);
    // A rebuild reads every manifest, so now the damaged one is reported with the model too.
    expect((await fresh.listModels()).find((m) => m.name === 'hurt')!.damage!.map((d) => d.key).sort()).toEqual([event, manifest].sort());
    // A damaged alias pointer is restored from the log by repair().
    await store.put('models/ok/aliases/prod.json', '{"formatVersion":1,"alias":5}');
    expect((await errorOf(fresh.getModelVersion('ok@prod'))).details).toMatchObject({ key: 'models/ok/aliases/prod.json' });
    const repaired = await fresh.repair();
    expect(repaired.fixed.map((f) => f.key).sort()).toEqual([event, manifest, 'models/ok/aliases/prod.json'].sort());
    expect((await fresh.getModelVersion('ok@prod')).version).toBe(2);
    expect((await errorOf(fresh.getModelVersion('hurt/1'))).details).toMatchObject({ deleted: true });
    const after = await createRegistry({ store }).listModels();
    expect(after.every((m) => m.damage === undefined)).toBe(true);
    expect((await createRegistry({ store }).repair({ dryRun: true })).fixed).toEqual([]);
    const copies: string[] = [];
    for await (const page of store.list({ prefix: 'quarantine/' })) for (const o of page.objects) copies.push(o.key);
    expect(copies.sort()).toEqual([event, manifest, 'models/ok/aliases/prod.json'].map((k) => `quarantine/${k}`).sort());
  });
});

describe('lifecycle: delete versions and models, gc reclaims, hash-chained log', () => {
  it('deletes a version (tombstone), refuses while aliased unless force, and gc reclaims only unshared bytes', async () => {
    const store = createMemoryStore();
    const reg = createRegistry({ store });
    const shared = enc.encode('shared weights');
    await reg.registerModelVersion({ name: 'del', artifacts: { 'a.bin': shared, 'b.bin': enc.encode('only in v1') }, description: 'personal data inside' });
    await reg.registerModelVersion({ name: 'del', artifacts: { 'a.bin': shared } });
    await reg.setAlias('del', 'prod', 1);
    expect((await errorOf(reg.deleteModelVersion('del', 1))).details).toMatchObject({ aliases: ['prod'] });
    const gone = await reg.deleteModelVersion('del', 1, { force: true, reason: 'GDPR request 42' });
    expect(gone).toMatchObject({ status: 'DELETED', artifacts: [], description: '' });
    expect((await errorOf(reg.getModelVersion('del/1'))).code).toBe('NOT_FOUND');
    expect((await errorOf(reg.getModelVersion('del@prod'))).code).toBe('NOT_FOUND');
    expect((await reg.listModelVersions('del')).map((v) => v.version)).toEqual([2]);
    expect((await reg.getModelVersion('del@latest')).version).toBe(2);
    const events = await reg.getEvents('del');
    expect(events.slice(-2).map((e) => e.type)).toEqual(['alias_deleted', 'version_deleted']);
    const gc = await reg.gc({ dryRun: false, minAgeMs: 0 });
    expect(gc.deleted.some((k) => k.startsWith('blobs/data/'))).toBe(true);
    expect(await reg.downloadArtifacts('del/2', path.join(tmp, 'del-2'))).toHaveLength(1);
    // Numbers are never reused.
    expect((await reg.registerModelVersion({ name: 'del', artifacts: { 'a.bin': enc.encode('v3') } })).version).toBe(3);
    await reg.setAlias('del', 'prod', 3);
    expect((await errorOf(reg.deleteModel('del'))).code).toBe('INVALID_ARGUMENT');
    expect(await reg.deleteModel('del', { force: true, reason: 'retired' })).toEqual({ name: 'del', deletedVersions: [2, 3] });
    expect((await reg.listModels()).map((m) => m.name)).toEqual([]);
    expect((await reg.getEvents('del')).at(-1)).toMatchObject({ type: 'model_deleted', reason: 'retired' });
    await reg.gc({ dryRun: false, minAgeMs: 0 });
    const left: string[] = [];
    for await (const page of store.list({ prefix: 'blobs/' })) for (const o of page.objects) left.push(o.key);
    expect(left).toEqual([]);
  });

  it('chains every event to the previous one by sha256 and verifyEventLog reports the first break', async () => {
    const store = createMemoryStore();
    const reg = createRegistry({ store });
    for (const i of [1, 2, 3]) await reg.registerModelVersion({ name: 'audit', artifacts: { 'a.bin': enc.encode(String(i)) } });
    await reg.setAlias('audit', 'prod', 2);
    expect(await reg.verifyEventLog('audit')).toEqual({ name: 'audit', verified: 4, intact: true });
    const key = 'models/audit/events/00000000000000000002.json';
    const stored = JSON.parse(new TextDecoder().decode((await store.get(key)).body)) as Record<string, unknown>;
    await store.put(key, JSON.stringify({ ...stored, actor: 'mallory' }));
    const verdict = await reg.verifyEventLog('audit');
    expect(verdict).toMatchObject({ intact: false, verified: 2, firstBreak: { seq: 3, key: 'models/audit/events/00000000000000000003.json' } });
    expect(verdict.firstBreak!.reason).toContain('prevHash');
  });
});

describe('defect 8: downloadArtifacts is all or nothing', () => {
  it('refuses a non-empty directory, replaces it only when asked, and leaves it untouched on failure', async () => {
    const { mkdir, readdir, readFile, writeFile } = await import('node:fs/promises');
    const reg = createRegistry({ store: createMemoryStore() });
    await reg.registerModelVersion({ name: 'dl', artifacts: { 'model.bin': enc.encode('v1'), 'extra/old.txt': enc.encode('only v1') } });
    await reg.registerModelVersion({ name: 'dl', artifacts: { 'model.bin': enc.encode('v2'), extra: enc.encode('a file where v1 had a directory') } });
    const dir = path.join(tmp, 'dl-target');
    await reg.downloadArtifacts('dl/1', dir);
    const refused = await errorOf(reg.downloadArtifacts('dl/2', dir));
    expect(refused).toMatchObject({ code: 'INVALID_ARGUMENT', details: { dir } });
    expect((await readdir(dir)).sort()).toEqual(['extra', 'model.bin']);
    // Replacing: none of v1's files remain (before, extra/old.txt stayed and "extra" failed with a raw EISDIR).
    await reg.downloadArtifacts('dl/2', dir, { replace: true });
    expect((await readdir(dir)).sort()).toEqual(['extra', 'model.bin']);
    expect(await readFile(path.join(dir, 'extra'), 'utf8')).toBe('a file where v1 had a directory');
    expect(await readFile(path.join(dir, 'model.bin'), 'utf8')).toBe('v2');
    // An empty directory is fine; a file path is a coded error.
    const empty = path.join(tmp, 'dl-empty');
    await mkdir(empty);
    expect(await reg.downloadArtifacts('dl/1', empty)).toHaveLength(2);
    const file = path.join(tmp, 'dl-file');
    await writeFile(file, 'x');
    expect((await errorOf(reg.downloadArtifacts('dl/1', file))).code).toBe('INVALID_ARGUMENT');
    // No staging directories are left next to the targets.
    expect((await readdir(tmp)).filter((n) => n.includes('.download-'))).toEqual([]);
  });
});

describe('search on lineage, alias presence, OR and parentheses', () => {
  it('finds versions by dataset hash and code commit across models', async () => {
    const reg = createRegistry({ store: createMemoryStore() });
    const data = 'b'.repeat(64);
    await reg.registerModelVersion({ name: 's1', artifacts: { a: enc.encode('1') }, lineage: { datasets: [{ uri: 's3://d', sha256: data }], code: { repo: 'r', commit: 'abc' } } });
    await reg.registerModelVersion({ name: 's2', artifacts: { a: enc.encode('2') }, lineage: { code: { repo: 'r', commit: 'def' } }, metrics: { auc: 0.95 } });
    await reg.registerModelVersion({ name: 's2', artifacts: { a: enc.encode('3') }, metrics: { auc: 0.5 } });
    await reg.setAlias('s2', 'prod', 2);
    const find = async (filter: string) => (await reg.searchModelVersions({ filter })).versions.map((v) => `${v.name}/${v.version}`).sort();
    expect(await find(`lineage.dataset.sha256 = '${data}'`)).toEqual(['s1/1']);
    expect(await find("lineage.code.commit = 'abc' OR (name = 's2' AND alias IS NOT NULL)")).toEqual(['s1/1', 's2/2']);
    expect(await find("name = 's2' AND (metrics.auc > 0.9 OR alias = 'prod')")).toEqual(['s2/1', 's2/2']);
  });
});
