import { InvalidArgumentError, NotFoundError } from '@mlops/contracts/errors';
import { LOST, retryCas } from './cas.js';
import { encodeManifest } from './codec.js';
import type { EventDraft, RegistryContext } from './context.js';
import type { IndexCache } from './index-cache.js';
import { liveAliases, summarize } from './model-index.js';
import { validateModelName, validateTag, validateVersion } from './names.js';
import { isPreconditionFailed } from './store-ops.js';
import type { ModelVersion, RegistryEvent } from './types.js';

/** Changes to a committed version's manifest (tags, status), each by compare-and-swap and logged. */
export interface ManifestOps {
  setTags(name: string, version: number, tags: Record<string, string>, options?: { reason?: string }): Promise<ModelVersion>;
  deleteTag(name: string, version: number, key: string, options?: { reason?: string }): Promise<ModelVersion>;
  archive(name: string, version: number, options?: { reason?: string }): Promise<ModelVersion>;
}

/** Creates the manifest update operations. */
export function createManifestOps(ctx: RegistryContext, indexes: IndexCache): ManifestOps {
  async function updateManifest(
    name: string,
    version: number,
    type: 'tags_set' | 'tag_deleted' | 'version_archived',
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
        try {
          await store.put(ctx.layout.versionKey(name, version), encodeManifest(next), { ifMatch: etag, contentType: 'application/json' });
        } catch (error) {
          if (isPreconditionFailed(error)) return LOST;
          throw error;
        }
        const draft: EventDraft = { type, version, summary: summarize(next), ...extra };
        if (reason !== undefined) draft.reason = reason;
        await indexes.logEvent(name, draft, at);
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
      return updateManifest(name, version, 'tags_set', (m) => ({ ...m, tags: { ...m.tags, ...tags } }), { tags: { ...tags } }, opts.reason);
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
          if (!(key in m.tags)) {
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
      const state = await indexes.loadIndex(name);
      const holding = Object.entries(liveAliases(state))
        .filter(([, v]) => v === version)
        .map(([a]) => a);
      if (holding.length > 0) {
        throw new InvalidArgumentError(
          `Cannot archive ${name}/${version}: alias${holding.length > 1 ? 'es' : ''} ${holding.map((a) => `@${a}`).join(', ')} point${holding.length > 1 ? '' : 's'} at it. ` +
            'Move or delete the alias first (setAlias / deleteAlias / rollback).',
          { details: { name, version, aliases: holding } },
        );
      }
      return updateManifest(
        name,
        version,
        'version_archived',
        (m) => {
          if (m.status === 'ARCHIVED') throw new InvalidArgumentError(`Version ${name}/${version} is already archived.`);
          return { ...m, status: 'ARCHIVED' };
        },
        {},
        opts.reason,
      );
    },
  };
}
