import { describe, expect, it } from 'vitest';
import { ErrorCode, MlopsError, NotFoundError, PreconditionFailedError, MissingPeerDependencyError, SchemaMismatchError } from './errors.js';

describe('MlopsError', () => {
  it('carries code, cause, retryable and details', () => {
    const cause = new Error('socket hang up');
    const e = new MlopsError(ErrorCode.ServiceUnavailable, 'S3 answered 503', { cause, retryable: true, details: { status: 503 } });
    expect(e.code).toBe('SERVICE_UNAVAILABLE');
    expect(e.cause).toBe(cause);
    expect(e.retryable).toBe(true);
    expect(e.details).toEqual({ status: 503 });
    expect(e).toBeInstanceOf(Error);
    expect(JSON.parse(JSON.stringify(e))).toEqual({ name: 'MlopsError', code: 'SERVICE_UNAVAILABLE', message: 'S3 answered 503', retryable: true, details: { status: 503 } });
  });

  it('isInstance recognises subclasses and filters by code', () => {
    const e = new NotFoundError('no such key "a/b"');
    expect(MlopsError.isInstance(e)).toBe(true);
    expect(MlopsError.isInstance(e, ErrorCode.NotFound)).toBe(true);
    expect(MlopsError.isInstance(e, ErrorCode.PreconditionFailed)).toBe(false);
    expect(MlopsError.isInstance(new Error('x'))).toBe(false);
    expect(MlopsError.isInstance(null)).toBe(false);
    expect(new PreconditionFailedError('lost').retryable).toBe(false);
  });

  it('isInstance works across duplicate copies of the package (Symbol.for brand)', () => {
    // An error built by another copy has no prototype link to ours, only the global brand.
    const foreign = Object.assign(Object.create(Error.prototype) as object, { code: 'NOT_FOUND', message: 'x' });
    Object.defineProperty(foreign, Symbol.for('@mlops/contracts/MlopsError'), { value: true });
    expect(MlopsError.isInstance(foreign, 'NOT_FOUND')).toBe(true);
    expect(Object.keys(new NotFoundError('x'))).not.toContain(Symbol.for('@mlops/contracts/MlopsError').toString());
  });

  it('SchemaMismatchError.isInstance narrows to the problems list, also for a foreign copy', () => {
    const e: unknown = new SchemaMismatchError('2 problems', { problems: ['a', 'b'] });
    // Compiles only because the guard narrows: `problems` is not on MlopsError.
    expect(SchemaMismatchError.isInstance(e) ? e.problems : undefined).toEqual(['a', 'b']);
    expect(SchemaMismatchError.isInstance(e, 'SCHEMA_MISMATCH')).toBe(true);
    expect(SchemaMismatchError.isInstance(e, 'NOT_FOUND')).toBe(false);
    expect(SchemaMismatchError.isInstance(new NotFoundError('x'))).toBe(false);
    // The base class with the same code but no problems list is not narrowed to one.
    expect(SchemaMismatchError.isInstance(new MlopsError('SCHEMA_MISMATCH', 'bare'))).toBe(false);
    const foreign = Object.assign(Object.create(Error.prototype) as object, { code: 'SCHEMA_MISMATCH', message: 'x', problems: ['c'] });
    Object.defineProperty(foreign, Symbol.for('@mlops/contracts/MlopsError'), { value: true });
    expect(SchemaMismatchError.isInstance(foreign)).toBe(true);
  });

  it('missing peer dependency names the install command', () => {
    const e = new MissingPeerDependencyError('@aws-sdk/client-s3', 'createS3Store');
    expect(e.code).toBe('MISSING_PEER_DEPENDENCY');
    expect(e.message).toContain('npm install @aws-sdk/client-s3');
    expect(e.packageName).toBe('@aws-sdk/client-s3');
  });
});
