import { InvalidArgumentError, NotFoundError } from '@mlops/contracts/errors';
import { LOST, retryCas } from './cas.js';
import { randomBytes } from 'node:crypto';
import { encodeJson, encodeManifest, type PendingUpdate } from './codec.js';
import type { EventDraft, RegistryContext } from './context.js';
import type { IndexCache } from './index-cache.js';
import { summarize } from './model-index.js';
import { validateModelName, validateTag, validateVersion } from './names.js';
import { isPreconditionFailed, listKeys } from './store-ops.js';
import { ConflictError } from './cas.js';
import { checkCount } from './validate-input.js';
import { LIMITS } from './names.js';
import type { ModelVersion, RegistryEvent } from './types.js';

/** Changes to a committed version's manifest (tags, status), each by compare-and-swap and logged. */
export interface ManifestOps {
  setTags(name: string, version: number, tags: Record<string, string>, options?: { reason?: string }): Promise<ModelVersion>;
  deleteTag(name: string, version: number, key: string, options?: { reason?: string }): Promise<ModelVersion>;
  archive(name: string, version: number, options?: { reason?: string }): Promise<ModelVersion>;
  unarchive(name: string, version: number, options?: { reason?: string }): Promise<ModelVersion>;
  deleteVersion(name: string, version: number, options?: DeleteOptions): Promise<ModelVersion>;
}

/** Options of version and model deletion. */
export interface DeleteOptions {
  /** Also delete the aliases that point at the version (each logged); without it such a delete is refused. */
  force?: boolean;
  /** Why (event log); e.g. the data-deletion request it answers. */
  reason?: string;
}

/** The tombstone a deleted version leaves: the number and who/when stay, files and metadata go. */
export function tombstone(m: ModelVersion): ModelVersion {
  return { ...m, status: 'DELETED', description: '', artifacts: [], metrics: {}, params: {}, tags: {}, lineage: {}, signature: undefined };
}

/** Aliases whose pointer (read fresh, not from the index) targets `version`. */
export async function aliasesOn(ctx: RegistryContext, indexes: IndexCache, name: string, version: number): Promise<string[]> {
  const store = await ctx.store();
  const prefix = ctx.layout.aliasesPrefix(name);
  const holding: string[] = [];
  for (const key of await listKeys(store, prefix)) {
    const alias = key.slice(prefix.length, -'.json'.length);
    const { pointer } = await indexes.readAliasPointer(name, alias);
    if (pointer?.version === version) holding.push(alias);
  }
  return holding.sort();
}

