import { userInfo } from 'node:os';
import { InvalidArgumentError, NotFoundError } from '@mlops/contracts/errors';
import type { ObjectStore } from '@mlops/storage';
import { createAliasOps } from './aliases.js';
import { resolveRetryPolicy } from './cas.js';
import { commitVersion } from './commit.js';
import type { RegistryContext } from './context.js';
import { downloadVersion } from './download.js';
import { readEventsAfter, verifyLog } from './event-log.js';
import { repairRegistry } from './repair.js';
import { collectGarbage } from './gc.js';
import { openVerified } from './blobs.js';
import { probeConditionalWrites } from './probe.js';
import { createHashWorker } from './hash-worker.js';
import { createIndexCache } from './index-cache.js';
import { createLayout } from './layout.js';
import { createManifestOps } from './manifest-updates.js';
import { renderCard } from './model-card.js';
import { historyOf, liveAliases } from './model-index.js';
import { validateAlias, validateModelName, validateVersion } from './names.js';
import { isObjectStore, openRegistryStore } from './open-store.js';
import type { EventLogVerification, Registry, RegistryOptions } from './registry-types.js';
import { resolveVersion } from './resolve-ref.js';
import { listModels, listModelVersions, searchModelVersions } from './search.js';
import type { RegistryEvent } from './types.js';
import { watchAlias, watchEvents } from './watch.js';

export type * from './registry-types.js';

function defaultActor(): string {
  try {
    return process.env.MLOPS_ACTOR ?? userInfo().username;
  } catch {
    return 'unknown';
  }
}

const invalid = (message: string): never => {
  throw new InvalidArgumentError(message);
};

/**
 * Opens a model registry on an object store: the bucket is the database. Versions are committed
 * with create-if-absent writes, aliases move by compare-and-swap, every change is appended to a
 * per-model event log, so any number of processes can share one bucket safely.
 */
