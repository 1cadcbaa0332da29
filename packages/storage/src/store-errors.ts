import {
  ErrorCode,
  InvalidArgumentError,
  MlopsError,
  NotFoundError,
  PreconditionFailedError,
} from '@mlops/contracts/errors';
import { validateKeyPrefix } from './keys.js';
import type { DeleteOptions, GetOptions, ListOptions, PutOptions } from './types.js';

/** `NOT_FOUND` for a missing object, naming the store so the user knows where we looked. */
export function objectNotFound(storeUrl: string, key: string, cause?: unknown): NotFoundError {
  return new NotFoundError(
    `No object at key "${key}" in ${storeUrl}. Check the key and the store URL, or use head() to test for existence first.`,
    { cause, details: { key, store: storeUrl } },
  );
}

/** `PRECONDITION_FAILED` for a lost conditional write or read. */
export function preconditionFailed(
  storeUrl: string,
  key: string,
  condition: { ifNoneMatch?: '*'; ifMatch?: string },
  found: string,
  options: { cause?: unknown; retryable?: boolean } = {},
): PreconditionFailedError {
  const expected =
    condition.ifNoneMatch === '*' ? 'no object to exist (ifNoneMatch: "*")' : `etag ${JSON.stringify(condition.ifMatch)} (ifMatch)`;
  return new PreconditionFailedError(
    `Conditional write or read of "${key}" in ${storeUrl} failed: expected ${expected}, found ${found}. ` +
      'Another writer got there first: re-read the object (head/get) and retry with its current etag.',
    { cause: options.cause, retryable: options.retryable ?? false, details: { key, store: storeUrl, ...condition } },
  );
}

/** `SERVICE_UNAVAILABLE` (retryable) for throttling, 5xx and network failures. */
export function serviceUnavailable(storeUrl: string, operation: string, found: string, cause?: unknown): MlopsError {
  return new MlopsError(
    ErrorCode.ServiceUnavailable,
    `${operation} on ${storeUrl} failed: ${found}. The service is throttling or unavailable; retry with backoff.`,
    { cause, retryable: true, details: { store: storeUrl, operation } },
  );
}

/** A permission failure (HTTP 403 / EACCES): not retryable, the fix is in credentials or policy. */
export function permissionDenied(storeUrl: string, operation: string, found: string, cause?: unknown): MlopsError {
  return new MlopsError(
    ErrorCode.PermissionDenied,
    `${operation} on ${storeUrl} was denied: ${found}. Check the credentials in use and that their policy allows ${operation} on this bucket/prefix.`,
    { cause, retryable: false, details: { store: storeUrl, operation } },
  );
}

/** The store was closed and used again. */
export function storeClosed(storeUrl: string): InvalidArgumentError {
  return new InvalidArgumentError(`The store ${storeUrl} was closed; open a new store to keep using it.`, {
    details: { store: storeUrl },
  });
}

/** Reject option combinations every driver would reject. */
export function checkPutOptions(options: PutOptions | undefined): void {
  if (!options) return;
  if (options.ifNoneMatch !== undefined && options.ifNoneMatch !== '*') {
    throw new InvalidArgumentError(
      `Invalid put option ifNoneMatch: expected "*", found ${JSON.stringify(options.ifNoneMatch)}. Only create-if-absent ("*") is supported.`,
    );
  }
  if (options.ifMatch !== undefined && options.ifNoneMatch !== undefined) {
    throw new InvalidArgumentError(
      'Invalid put options: both ifMatch and ifNoneMatch were given. Use ifNoneMatch: "*" to create, or ifMatch: etag to replace, not both.',
    );
  }
  checkEtagOption(options.ifMatch);
  options.signal?.throwIfAborted();
}

/** Check an `ifMatch` value on get/delete. */
export function checkEtagOption(ifMatch: unknown): void {
  if (ifMatch !== undefined && (typeof ifMatch !== 'string' || ifMatch === '')) {
    throw new InvalidArgumentError(
      `Invalid ifMatch: expected a non-empty etag string from put/head/list, found ${JSON.stringify(ifMatch)}.`,
    );
  }
}

/** Check options shared by get and delete. */
export function checkReadOptions(options: GetOptions | DeleteOptions | undefined): void {
  checkEtagOption(options?.ifMatch);
  options?.signal?.throwIfAborted();
}

/** Largest page a driver returns (S3 and GCS cap a page at 1000 objects). */
export const MAX_PAGE_SIZE = 1000;

/** Validate and default `pageSize`. */
/**
 * Check every list option at the call (so bad arguments throw there on every driver, not at the
 * first page) and return them normalized.
 */
export function checkListOptions(options: ListOptions | undefined): { prefix: string; startAfter: string; pageSize: number } {
  return {
    prefix: validateKeyPrefix(options?.prefix, 'prefix'),
    startAfter: validateKeyPrefix(options?.startAfter, 'startAfter'),
    pageSize: pageSizeOf(options),
  };
}

export function pageSizeOf(options: ListOptions | undefined): number {
  const size = options?.pageSize ?? MAX_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw new InvalidArgumentError(
      `Invalid list pageSize: expected an integer from 1 to ${MAX_PAGE_SIZE}, found ${String(size)}.`,
    );
  }
  if (options?.delimiter !== undefined && options.delimiter !== '/') {
    throw new InvalidArgumentError(`Invalid list delimiter: expected "/", found ${JSON.stringify(options.delimiter)}.`);
  }
  return size;
}