/** Creates the manifest update operations. */
export function createManifestOps(
  ctx: RegistryContext,
  indexes: IndexCache,
  deleteAlias: (name: string, alias: string, expected: number, reason: string | undefined) => Promise<unknown>,
): ManifestOps {
  async function updateManifest(
    name: string,
    version: number,
    type: 'tags_set' | 'tag_deleted' | 'version_archived' | 'version_unarchived' | 'version_deleted',
    mutate: (m: ModelVersion) => ModelVersion,
    extra: Partial<RegistryEvent>,
    reason: string | undefined,
  ): Promise<ModelVersion> {
    const store = await ctx.writableStore();
    return retryCas(
      ctx.retry,
      `updating the manifest of ${name}/${version}`,
      async () => {
        const { manifest, etag } = await indexes.readManifest(name, version);
        const at = ctx.now();
        const next = { ...mutate(manifest), revision: manifest.revision + 1, updatedAt: at };
        const draft: EventDraft = { type, version, summary: summarize(next), ...extra };
        if (reason !== undefined) draft.reason = reason;
        // Written before the manifest and deleted after the log entry: if this process dies in
        // between, the first reader that notices logs the event for it (see reconcilePending).
        const pendingKey = ctx.layout.pendingKey(name, version, next.revision, randomBytes(6).toString('hex'));
        const pending: PendingUpdate = { formatVersion: 1, name, version, revision: next.revision, at, actor: ctx.actor, event: { ...draft, summary: draft.summary! } };
        await store.put(pendingKey, encodeJson(pending), { ifNoneMatch: '*', contentType: 'application/json' });
        try {
          await store.put(ctx.layout.versionKey(name, version), encodeManifest(next), { ifMatch: etag, contentType: 'application/json' });
        } catch (error) {
          await store.delete(pendingKey).catch(() => undefined);
          if (isPreconditionFailed(error)) return LOST;
          throw error;
        }
        await indexes.logEvent(name, draft, at);
        // A marker left by a failed delete is removed by the next reader after the grace period.
        await store.delete(pendingKey).catch(() => undefined);
        return next;
      },
      { name, version },
    );
  }

  return {
    async setTags(name, version, tags, opts = {}) {
      validateModelName(name);
      validateVersion(version);
      if (typeof tags !== 'object' || tags === null) throw new InvalidArgumentError('Expected tags to be an object of string keys to string values.');
      for (const [k, v] of Object.entries(tags)) validateTag(k, v);
      const added = Object.fromEntries(Object.entries(tags));
      return updateManifest(
        name,
        version,
        'tags_set',
        (m) => {
          const merged = { ...m.tags, ...added };
          checkCount('tags', Object.keys(merged).length, LIMITS.tagsPerVersion);
          return { ...m, tags: merged };
        },
        { tags: added },
        opts.reason,
      );
    },

    async deleteTag(name, version, key, opts = {}) {
      validateModelName(name);
      validateVersion(version);
      validateTag(key);
      return updateManifest(
        name,
        version,
        'tag_deleted',
        (m) => {
          if (!Object.hasOwn(m.tags, key)) {
            throw new NotFoundError(`Version ${name}/${version} has no tag "${key}". Its tags are: ${Object.keys(m.tags).join(', ') || '(none)'}.`);
          }
          const { [key]: _removed, ...rest } = m.tags;
          return { ...m, tags: rest };
        },
        { tagKey: key },
        opts.reason,
      );
    },

    async archive(name, version, opts = {}) {
      validateModelName(name);
      validateVersion(version);
      const refuse = (holding: string[]) =>
        new InvalidArgumentError(
          `Cannot archive ${name}/${version}: alias${holding.length > 1 ? 'es' : ''} ${holding.map((a) => `@${a}`).join(', ')} point${holding.length > 1 ? '' : 's'} at it. ` +
            'Move or delete the alias first (setAlias / deleteAlias / rollback).',
          { details: { name, version, aliases: holding } },
        );
      const before = await aliasesOn(ctx, indexes, name, version);
      if (before.length > 0) throw refuse(before);
      const archived = await updateManifest(
        name,
        version,
        'version_archived',
        (m) => {
          if (m.status === 'ARCHIVED') throw new InvalidArgumentError(`Version ${name}/${version} is already archived.`, { details: { name, version } });
          return { ...m, status: 'ARCHIVED' };
        },
        {},
        opts.reason,
      );
      // setAlias moves its pointer and then re-reads the manifest; archive writes the manifest and
      // then re-reads the pointers. Whichever runs second sees the other, so an alias never stays
      // on an archived version: the loser undoes its change (logged) and fails with CONFLICT.
      const after = await aliasesOn(ctx, indexes, name, version);
      if (after.length > 0) {
        await updateManifest(name, version, 'version_unarchived', (m) => ({ ...m, status: 'READY' }), {}, `undone: alias ${after.map((a) => `@${a}`).join(', ')} moved to it concurrently`);
        throw new ConflictError(`Archiving ${name}/${version} raced with a move of ${after.map((a) => `@${a}`).join(', ')} onto it; the archive was undone. Move the alias away and archive again.`, {
          details: { name, version, aliases: after },
        });
      }
      return archived;
    },

    async deleteVersion(name, version, opts = {}) {
      validateModelName(name);
      validateVersion(version);
      const holding = await aliasesOn(ctx, indexes, name, version);
      if (holding.length > 0 && !opts.force) {
        throw new InvalidArgumentError(
          `Cannot delete ${name}/${version}: alias${holding.length > 1 ? 'es' : ''} ${holding.map((a) => `@${a}`).join(', ')} point${holding.length > 1 ? '' : 's'} at it. ` +
            'Move the alias first, or pass { force: true } to delete the alias too.',
          { details: { name, version, aliases: holding } },
        );
      }
      for (const alias of holding) await deleteAlias(name, alias, version, opts.reason);
      let before: ModelVersion | undefined;
      const deleted = await updateManifest(
        name,
        version,
        'version_deleted',
        (m) => {
          if (m.status === 'DELETED') throw new NotFoundError(`Version ${name}/${version} is already deleted.`, { details: { name, version, deleted: true } });
          before = m;
          const t = tombstone(m);
          delete t.signature;
          return t;
        },
        {},
        opts.reason,
      );
      // The same race as archive: an alias moved onto the version meanwhile restores it.
      const after = await aliasesOn(ctx, indexes, name, version);
      if (after.length > 0 && before) {
        const restored = before;
        await updateManifest(name, version, 'version_unarchived', () => ({ ...restored }), {}, `undone: alias ${after.map((a) => `@${a}`).join(', ')} moved to it concurrently`);
        throw new ConflictError(`Deleting ${name}/${version} raced with a move of ${after.map((a) => `@${a}`).join(', ')} onto it; the delete was undone.`, {
          details: { name, version, aliases: after },
        });
      }
      return deleted;
    },

    async unarchive(name, version, opts = {}) {
      validateModelName(name);
      validateVersion(version);
      return updateManifest(
        name,
        version,
        'version_unarchived',
        (m) => {
          if (m.status !== 'ARCHIVED') throw new InvalidArgumentError(`Version ${name}/${version} is not archived (status ${m.status}).`, { details: { name, version, status: m.status } });
          return { ...m, status: 'READY' };
        },
        {},
        opts.reason,
      );
    },
  };
}
