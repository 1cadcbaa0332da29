import { ErrorCode, MlopsError } from '@mlops/contracts/errors';
import type { ObjectStore } from '@mlops/storage';
import { decodeAliasPointer, decodeBlobPointer, decodeManifest, encodeEvent, encodeJson, encodeManifest, type AliasPointer } from './codec.js';
import type { RegistryContext } from './context.js';
import { isDamaged, readLogAfter } from './event-log.js';
import type { IndexCache } from './index-cache.js';
import { tombstone } from './manifest-updates.js';
import type { RepairResult } from './registry-types.js';
import { getOrUndefined, listKeys } from './store-ops.js';
import type { ModelVersion, RegistryEvent } from './types.js';

function damagedBy(decode: () => unknown): string | undefined {
  try {
    decode();
    return undefined;
  } catch (error) {
    if (!MlopsError.isInstance(error, ErrorCode.DataCorrupted)) throw error;
    return error.message;
  }
}

/**
 * Finds every damaged registry object and fixes or quarantines it (a copy of the damaged bytes goes
 * to `quarantine/<key>` first): an event is replaced by an `event_quarantined` marker at the same
 * sequence number; an alias pointer is restored from the log (or removed if the log never saw the
 * alias); a manifest is replaced by a deleted-version tombstone (its files cannot be known); a blob
 * pointer is removed (the next registration of that content recreates it). Then every index and the
 * catalog snapshot are rebuilt. Each replacement is conditional on the damaged object's etag.
 */
export async function repairRegistry(ctx: RegistryContext, indexes: IndexCache, dryRun: boolean): Promise<RepairResult> {
  const store = dryRun ? await ctx.store() : await ctx.writableStore();
  const { layout } = ctx;
  const fixed: RepairResult['fixed'] = [];
  const quarantine = async (key: string, body: Uint8Array) => {
    if (!dryRun) await store.put(`${layout.quarantinePrefix}${key}`, body, { contentType: 'application/octet-stream' });
  };
  const replace = async (key: string, etag: string, body: Uint8Array | undefined) => {
    if (dryRun) return;
    if (body) await store.put(key, body, { ifMatch: etag, contentType: 'application/json' });
    else await store.delete(key, { ifMatch: etag });
  };
  const names = await indexes.modelNames();
  for (const name of names) {
    for (const entry of await readLogAfter(store, layout, name, 0)) {
      if (!isDamaged(entry)) continue;
      const found = await getOrUndefined(store, entry.key);
      if (!found) continue;
      await quarantine(entry.key, found.body);
      const marker: RegistryEvent = { seq: entry.seq, type: 'event_quarantined', name, at: ctx.now(), actor: ctx.actor, reason: entry.message };
      await replace(entry.key, found.etag, encodeEvent(marker));
      fixed.push({ key: entry.key, problem: entry.message, action: 'quarantined; replaced by an event_quarantined marker' });
    }
    const state = await indexes.loadIndex(name);
    for (const key of await listKeys(store, layout.aliasesPrefix(name))) {
      const found = await getOrUndefined(store, key);
      const problem = found && damagedBy(() => decodeAliasPointer(key, found.body));
      if (!found || !problem) continue;
      await quarantine(key, found.body);
      const alias = key.slice(layout.aliasesPrefix(name).length, -'.json'.length);
      const logged = state.aliases[alias];
      if (logged) {
        const last = state.aliasHistory.filter((c) => c.alias === alias).sort((a, b) => a.revision - b.revision).at(-1);
        const pointer: AliasPointer = { formatVersion: 1, name, alias, version: logged.version, revision: logged.revision, from: last?.from ?? null, updatedAt: ctx.now(), actor: ctx.actor, reason: 'restored from the event log by repair()' };
        await replace(key, found.etag, encodeJson(pointer));
        fixed.push({ key, problem, action: `quarantined; restored from the log (${logged.version === null ? 'deleted' : `v${logged.version}`}, revision ${logged.revision})` });
      } else {
        await replace(key, found.etag, undefined);
        fixed.push({ key, problem, action: 'quarantined; removed (the log never recorded this alias)' });
      }
    }
    for (const key of await listKeys(store, layout.versionsPrefix(name))) {
      const version = layout.versionFromKey(name, key);
      if (version === undefined) continue;
      const found = await getOrUndefined(store, key);
      const problem = found && damagedBy(() => decodeManifest(key, found.body));
      if (!found || !problem) continue;
      await quarantine(key, found.body);
      const summary = state.versions.find((v) => v.version === version);
      const base: ModelVersion = {
        name,
        version,
        createdAt: summary?.createdAt ?? ctx.now(),
        updatedAt: ctx.now(),
        createdBy: summary?.createdBy ?? 'unknown',
        description: '',
        status: 'DELETED',
        artifacts: [],
        metrics: {},
        params: {},
        tags: {},
        lineage: {},
        revision: (summary?.revision ?? 0) + 1,
      };
      await replace(key, found.etag, encodeManifest(tombstone(base)));
      fixed.push({ key, problem, action: 'quarantined; replaced by a deleted-version tombstone (its files could not be read)' });
    }
  }
  await repairBlobPointers(store, ctx, quarantine, replace, fixed);
  if (!dryRun) {
    const states = [];
    for (const name of names) states.push(await indexes.rebuildModel(name));
    await indexes.forceSnapshot(states, false);
  }
  return { dryRun, fixed };
}

async function repairBlobPointers(
  store: ObjectStore,
  ctx: RegistryContext,
  quarantine: (key: string, body: Uint8Array) => Promise<void>,
  replace: (key: string, etag: string, body: Uint8Array | undefined) => Promise<void>,
  fixed: RepairResult['fixed'],
): Promise<void> {
  for (const key of await listKeys(store, ctx.layout.blobPointersPrefix)) {
    const found = await getOrUndefined(store, key);
    const problem = found && damagedBy(() => decodeBlobPointer(key, found.body));
    if (!found || !problem) continue;
    await quarantine(key, found.body);
    await replace(key, found.etag, undefined);
    fixed.push({ key, problem, action: 'quarantined; removed (the next registration of that content recreates it)' });
  }
}
