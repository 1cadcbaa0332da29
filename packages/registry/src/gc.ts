import { ErrorCode, MlopsError } from '@mlops/contracts/errors';
import { decodeBlobPointer, decodeManifest } from './codec.js';
import type { RegistryContext } from './context.js';
import type { GcOptions, GcResult } from './registry-types.js';
import { getOrUndefined, isPreconditionFailed, listKeys, mapLimit } from './store-ops.js';

/**
 * Finds (and unless `dryRun`, deletes) blobs and content-address pointers no manifest references.
 *
 * Safe against registrations running at the same time: a registration that reuses stored bytes
 * rewrites their pointer first (see `touch` in blobs.ts), and gc deletes a pointer only with
 * `ifMatch` on the etag it listed and only when it is older than `minAgeMs`; the bytes go only
 * after their pointer did. Damaged objects are reported, never deleted; while any manifest is
 * unreadable, nothing is deleted (its blobs cannot be told apart from orphans).
 */
export async function collectGarbage(ctx: RegistryContext, opts: GcOptions = {}): Promise<GcResult> {
  const { layout } = ctx;
  const dryRun = opts.dryRun ?? true;
  const minAgeMs = opts.minAgeMs ?? 3_600_000;
  const store = dryRun ? await ctx.store() : await ctx.writableStore();
  const referencedBlobs = new Set<string>();
  const referencedSha = new Set<string>();
  const damaged: { key: string; message: string }[] = [];
  const noteDamage = (key: string, error: unknown) => {
    if (!MlopsError.isInstance(error, ErrorCode.DataCorrupted)) throw error;
    damaged.push({ key, message: error.message });
  };
  // Every manifest under models/, found by listing rather than from the catalog: a missing
  // catalog marker must never make a referenced blob look collectable.
  const manifestKeys = (await listKeys(store, layout.modelsPrefix)).filter((key) => {
    const name = key.slice(layout.modelsPrefix.length).split('/', 1)[0]!;
    return layout.versionFromKey(name, key) !== undefined;
  });
  await mapLimit(manifestKeys, 16, async (key) => {
    const found = await getOrUndefined(store, key);
    if (!found) return;
    try {
      for (const a of decodeManifest(key, found.body).artifacts) {
        referencedBlobs.add(a.blob);
        referencedSha.add(a.sha256);
      }
    } catch (error) {
      noteDamage(key, error);
    }
  });
  const manifestsDamaged = damaged.length > 0;
  const cutoff = ctx.now() - minAgeMs;
  /** Unreferenced, old pointers with the etag they were listed with, and the blob each names. */
  const stalePointers: { key: string; size: number; etag: string; blob: string }[] = [];
  const keptBlobs = new Set<string>();
  for await (const page of store.list({ prefix: layout.blobPointersPrefix })) {
    for (const object of page.objects) {
      const sha = object.key.slice(object.key.lastIndexOf('/') + 1, -'.json'.length);
      const found = await getOrUndefined(store, object.key);
      if (!found) continue;
      let blob: string;
      try {
        blob = decodeBlobPointer(object.key, found.body).blob;
      } catch (error) {
        noteDamage(object.key, error);
        continue;
      }
      if (referencedSha.has(sha) || found.lastModified.getTime() > cutoff) keptBlobs.add(blob);
      else stalePointers.push({ key: object.key, size: found.size, etag: found.etag, blob });
    }
  }
  const pointed = new Set(stalePointers.map((p) => p.blob));
  const orphanBlobs: { key: string; size: number }[] = [];
  // Leftovers of killed uploads that listings never show: temp files (file store), incomplete multipart uploads (S3).
  const notes: string[] = [];
  let incompleteWrites: Awaited<ReturnType<NonNullable<typeof store.sweepIncompleteWrites>>> = [];
  try {
    if (store.sweepIncompleteWrites) incompleteWrites = await store.sweepIncompleteWrites({ prefix: layout.root, olderThan: new Date(cutoff), dryRun });
  } catch (error) {
    if (!MlopsError.isInstance(error, ErrorCode.Unsupported)) throw error;
    notes.push(error.message);
  }
  const sizes = new Map<string, number>();
  for await (const page of store.list({ prefix: layout.blobDataPrefix })) {
    for (const object of page.objects) {
      sizes.set(object.key, object.size);
      if (referencedBlobs.has(object.key) || keptBlobs.has(object.key) || pointed.has(object.key) || object.lastModified.getTime() > cutoff) continue;
      orphanBlobs.push({ key: object.key, size: object.size });
    }
  }
  const unreferenced = [
    ...stalePointers.map(({ key, size }) => ({ key, size })),
    ...stalePointers.flatMap((p) => (referencedBlobs.has(p.blob) || keptBlobs.has(p.blob) || !sizes.has(p.blob) ? [] : [{ key: p.blob, size: sizes.get(p.blob)! }])),
    ...orphanBlobs,
  ];
  const deleted: string[] = [];
  if (!dryRun && !manifestsDamaged) {
    for (const p of stalePointers) {
      try {
        // Conditional: a registration that touched the pointer since it was listed keeps it.
        await store.delete(p.key, { ifMatch: p.etag });
      } catch (error) {
        if (isPreconditionFailed(error) || MlopsError.isInstance(error, ErrorCode.NotFound)) continue;
        throw error;
      }
      deleted.push(p.key);
      if (referencedBlobs.has(p.blob) || keptBlobs.has(p.blob)) continue;
      await store.delete(p.blob);
      deleted.push(p.blob);
    }
    for (const { key } of orphanBlobs) {
      await store.delete(key);
      deleted.push(key);
    }
  }
  const result: GcResult = {
    dryRun,
    referencedBlobs: referencedBlobs.size,
    unreferenced,
    unreferencedBytes: unreferenced.reduce((s, u) => s + u.size, 0),
    deleted,
    incompleteWrites: incompleteWrites.map((w) => ({ key: w.key, size: w.size, startedAt: w.startedAt.getTime() })),
  };
  if (damaged.length > 0) result.damaged = damaged;
  if (notes.length > 0) result.notes = notes;
  return result;
}
