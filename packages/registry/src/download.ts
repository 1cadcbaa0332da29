import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { ObjectStore } from '@mlops/storage';
import { openVerified } from './blobs.js';
import { mapLimit } from './store-ops.js';
import type { ModelVersion } from './types.js';

/**
 * Downloads every artifact of `version` into `dir`. Files land in a staging directory next to `dir`
 * first and are moved in only after every sha256 checked out, so a corrupt or failed download leaves
 * nothing in `dir`. Returns the absolute paths written.
 */
export async function downloadVersion(store: ObjectStore, version: ModelVersion, dir: string, concurrency: number): Promise<string[]> {
  const target = path.resolve(dir);
  const parent = path.dirname(target);
  await mkdir(parent, { recursive: true });
  const staging = await mkdtemp(path.join(parent, `.${path.basename(target)}.download-`));
  const context = `${version.name}/${version.version}`;
  try {
    await mapLimit(version.artifacts, concurrency, async (entry) => {
      const file = path.join(staging, ...entry.path.split('/'));
      await mkdir(path.dirname(file), { recursive: true });
      await pipeline(await openVerified(store, entry, context), createWriteStream(file));
    });
    const written: string[] = [];
    for (const entry of version.artifacts) {
      const dest = path.join(target, ...entry.path.split('/'));
      await mkdir(path.dirname(dest), { recursive: true });
      await rename(path.join(staging, ...entry.path.split('/')), dest);
      written.push(dest);
    }
    return written;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
