import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import type { Storage, StorageOptions } from '@google-cloud/storage';
import { describe, expectTypeOf, it } from 'vitest';
import type { GcsClientSettings, GcsStorageLike, OpenStoreOptions, S3ClientLike, S3ClientSettings } from '@mlops/storage';
import { openStore } from '@mlops/storage';

// The root's SDK-free settings must stay a subset of the SDKs' own types, and the SDK clients
// must fit the structural client types, or openStore would hand the drivers something else.
describe('openStore options without SDK types', () => {
  it('are subsets of the SDK option types', () => {
    expectTypeOf<S3ClientSettings>().toExtend<S3ClientConfig>();
    expectTypeOf<GcsClientSettings>().toExtend<StorageOptions>();
  });

  it('accept the SDK clients', () => {
    expectTypeOf<S3Client>().toExtend<S3ClientLike>();
    expectTypeOf<Storage>().toExtend<GcsStorageLike>();
  });

  it('reject a misspelt option', () => {
    // @ts-expect-error `regoin` is not an S3 client setting
    void openStore('s3://b', { s3: { clientConfig: { regoin: 'eu-west-1' } } });
    expectTypeOf<{ s3: { clientConfig: { region: string } } }>().toExtend<OpenStoreOptions>();
  });
});
