import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ErrorCode, InvalidArgumentError, MlopsError } from '@mlops/contracts/errors';
import type { ObjectStore } from '@mlops/storage';
import { openVerified } from './blobs.js';
import { mapLimit } from './store-ops.js';
import type { ModelVersion } from './types.js';

/** Options of `downloadArtifacts`. */
export interface DownloadOptions {
  /**
   * Replace a directory that already holds files (its old content is removed once the new one is in
   * place). Without it, a non-empty `dir` is refused, so another version's files are never mixed in.
   */
  replace?: boolean;
}

async function entriesOf(dir: string): Promise<string[] | undefined> {
  try {
    return await readdir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ENOTDIR') {
      throw new InvalidArgumentError(`Cannot download into "${dir}": it is a file, not a directory. Choose a directory path.`, { cause: error, details: { dir } });
    }
    throw error;
  }
}

function fsFailure(error: unknown, dir: string): unknown {
  if (MlopsError.isInstance(error) || (error as Error | undefined)?.name === 'AbortError') return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === undefined) return error;
  return new MlopsError(
    code === 'EACCES' || code === 'EPERM' ? ErrorCode.PermissionDenied : ErrorCode.Internal,
    `Downloading into "${dir}" failed (${code}: ${(error as Error).message}); nothing was left in the directory. Check the path and its permissions.`,
    { cause: error, details: { dir, errno: code } },
  );
}

/**
 * Downloads every artifact of `version` into `dir`, all or nothing. Files land in a staging
 * directory next to `dir` and every sha256 is checked; then the staging directory is renamed into
 * place in one step (a missing or empty `dir` is replaced; a non-empty one only with `replace`).
 * On any failure `dir` is left as it was. Returns the absolute paths written.
 */
export async function downloadVersion(store: ObjectStore, version: ModelVersion, dir: string, concurrency: number, options: DownloadOptions = {}): Promise<string[]> {
  const target = path.resolve(dir);
  const existing = await entriesOf(target);
  if (existing && existing.length > 0 && !options.replace) {
    throw new InvalidArgumentError(
      `Cannot download ${version.name}/${version.version} into "${target}": the directory is not empty (${existing.length} entries, e.g. "${existing[0]}"). ` +
        'Choose an empty or new directory, or pass { replace: true } to replace its content.',
      { details: { dir: target, entries: existing.length } },
    );
  }
  const parent = path.dirname(target);
  await mkdir(parent, { recursive: true });
  const staging = await mkdtemp(path.join(parent, `.${path.basename(target)}.download-`));
  const context = `${version.name}/${version.version}`;
  let old: string | undefined;
  try {
    await mapLimit(version.artifacts, concurrency, async (entry) => {
      const file = path.join(staging, ...entry.path.split('/'));
      await mkdir(path.dirname(file), { recursive: true });
      await pipeline(await openVerified(store, entry, context), createWriteStream(file));
    });
    if (existing) {
      if (existing.length === 0) await rmdir(target);
      else {
        old = `${staging}.old`;
        await rename(target, old);
      }
    }
    try {
      await rename(staging, target);
    } catch (error) {
      if (old) await rename(old, target).catch(() => undefined);
      old = undefined;
      throw error;
    }
    return version.artifacts.map((entry) => path.join(target, ...entry.path.split('/')));
  } catch (error) {
    throw fsFailure(error, target);
  } finally {
    await rm(staging, { recursive: true, force: true });
    if (old) await rm(old, { recursive: true, force: true });
  }
}
