import { describe, expect, it } from 'vitest';
import { mapGcsError } from './gcs-errors.js';
import { mapS3Error } from './s3-errors.js';

const s3 = (name: string, status?: number, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(`${name} from S3`), { name, $metadata: { httpStatusCode: status }, ...extra });
const ctx = { storeUrl: 's3://b/p', bucket: 'b', operation: 'put', key: 'k' };

describe('mapS3Error', () => {
  it.each([
    ['NoSuchKey', 404, 'NOT_FOUND', false],
    ['NotFound', 404, 'NOT_FOUND', false],
    ['NoSuchBucket', 404, 'NOT_FOUND', false],
    ['PreconditionFailed', 412, 'PRECONDITION_FAILED', false],
    ['ConditionalRequestConflict', 409, 'PRECONDITION_FAILED', true],
    ['AccessDenied', 403, 'PERMISSION_DENIED', false],
    ['SlowDown', 503, 'SERVICE_UNAVAILABLE', true],
    ['InternalError', 500, 'SERVICE_UNAVAILABLE', true],
    ['TooManyRequests', 429, 'SERVICE_UNAVAILABLE', true],
    ['InvalidArgument', 400, 'INVALID_ARGUMENT', false],
  ])('%s (HTTP %s) -> %s', (name, status, code, retryable) => {
    const mapped = mapS3Error(s3(name, status), { ...ctx, operation: 'get' });
    expect(mapped).toMatchObject({ code, retryable });
    expect((mapped as Error).cause).toBeDefined();
  });

  it('treats network failures without a response as retryable', () => {
    const error = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    expect(mapS3Error(error, ctx)).toMatchObject({ code: 'SERVICE_UNAVAILABLE', retryable: true });
  });

  it('turns S3\'s 404 on a conditional put into PRECONDITION_FAILED', () => {
    expect(mapS3Error(s3('NoSuchKey', 404), { ...ctx, condition: { ifMatch: '"e"' } })).toMatchObject({ code: 'PRECONDITION_FAILED' });
  });

  it('keeps local errors and aborts as they are', () => {
    const bug = new TypeError('bad');
    expect(mapS3Error(bug, ctx)).toBe(bug);
    const abort = Object.assign(new Error('aborted'), { name: 'AbortError' });
    expect(mapS3Error(abort, ctx)).toBe(abort);
  });

  it('says what to do in the message', () => {
    expect((mapS3Error(s3('PreconditionFailed', 412), { ...ctx, condition: { ifNoneMatch: '*' } }) as Error).message).toMatch(/re-read/);
    expect((mapS3Error(s3('AccessDenied', 403), ctx) as Error).message).toMatch(/credentials/);
  });
});

describe('mapGcsError', () => {
  const gcs = (code: number | string, message = 'error') => Object.assign(new Error(message), { code });
  it.each([
    [404, 'No such object: b/k', 'NOT_FOUND', false],
    [412, 'conditionNotMet', 'PRECONDITION_FAILED', false],
    [409, 'conflict', 'PRECONDITION_FAILED', true],
    [401, 'unauthorized', 'PERMISSION_DENIED', false],
    [403, 'forbidden', 'PERMISSION_DENIED', false],
    [429, 'rateLimitExceeded', 'SERVICE_UNAVAILABLE', true],
    [503, 'backendError', 'SERVICE_UNAVAILABLE', true],
    ['ECONNREFUSED', 'connect ECONNREFUSED', 'SERVICE_UNAVAILABLE', true],
  ])('%s -> %s', (status, message, code, retryable) => {
    expect(mapGcsError(gcs(status, message), { storeUrl: 'gs://b', bucket: 'b', operation: 'get', key: 'k' })).toMatchObject({ code, retryable });
  });
});
