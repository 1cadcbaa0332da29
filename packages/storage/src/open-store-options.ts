// The S3 and GCS settings `openStore` accepts, written without the SDKs' types: the package root's
// .d.ts must compile for users who installed neither SDK (skipLibCheck: false), and must not
// silently turn into `any` when they are missing (a `{ regoin }` typo would then pass).
// The full SDK-typed options live behind `@mlops/storage/s3` and `@mlops/storage/gcs`.

/** AWS credentials as plain data (the shape `@aws-sdk` accepts). */
export interface AwsCredentialsLike {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

/** An `S3Client` from `@aws-sdk/client-s3` (any version the peer range allows). */
export interface S3ClientLike {
  send(command: never, options?: never): Promise<unknown>;
  destroy(): void;
}

/**
 * The commonly used `S3ClientConfig` fields. For any other field, create the `S3Client`
 * yourself and pass it as `client`, or use `createS3Store` from `@mlops/storage/s3`, which takes
 * the SDK's own `S3ClientConfig`.
 */
export interface S3ClientSettings {
  /** AWS region, e.g. `eu-west-1`. Default: `AWS_REGION`. */
  region?: string;
  /** Endpoint URL of an S3-compatible server (MinIO, R2, a test server). */
  endpoint?: string;
  /** Path-style URLs (`host/bucket/key`), needed by most S3-compatible servers. */
  forcePathStyle?: boolean;
  /** Static credentials, or a provider returning them. Default: the SDK's credential chain. */
  credentials?: AwsCredentialsLike | (() => Promise<AwsCredentialsLike>);
  /** Attempts per request including the first. Default: the SDK's (3). */
  maxAttempts?: number;
  /** When to compute request checksums; `WHEN_REQUIRED` for servers without the newer checksum headers. */
  requestChecksumCalculation?: 'WHEN_SUPPORTED' | 'WHEN_REQUIRED';
  /** When to validate response checksums. */
  responseChecksumValidation?: 'WHEN_SUPPORTED' | 'WHEN_REQUIRED';
}

/** S3 settings of {@link OpenStoreOptions} (bucket and prefix come from the `s3://` URL). */
export interface OpenS3StoreOptions {
  /** An S3 client to use (shared with the rest of your app). The store never destroys a client it was given. */
  client?: S3ClientLike;
  /** Settings for a client the store creates on first use. Ignored when `client` is given. */
  clientConfig?: S3ClientSettings;
  /** Byte bodies larger than this go up as a multipart upload. Default 8 MiB. */
  multipartThresholdBytes?: number;
  /** Part size of multipart uploads (S3 minimum 5 MiB). Default 8 MiB. */
  partSizeBytes?: number;
  /** Parts uploaded in parallel. Default 2. */
  queueSize?: number;
}

/** A `Storage` client from `@google-cloud/storage`. */
export interface GcsStorageLike {
  bucket(name: string): unknown;
}

/**
 * The commonly used `StorageOptions` fields. For any other field, create the `Storage` client
 * yourself and pass it as `storage`, or use `createGcsStore` from `@mlops/storage/gcs`.
 */
export interface GcsClientSettings {
  /** Google Cloud project id. Default: from the credentials / environment. */
  projectId?: string;
  /** Path to a service-account key file. Default: Application Default Credentials. */
  keyFilename?: string;
  /** API endpoint, e.g. an emulator's `http://127.0.0.1:4443`. */
  apiEndpoint?: string;
  /** Service-account credentials as data. */
  credentials?: { client_email?: string; private_key?: string };
  /** Retry behaviour of the client. */
  retryOptions?: { autoRetry?: boolean; maxRetries?: number; maxRetryDelay?: number; totalTimeout?: number; retryDelayMultiplier?: number };
}

/** GCS settings of {@link OpenStoreOptions} (bucket and prefix come from the `gs://` URL). */
export interface OpenGcsStoreOptions {
  /** A `Storage` client to use (shared with the rest of your app). */
  storage?: GcsStorageLike;
  /** Settings for a `Storage` client the store creates on first use. Ignored when `storage` is given. */
  options?: GcsClientSettings;
  /** Byte bodies larger than this use a resumable upload. Default 8 MiB. */
  resumableThresholdBytes?: number;
}
