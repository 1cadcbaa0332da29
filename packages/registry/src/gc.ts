import { decodeBlobPointer, decodeManifest } from './codec.js';
import type { RegistryContext } from './context.js';
import type { GcOptions, GcResult } from './registry-types.js';
import { listKeys, mapLimit } from './store-ops.js';

/** Finds (and unless `dryRun`, deletes) blobs and content-address pointers no manifest references. */
export async function collectGarbage(ctx: RegistryContext, opts: GcOptions = {}): Promise<GcResult> {
  const { layout } = ctx;
  const dryRun = opts.dryRun ?? true;
  const minAgeMs = opts.minAgeMs ?? 3_600_000;
  const store = dryRun ? await ctx.store() : await ctx.writableStore();
  const referencedBlobs = new Set<string>();
  const referencedSha = new Set<string>();
  // Every manifest under models/, found by listing rather than from the catalog: a missing
  // catalog marker must never make a referenced blob look collectable.
  const manifestKeys = (await listKeys(store, layout.modelsPrefix)).filter((key) => {
    const name = key.slice(layout.modelsPrefix.length).split('/', 1)[0]!;
    return layout.versionFromKey(name, key) !== undefined;
  });
  await mapLimit(manifestKeys, 16, async (key) => {
    for (const a of decodeManifest(key, (await store.get(key)).body).artifacts) {
      referencedBlobs.add(a.blob);
      referencedSha.add(a.sha256);
    }
  });
  const cutoff = ctx.now() - minAgeMs;
  const unreferenced: { key: string; size: number }[] = [];
  const keptBlobs = new Set<string>();
  for await (const page of store.list({ prefix: layout.blobPointersPrefix })) {
    for (const object of page.objects) {
      const sha = object.key.slice(object.key.lastIndexOf('/') + 1, -'.json'.length);
      const pointer = decodeBlobPointer(object.key, (await store.get(object.key)).body);
      if (referencedSha.has(sha) || object.lastModified.getTime() > cutoff) keptBlobs.add(pointer.blob);
      else unreferenced.push({ key: object.key, size: object.size });
    }
  }
  for await (const page of store.list({ prefix: layout.blobDataPrefix })) {
    for (const object of page.objects) {
      if (referencedBlobs.has(object.key) || keptBlobs.has(object.key) || object.lastModified.getTime() > cutoff) continue;
      unreferenced.push({ key: object.key, size: object.size });
    }
  }
  const deleted: string[] = [];
  if (!dryRun) {
    // Pointers first: a pointer must never name a deleted blob for longer than necessary.
    for (const { key } of unreferenced) {
      await store.delete(key);
      deleted.push(key);
    }
  }
  return { dryRun, referencedBlobs: referencedBlobs.size, unreferenced, unreferencedBytes: unreferenced.reduce((s, u) => s + u.size, 0), deleted };
}