export function createRegistry(options: RegistryOptions = {}): Registry {
  const target = options.store ?? (process.env.MLOPS_REGISTRY_URL || './.mlops');
  if (!isObjectStore(target) && typeof target !== 'string') {
    throw new InvalidArgumentError('Expected the store option to be an ObjectStore or a URL/path string such as "./.mlops" or "s3://bucket/prefix".');
  }
  const ownsStore = typeof target === 'string';
  const prefix = options.prefix ?? '';
  if (prefix !== '' && !prefix.endsWith('/')) throw new InvalidArgumentError(`The prefix option must end with "/", found ${JSON.stringify(prefix)}.`);
  const checkpointInterval = options.checkpointInterval ?? 64;
  const catalogInterval = options.catalogCheckpointInterval ?? 256;
  for (const [option, value] of [
    ['checkpointInterval', checkpointInterval],
    ['catalogCheckpointInterval', catalogInterval],
  ] as const) {
    if (!Number.isInteger(value) || value < 1) throw new InvalidArgumentError(`Expected ${option} to be a whole number >= 1, found ${JSON.stringify(value)}.`);
  }
  const retry = resolveRetryPolicy(options.retry, invalid);
  // Large artifacts are hashed on a second core while the main thread writes them.
  const hasher = createHashWorker();
  const storePromise: Promise<ObjectStore> = isObjectStore(target) ? Promise.resolve(target) : openRegistryStore(target, options.storeOptions);
  // Surfaced on first use instead; avoid an unhandled rejection before that.
  storePromise.catch(() => undefined);
  // The conditional-write probe runs once, before the first write (read-only users never need write access).
  let probed: Promise<ObjectStore> | undefined;
  const writableStore = (): Promise<ObjectStore> => {
    probed ??= storePromise.then(async (store) => {
      if (!options.singleWriter) await probeConditionalWrites(store, `${prefix}probes/`);
      return store;
    });
    // A failed probe (e.g. a network error) is tried again by the next write.
    probed.catch(() => {
      probed = undefined;
    });
    return probed;
  };
  const listeners = new Set<(event: RegistryEvent) => void | Promise<void>>();
  const wakers = new Set<() => void>();

  const ctx: RegistryContext = {
    store: () => storePromise,
    writableStore,
    layout: createLayout(prefix),
    actor: options.actor ?? defaultActor(),
    now: options.clock ?? Date.now,
    concurrency: options.transferConcurrency ?? 4,
    checkpointInterval,
    catalogInterval,
    retry,
    hasher,
    emit(event) {
      for (const listener of listeners) {
        try {
          const result = listener(event);
          if (result && typeof (result as Promise<void>).catch === 'function') (result as Promise<void>).catch(() => undefined);
        } catch {
          // A failing hook must not fail the registry call that already committed.
        }
      }
      for (const wake of wakers) wake();
    },
  };
  const indexes = createIndexCache(ctx);
  const aliases = createAliasOps(ctx, indexes);
  const manifests = createManifestOps(ctx, indexes, (name, alias, expected, reason) =>
    aliases.moveAlias(name, alias, null, { expectedVersion: expected, reason: reason ?? `deleting ${name}/${expected}` }),
  );
  const resolve = (ref: string) => resolveVersion(indexes, ref);

  const registry: Registry = {
    store: storePromise,

    registerModelVersion: (input) => commitVersion(ctx, indexes, input),

    getModelVersion: resolve,

    async setAlias(name, alias, version, opts = {}) {
      validateModelName(name);
      validateAlias(alias);
      validateVersion(version);
      return (await aliases.moveAlias(name, alias, version, opts)).change;
    },

    async deleteAlias(name, alias, opts = {}) {
      validateModelName(name);
      validateAlias(alias);
      return (await aliases.moveAlias(name, alias, null, opts)).change;
    },

    getAliasHistory: aliases.aliasHistory,
    setTags: manifests.setTags,
    deleteTag: manifests.deleteTag,
    archiveModelVersion: manifests.archive,
    unarchiveModelVersion: manifests.unarchive,
    deleteModelVersion: manifests.deleteVersion,

    async deleteModel(name, opts = {}) {
      validateModelName(name);
      const state = await indexes.loadIndex(name);
      const live = state.versions.filter((v) => v.status !== 'DELETED').map((v) => v.version);
      const held = Object.entries(liveAliases(state));
      if (live.length === 0 && held.length === 0) {
        throw new NotFoundError(`Model "${name}" does not exist or has no versions left to delete.`, { details: { name } });
      }
      if (held.length > 0 && !opts.force) {
        throw new InvalidArgumentError(
          `Cannot delete model "${name}": aliases ${held.map(([a, v]) => `@${a} -> v${v}`).join(', ')} are set. Delete them first, or pass { force: true }.`,
          { details: { name, aliases: Object.fromEntries(held) } },
        );
      }
      for (const version of live) await manifests.deleteVersion(name, version, opts);
      await indexes.logEvent(name, { type: 'model_deleted', ...(opts.reason !== undefined ? { reason: opts.reason } : {}) }, ctx.now());
      return { name, deletedVersions: live };
    },
    listModels: () => listModels(indexes),
    listModelVersions: (name) => listModelVersions(indexes, name),
    searchModelVersions: (opts) => searchModelVersions(indexes, opts),

    async downloadArtifacts(ref, dir, opts) {
      if (typeof dir !== 'string' || dir.length === 0) throw new InvalidArgumentError('Expected dir to be a directory path string.');
      const version = await resolve(ref);
      return downloadVersion(await ctx.store(), version, dir, ctx.concurrency, opts);
    },

    async openArtifact(ref, path) {
      const version = await resolve(ref);
      const entry = version.artifacts.find((a) => a.path === path);
      if (!entry) {
        throw new NotFoundError(
          `Version ${version.name}/${version.version} has no artifact "${path}". Its files are: ${version.artifacts.map((a) => a.path).join(', ')}.`,
          { details: { ref, path } },
        );
      }
      return openVerified(await ctx.store(), entry, `${version.name}/${version.version}`);
    },

    promote: aliases.promote,
    rollback: aliases.rollback,
    gc: (opts) => collectGarbage(ctx, opts),

    onEvent(listener) {
      if (typeof listener !== 'function') throw new InvalidArgumentError('onEvent needs a function.');
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },

    watchAlias: (name, alias, opts) => watchAlias(ctx, wakers, name, alias, opts),
    watch: (opts) => watchEvents(ctx, wakers, () => indexes.modelNames(), opts),

    async renderModelCard(ref) {
      const version = await resolve(ref);
      const state = await indexes.loadIndex(version.name);
      return renderCard(version, liveAliases(state), historyOf(state));
    },

    async getEvents(name, opts = {}) {
      validateModelName(name);
      return readEventsAfter(await ctx.store(), ctx.layout, name, opts.afterSeq ?? 0);
    },

    async rebuildIndex(name) {
      await indexes.settle();
      if (name === undefined) {
        const names = await indexes.modelNames();
        const states = [];
        for (const model of names) states.push(await indexes.rebuildModel(model));
        await indexes.forceSnapshot(states, false);
        return;
      }
      validateModelName(name);
      // The snapshot may hold the same stale copy the per-model index had.
      await indexes.forceSnapshot([await indexes.rebuildModel(name)], true);
    },

    repair: (opts) => repairRegistry(ctx, indexes, opts?.dryRun ?? false),

    async verifyEventLog(name) {
      validateModelName(name);
      const { events, firstBreak } = await verifyLog(await ctx.store(), ctx.layout, name);
      const result: EventLogVerification = { name, verified: events, intact: firstBreak === undefined };
      if (firstBreak) result.firstBreak = firstBreak;
      return result;
    },

    async close() {
      await indexes.settle();
      await hasher.close();
      if (ownsStore) await (await storePromise).close();
    },
  };
  return registry;
}
