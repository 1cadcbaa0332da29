import { NotFoundError } from '@mlops/contracts/errors';
import type { IndexCache } from './index-cache.js';
import { parseModelRef } from './names.js';
import type { ModelVersion } from './types.js';

/** A deleted version is a tombstone: reading it is `NOT_FOUND` (saying it was deleted). */
function live({ manifest }: { manifest: ModelVersion }): ModelVersion {
  if (manifest.status === 'DELETED') {
    throw new NotFoundError(`Model version ${manifest.name}/${manifest.version} was deleted (its number stays taken). List the versions with listModelVersions("${manifest.name}").`, {
      details: { name: manifest.name, version: manifest.version, deleted: true },
    });
  }
  return manifest;
}

/** Reads the version a reference names: `name/3`, `name@alias`, `name@latest` (newest non-archived). */
export async function resolveVersion(indexes: IndexCache, ref: string): Promise<ModelVersion> {
  const parsed = parseModelRef(ref);
  if (parsed.kind === 'version') return live(await indexes.readManifest(parsed.name, parsed.version));
  if (parsed.kind === 'alias') {
    const { pointer } = await indexes.readAliasPointer(parsed.name, parsed.alias);
    if (!pointer || pointer.version === null) {
      throw new NotFoundError(
        `Alias ${parsed.name}@${parsed.alias} is not set${pointer ? ' (it was deleted)' : ''}. Set it with setAlias("${parsed.name}", "${parsed.alias}", <version>).`,
        { details: { name: parsed.name, alias: parsed.alias } },
      );
    }
    // This instance's index lags the pointer: bring it up (and recover an unlogged move) now, so
    // listings from this instance agree with what the alias just resolved to.
    const cached = indexes.cached(parsed.name);
    if (cached && (cached.aliases[parsed.alias]?.revision ?? 0) < pointer.revision) await indexes.loadIndex(parsed.name);
    return live(await indexes.readManifest(parsed.name, pointer.version));
  }
  const state = await indexes.loadIndex(parsed.name);
  for (let i = state.versions.length - 1; i >= 0; i--) {
    const v = state.versions[i]!;
    if (v.status === 'READY') return live(await indexes.readManifest(parsed.name, v.version));
  }
  throw new NotFoundError(
    state.versions.length === 0
      ? `Model "${parsed.name}" has no versions. Register one with registerModelVersion({ name: "${parsed.name}", ... }).`
      : `Model "${parsed.name}" has no non-archived version, so "${ref}" names nothing.`,
    { details: { name: parsed.name } },
  );
}
