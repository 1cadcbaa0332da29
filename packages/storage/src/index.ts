export type * from './types.js';
export { createMemoryStore, type MemoryStoreOptions } from './memory-store.js';
export { createFileStore, type FileStoreOptions } from './file-store.js';
export { openStore, SUPPORTED_STORE_SCHEMES, type OpenStoreOptions } from './open-store.js';
export type {
  OpenS3StoreOptions,
  OpenGcsStoreOptions,
  S3ClientLike,
  S3ClientSettings,
  AwsCredentialsLike,
  GcsStorageLike,
  GcsClientSettings,
} from './open-store-options.js';
export { validateKey, compareKeys, MAX_KEY_BYTES } from './keys.js';
