import { fileURLToPath } from 'node:url';
import { InvalidArgumentError } from '@mlops/contracts';
import * as storage from '@mlops/storage';
import type { ObjectStore } from '@mlops/storage';

type OpenStore = (target: string) => ObjectStore | Promise<ObjectStore>;

/** True for anything shaped like an `ObjectStoreV1` (checked structurally: copies of packages may differ). */
export function isObjectStore(value: unknown): value is ObjectStore {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return v.specificationVersion === 'v1' && typeof v.get === 'function' && typeof v.put === 'function' && typeof v.list === 'function';
}

/**
 * Opens the store a registry URL names: `@mlops/storage`'s `openStore` when present (S3 and GCS
 * drivers load lazily there), otherwise the built-in file and memory drivers.
 */
export async function openRegistryStore(target: string): Promise<ObjectStore> {
  const open = (storage as Record<string, unknown>).openStore as OpenStore | undefined;
  if (typeof open === 'function') return await open(target);
  if (target.startsWith('memory://')) return storage.createMemoryStore();
  if (target.startsWith('file://')) return storage.createFileStore({ root: fileURLToPath(target) });
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) return storage.createFileStore({ root: target });
  throw new InvalidArgumentError(
    `Cannot open the registry store "${target}": this @mlops/storage supports local paths, file:// and memory:// URLs. ` +
      'Pass an ObjectStore (e.g. createS3Store from @mlops/storage/s3) as the store option instead.',
  );
}
