import { NotFoundError } from '@mlops/contracts/errors';
import type { IndexCache } from './index-cache.js';
import { parseModelRef } from './names.js';
import type { ModelVersion } from './types.js';

/** Reads the version a reference names: `name/3`, `name@alias`, `name@latest` (newest non-archived). */
export async function resolveVersion(indexes: IndexCache, ref: string): Promise<ModelVersion> {
  const parsed = parseModelRef(ref);
  if (parsed.kind === 'version') return (await indexes.readManifest(parsed.name, parsed.version)).manifest;
  if (parsed.kind === 'alias') {
    const { pointer } = await indexes.readAliasPointer(parsed.name, parsed.alias);
    if (!pointer || pointer.version === null) {
      throw new NotFoundError(
        `Alias ${parsed.name}@${parsed.alias} is not set${pointer ? ' (it was deleted)' : ''}. Set it with setAlias("${parsed.name}", "${parsed.alias}", <version>).`,
        { details: { name: parsed.name, alias: parsed.alias } },
      );
    }
    return (await indexes.readManifest(parsed.name, pointer.version)).manifest;
  }
  const state = await indexes.loadIndex(parsed.name);
  for (let i = state.versions.length - 1; i >= 0; i--) {
    const v = state.versions[i]!;
    if (v.status !== 'ARCHIVED') return (await indexes.readManifest(parsed.name, v.version)).manifest;
  }
  throw new NotFoundError(
    state.versions.length === 0
      ? `Model "${parsed.name}" has no versions. Register one with registerModelVersion({ name: "${parsed.name}", ... }).`
      : `Model "${parsed.name}" has no non-archived version, so "${ref}" names nothing.`,
    { details: { name: parsed.name } },
  );
}
