import { ErrorCode, MlopsError, type MlopsErrorOptions } from '@mlops/contracts/errors';

/** Serve-specific error codes, on top of the shared ones in `ErrorCode`. */
export const ServeErrorCode = {
  /** The model's request queue is full (HTTP 429). Retry later, with backoff. */
  QueueFull: 'QUEUE_FULL',
  /** The request body is larger than the server accepts (HTTP 413). */
  PayloadTooLarge: 'PAYLOAD_TOO_LARGE',
} as const;

export function queueFull(model: string, limit: number): MlopsError {
  return new MlopsError(
    ServeErrorCode.QueueFull,
    `Model "${model}" has ${limit} requests queued, its maxQueueSize; this request was rejected at once. Retry with backoff, add workers, or raise batching.maxQueueSize.`,
    { retryable: true, details: { maxQueueSize: limit } },
  );
}

export function deadlineExceeded(model: string, timeoutMs: number, stage: 'queued' | 'running'): MlopsError {
  return new MlopsError(
    ErrorCode.Timeout,
    `Request to model "${model}" exceeded its ${timeoutMs} ms deadline while ${stage}. Raise the "timeout" request parameter or the server's defaultTimeoutMs, or reduce load.`,
    { retryable: true, details: { timeoutMs, stage } },
  );
}

export function notReady(what: string, options: MlopsErrorOptions = {}): MlopsError {
  return new MlopsError(ErrorCode.ServiceUnavailable, `${what} is not ready to serve requests.`, { retryable: true, ...options });
}

/** HTTP status for an error thrown while handling a request (Open Inference Protocol / KServe / Triton mapping). */
export function httpStatusOf(err: unknown): number {
  if (!MlopsError.isInstance(err)) return 500;
  switch (err.code) {
    case ErrorCode.InvalidArgument:
    case ErrorCode.SchemaMismatch:
      return 400;
    case ErrorCode.NotFound:
      return 404;
    case ServeErrorCode.PayloadTooLarge:
      return 413;
    case ServeErrorCode.QueueFull:
      return 429;
    case ErrorCode.Unsupported:
      return 501;
    case ErrorCode.ServiceUnavailable:
      return 503;
    case ErrorCode.Timeout:
      return 504;
    default:
      return 500;
  }
}
