import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError } from '@mlops/contracts/errors';
import type { GcsStoreOptions } from './gcs-store.js';
import type { OpenGcsStoreOptions, OpenS3StoreOptions } from './open-store-options.js';
import type { S3StoreOptions } from './s3-store.js';
import { createFileStore, type FileStoreOptions } from './file-store.js';
import { createMemoryStore } from './memory-store.js';
import type { ObjectStoreV1 } from './types.js';

/** Per-backend settings for {@link openStore}, applied when the URL selects that backend. */
export interface OpenStoreOptions {
  /** File-store settings other than `root` (which comes from the URL). */
  file?: Omit<FileStoreOptions, 'root'>;
  /** S3 settings other than `bucket` and `prefix` (which come from the URL): `client`, `clientConfig`... */
  s3?: OpenS3StoreOptions;
  /** GCS settings other than `bucket` and `prefix` (which come from the URL): `storage`, `options`... */
  gcs?: OpenGcsStoreOptions;
}

/** The URL schemes {@link openStore} understands. */
export const SUPPORTED_STORE_SCHEMES = ['file://', 'memory://', 's3://', 'gs://'] as const;

function isObjectStore(value: unknown): value is ObjectStoreV1 {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as ObjectStoreV1).specificationVersion === 'v1' &&
    typeof (value as ObjectStoreV1).put === 'function' &&
    typeof (value as ObjectStoreV1).list === 'function'
  );
}

function bucketAndPrefix(url: URL, raw: string): { bucket: string; prefix: string | undefined } {
  if (!url.hostname) {
    throw new InvalidArgumentError(`openStore: ${JSON.stringify(raw)} names no bucket. Expected ${url.protocol}//<bucket>/<optional prefix>.`);
  }
  const prefix = decodeURIComponent(url.pathname).replace(/^\/+/, '').replace(/\/+$/, '');
  return { bucket: url.hostname, prefix: prefix === '' ? undefined : prefix };
}

/**
 * Open a store from a URL, or pass a store through unchanged.
 *
 * - a plain path (`./.mlops`, `/var/lib/mlops`) or `file:///abs/path` -> {@link createFileStore}
 * - `memory://` or `memory://name` -> a new {@link createMemoryStore}
 * - `s3://bucket/prefix` -> `createS3Store` from `@mlops/storage/s3`
 * - `gs://bucket/prefix` -> `createGcsStore` from `@mlops/storage/gcs`
 *
 * The S3 and GCS drivers (and their SDKs) are imported only when such a URL is opened.
 *
 * @throws `INVALID_ARGUMENT` for an unknown scheme or a malformed URL, listing the supported ones.
 */
export async function openStore(target: string | ObjectStoreV1, options: OpenStoreOptions = {}): Promise<ObjectStoreV1> {
  if (isObjectStore(target)) return target;
  if (typeof target !== 'string' || target === '') {
    throw new InvalidArgumentError(
      `openStore: expected a store URL (${SUPPORTED_STORE_SCHEMES.join(', ')} or a plain path) or an ObjectStore, found ${
        typeof target === 'string' ? 'an empty string' : JSON.stringify(target) ?? typeof target
      }.`,
    );
  }
  // A scheme is 2+ letters, so Windows drive letters ("C:\\data") stay plain paths.
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]+):/.exec(target)?.[1]?.toLowerCase();
  if (scheme === undefined) return createFileStore({ ...options.file, root: path.resolve(target) });
  let url: URL;
  try {
    url = new URL(target);
  } catch (error) {
    throw new InvalidArgumentError(`openStore: ${JSON.stringify(target)} is not a valid URL.`, { cause: error });
  }
  switch (scheme) {
    case 'file':
      return createFileStore({ ...options.file, root: fileURLToPath(url) });
    case 'memory':
      return createMemoryStore(url.hostname ? { name: url.hostname } : {});
    case 's3': {
      const { createS3Store, loadS3Peers } = await import('./s3-store.js');
      await loadS3Peers(); // every peer the driver needs, now rather than at the first streamed put
      // The settings are a subset of the SDK's types (checked by open-store-options.test-d.ts).
      return createS3Store({ ...options.s3, ...bucketAndPrefix(url, target) } as S3StoreOptions);
    }
    case 'gs':
    case 'gcs': {
      const { createGcsStore, loadGcsPeers } = await import('./gcs-store.js');
      await loadGcsPeers();
      return createGcsStore({ ...options.gcs, ...bucketAndPrefix(url, target) } as GcsStoreOptions);
    }
    default:
      throw new InvalidArgumentError(
        `openStore: unsupported scheme "${scheme}:" in ${JSON.stringify(target)}. Supported: ${SUPPORTED_STORE_SCHEMES.join(', ')}, or a plain directory path. ` +
          'For another backend, create its store yourself and pass the ObjectStore to openStore.',
      );
  }
}
