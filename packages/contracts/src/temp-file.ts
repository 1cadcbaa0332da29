import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { NotFoundError } from '@mlops/contracts/errors';

/** A unique temp path next to `target`, so the final rename stays on one file system (atomic). */
export function tempPathFor(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
}

/** Opens a fresh temp file next to `target`; a missing directory is a NOT_FOUND naming it. */
export async function openTempFor(target: string): Promise<{ tmp: string; handle: FileHandle }> {
  const tmp = tempPathFor(target);
  try {
    return { tmp, handle: await open(tmp, 'wx') };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new NotFoundError(`Cannot write "${target}": the directory "${path.dirname(target)}" does not exist. Create it first.`, { cause: error, details: { path: target } });
    }
    throw error;
  }
}
