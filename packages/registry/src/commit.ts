import { collectArtifacts } from './artifact-sources.js';
import { uploadArtifact } from './blobs.js';
import { LOST, progressPolicy, retryCas } from './cas.js';
import { encodeJson, encodeManifest } from './codec.js';
import type { EventDraft, RegistryContext } from './context.js';
import { highestAfter } from './event-log.js';
import type { IndexCache } from './index-cache.js';
import { summarize, upsertSummary } from './model-index.js';
import type { RegisterModelVersionInput } from './registry-types.js';
import { isPreconditionFailed, mapLimit } from './store-ops.js';
import type { ArtifactEntry, ModelVersion } from './types.js';
import { validateRegistration } from './validate-input.js';

/**
 * The commit protocol: artifacts are uploaded content-addressed first, then the manifest of the
 * next free version number is written with create-if-absent (the commit point), then the event is
 * logged. A crash before the manifest leaves only collectable blobs; a crash after it leaves a
 * visible version that readers fold in from the manifest even without its log entry.
 */
export async function commitVersion(ctx: RegistryContext, indexes: IndexCache, input: RegisterModelVersionInput): Promise<ModelVersion> {
  const store = await ctx.writableStore();
  const { layout } = ctx;
  const checked = validateRegistration(input);
  const name = checked.name;
  const pending = await collectArtifacts(input.artifacts);
  // The model's index and (for a new model) its catalog marker do not depend on the artifacts:
  // they are prepared while the artifacts upload, so a cold registry pays no extra round trips after them.
  const prepared = (async () => {
    // A warm cache is only a hint for the next number: create-if-absent catches a stale one, and
    // skipping the refresh keeps a registration O(1) requests however long the history is.
    const known = indexes.cached(name) ?? (await indexes.loadIndex(name));
    if (known.lastVersion === 0) {
      // First version (as far as we know): make sure the model is in the catalog before it has a
      // version, so a listed model may have no version yet but a version never lacks its listing.
      try {
        await store.put(layout.catalogKey(name), encodeJson({ formatVersion: 1, name, createdAt: ctx.now(), createdBy: ctx.actor }), {
          ifNoneMatch: '*',
          contentType: 'application/json',
        });
      } catch (error) {
        if (!isPreconditionFailed(error)) throw error;
      }
    }
    return known;
  })();
  // Awaited below; a failed upload must not leave it unhandled.
  prepared.catch(() => undefined);
  const controller = new AbortController();
  const onAbort = () => controller.abort(input.signal?.reason);
  input.signal?.addEventListener('abort', onAbort, { once: true });
  let entries: ArtifactEntry[];
  try {
    input.signal?.throwIfAborted();
    entries = await mapLimit(pending, ctx.concurrency, async (artifact) => {
      try {
        return await uploadArtifact(store, layout, artifact, ctx.now(), controller.signal, ctx.hasher, ctx.retry);
      } catch (error) {
        controller.abort(error);
        throw error;
      }
    });
  } catch (error) {
    // Nothing of this call may still be writing once it has failed.
    await prepared.catch(() => undefined);
    throw error;
  } finally {
    input.signal?.removeEventListener('abort', onAbort);
  }
  entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const state = await prepared;
  let version = state.lastVersion + 1;
  const manifest = await retryCas(
    progressPolicy(ctx.retry),
    `committing a new version of model "${name}"`,
    async (): Promise<ModelVersion | typeof LOST> => {
      const at = ctx.now();
      const draft: ModelVersion = {
        name,
        version,
        createdAt: at,
        updatedAt: at,
        createdBy: ctx.actor,
        description: checked.description,
        status: 'READY',
        artifacts: entries,
        metrics: checked.metrics,
        params: checked.params,
        tags: checked.tags,
        lineage: checked.lineage,
        revision: 0,
      };
      if (checked.signature) draft.signature = checked.signature;
      try {
        input.signal?.throwIfAborted();
        // The commit point: the manifest is written last and only if this number is still free.
        await store.put(layout.versionKey(name, version), encodeManifest(draft), { ifNoneMatch: '*', contentType: 'application/json' });
        return draft;
      } catch (error) {
        if (!isPreconditionFailed(error)) throw error;
        version = (await highestAfter(store, layout.versionsPrefix(name), layout.versionKey(name, version), (k) => layout.versionFromKey(name, k), version)) + 1;
        return LOST;
      }
    },
    { name },
  );
  upsertSummary(state, summarize(manifest));
  const draft: EventDraft = { type: 'version_registered', version: manifest.version, summary: summarize(manifest) };
  if (input.reason !== undefined) draft.reason = input.reason;
  await indexes.logEvent(name, draft, manifest.createdAt);
  return manifest;
}
