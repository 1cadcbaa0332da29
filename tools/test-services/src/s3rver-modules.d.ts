// Minimal typings for the parts of s3rver 3.7.1 that s3rver-child.cjs uses or patches
// (s3rver ships no types).
declare module 's3rver' {
  interface S3rverOptions {
    address?: string;
    port?: number;
    silent?: boolean;
    directory?: string;
    vhostBuckets?: boolean;
    configureBuckets?: { name: string }[];
  }
  class S3rver {
    constructor(options: S3rverOptions);
    run(): Promise<{ port: number; address: string }>;
    close(): Promise<void>;
  }
  export = S3rver;
}
declare module 's3rver/lib/utils' {
  export let walk: (dir: string, recurseFilter?: (dirPath: string) => boolean) => Generator<string>;
}
declare module 's3rver/lib/stores/filesystem' {
  class FilesystemStore {
    getResourcePath(bucket: string, key: string | undefined, resource: string): string;
    getBucketPath(bucket: string): string;
    putObject(object: unknown): Promise<{ size: number; md5: string }>;
    deleteObject(bucket: string, key: string): Promise<void>;
    copyObject(
      srcBucket: string,
      srcKey: string,
      destBucket: string,
      destKey: string,
      replacementMetadata?: Record<string, string>,
    ): Promise<Record<string, string>>;
  }
  export = FilesystemStore;
}
declare module 's3rver/lib/models/object' {
  class S3Object {
    constructor(bucket: string, key: string, content: null, metadata: Record<string, string>);
    static ALLOWED_METADATA: string[];
    key: string;
    metadata: Record<string, string>;
    get size(): number;
    get lastModifiedDate(): Date;
  }
  export = S3Object;
}
declare module 's3rver/lib/controllers/bucket' {
  const controllers: Record<string, unknown> & {
    /** Throws NoSuchBucket unless `ctx.params.bucket` exists. */
    bucketExists(ctx: unknown, next?: () => Promise<void>): Promise<void>;
  };
  export = controllers;
}
declare module 's3rver/lib/routes' {
  /** s3rver's @koa/router instance (one per process; S3rver mounts it in its constructor). */
  const router: {
    get(path: string, ...middleware: ((ctx: never, next: () => Promise<void>) => unknown)[]): unknown;
    delete(path: string, ...middleware: ((ctx: never, next: () => Promise<void>) => unknown)[]): unknown;
    stack: { path: string; methods: string[] }[];
  };
  export = router;
}
declare module 's3rver/lib/models/error' {
  class S3Error extends Error {
    constructor(code: string, message: string, detail?: Record<string, unknown>);
  }
  export = S3Error;
}
declare module 's3rver/lib/models/account' {
  export const DUMMY_ACCOUNT: { id: string; displayName: string };
}
