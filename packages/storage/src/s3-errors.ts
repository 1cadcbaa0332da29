import { ErrorCode, InvalidArgumentError, MlopsError, NotFoundError } from '@mlops/contracts/errors';
import { objectNotFound, permissionDenied, preconditionFailed, serviceUnavailable } from './store-errors.js';

interface S3LikeError {
  name?: string;
  Code?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
}

const THROTTLING = new Set(['SlowDown', 'Throttling', 'ThrottlingException', 'RequestLimitExceeded', 'TooManyRequestsException', 'RequestTimeout', 'InternalError', 'ServiceUnavailable']);
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'TimeoutError', 'RequestTimeoutException']);

/** What the failed call was, so the mapped error can say it. */
export interface S3ErrorContext {
  storeUrl: string;
  bucket: string;
  operation: string;
  key?: string;
  condition?: { ifNoneMatch?: '*'; ifMatch?: string };
}

/**
 * Map an AWS SDK (or network) error to an `MlopsError` at the driver edge: 404 -> NOT_FOUND,
 * 412 -> PRECONDITION_FAILED, 409 ConditionalRequestConflict -> PRECONDITION_FAILED (retryable),
 * 403 -> PERMISSION_DENIED, throttling / 5xx / network -> SERVICE_UNAVAILABLE (retryable).
 */
export function mapS3Error(error: unknown, context: S3ErrorContext): unknown {
  if (MlopsError.isInstance(error)) return error;
  const e = (error ?? {}) as S3LikeError;
  if (e.name === 'AbortError') return error;
  const name = e.name ?? e.Code ?? '';
  const status = e.$metadata?.httpStatusCode;
  const key = context.key ?? '';
  const found = `${name || 'error'}${status ? ` (HTTP ${status})` : ''}: ${e.message ?? String(error)}`;

  if (name === 'NoSuchBucket') {
    return new NotFoundError(
      `Bucket "${context.bucket}" of ${context.storeUrl} does not exist (${found}). Create the bucket or fix the store URL.`,
      { cause: error, details: { bucket: context.bucket } },
    );
  }
  if (status === 412 || name === 'PreconditionFailed') {
    return preconditionFailed(context.storeUrl, key, context.condition ?? {}, 'a different current state (HTTP 412)', { cause: error });
  }
  if (status === 409 || name === 'ConditionalRequestConflict') {
    return preconditionFailed(context.storeUrl, key, context.condition ?? {}, 'a concurrent conflicting write (HTTP 409)', {
      cause: error,
      retryable: true,
    });
  }
  if (status === 404 || name === 'NoSuchKey' || name === 'NotFound') {
    // S3 answers If-Match on a missing key with 404; to callers that is a failed precondition.
    if (context.condition?.ifMatch !== undefined && context.operation === 'put') {
      return preconditionFailed(context.storeUrl, key, context.condition, 'no object', { cause: error });
    }
    return objectNotFound(context.storeUrl, key, error);
  }
  if (status === 403 || name === 'AccessDenied' || name === 'InvalidAccessKeyId' || name === 'SignatureDoesNotMatch') {
    return permissionDenied(context.storeUrl, context.operation, found, error);
  }
  if (status === 429 || (status !== undefined && status >= 500) || THROTTLING.has(name) || NETWORK.has(name) || NETWORK.has(e.code ?? '')) {
    return serviceUnavailable(context.storeUrl, context.operation, found, error);
  }
  if (status === 400) {
    return new InvalidArgumentError(`S3 rejected ${context.operation} of "${key}" on ${context.storeUrl}: ${found}.`, { cause: error });
  }
  // No HTTP status and not a network failure: a local error (bad input to the SDK); keep it.
  if (status === undefined) return error;
  return new MlopsError(ErrorCode.ServiceUnavailable, `S3 ${context.operation} on ${context.storeUrl} failed: ${found}.`, {
    cause: error,
    retryable: false,
  });
}
