import { openStore, type ObjectStore, type OpenStoreOptions } from '@mlops/storage';

/** True for anything shaped like an `ObjectStoreV1` (checked structurally: copies of packages may differ). */
export function isObjectStore(value: unknown): value is ObjectStore {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return v.specificationVersion === 'v1' && typeof v.get === 'function' && typeof v.put === 'function' && typeof v.list === 'function';
}

/** Opens the store a registry URL names; S3 and GCS drivers (and their SDKs) load only for their schemes. */
export function openRegistryStore(target: string, options: OpenStoreOptions | undefined): Promise<ObjectStore> {
  return openStore(target, options);
}
