import { InvalidArgumentError, MlopsError, NotFoundError } from '@mlops/contracts/errors';
import { objectNotFound, permissionDenied, preconditionFailed, serviceUnavailable } from './store-errors.js';

interface GcsLikeError {
  name?: string;
  code?: number | string;
  message?: string;
  response?: { statusCode?: number };
}

const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'ERR_STREAM_PREMATURE_CLOSE']);

/** What the failed call was, so the mapped error can say it. */
export interface GcsErrorContext {
  storeUrl: string;
  bucket: string;
  operation: string;
  key?: string;
  condition?: { ifNoneMatch?: '*'; ifMatch?: string };
}

/**
 * Map a `@google-cloud/storage` error to an `MlopsError` at the driver edge: 404 -> NOT_FOUND,
 * 412 -> PRECONDITION_FAILED, 409 -> PRECONDITION_FAILED (retryable), 401/403 ->
 * PERMISSION_DENIED, 429 / 5xx / network -> SERVICE_UNAVAILABLE (retryable).
 */
export function mapGcsError(error: unknown, context: GcsErrorContext): unknown {
  if (MlopsError.isInstance(error)) return error;
  const e = (error ?? {}) as GcsLikeError;
  if (e.name === 'AbortError') return error;
  const status = typeof e.code === 'number' ? e.code : e.response?.statusCode;
  const key = context.key ?? '';
  const found = `${status ? `HTTP ${status}: ` : ''}${e.message ?? String(error)}`;
  if (status === 404 && /bucket/i.test(e.message ?? '') && !/object|file|no such/i.test(e.message ?? '')) {
    return new NotFoundError(`Bucket "${context.bucket}" of ${context.storeUrl} does not exist (${found}). Create it or fix the store URL.`, {
      cause: error,
    });
  }
  if (status === 412) return preconditionFailed(context.storeUrl, key, context.condition ?? {}, 'a different generation (HTTP 412)', { cause: error });
  if (status === 409) {
    return preconditionFailed(context.storeUrl, key, context.condition ?? {}, 'a concurrent conflicting write (HTTP 409)', { cause: error, retryable: true });
  }
  if (status === 404) return objectNotFound(context.storeUrl, key, error);
  if (status === 401 || status === 403) return permissionDenied(context.storeUrl, context.operation, found, error);
  if (status === 429 || (status !== undefined && status >= 500) || NETWORK.has(String(e.code ?? ''))) {
    return serviceUnavailable(context.storeUrl, context.operation, found, error);
  }
  if (status === 400) return new InvalidArgumentError(`GCS rejected ${context.operation} of "${key}" on ${context.storeUrl}: ${found}.`, { cause: error });
  return error;
}
