import { describe, expect, it } from 'vitest';
import { MlopsError, loadOptionalPeer, isPeerNotFound } from '@mlops/contracts/errors';
import * as root from '@mlops/contracts';
import * as errors from '@mlops/contracts/errors';

function esmNotFound(name: string, from = '/app/node_modules/@mlops/storage/dist/index.js'): Error {
  return Object.assign(new Error(`Cannot find package '${name}' imported from ${from}`), { code: 'ERR_MODULE_NOT_FOUND' });
}

async function failure(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('loadOptionalPeer', () => {
  it('turns "cannot find exactly this package" into MISSING_PEER_DEPENDENCY naming the install line', async () => {
    const error = await failure(loadOptionalPeer('hyparquet', 'readParquet', () => Promise.reject(esmNotFound('hyparquet'))));
    expect(MlopsError.isInstance(error, 'MISSING_PEER_DEPENDENCY')).toBe(true);
    expect((error as Error).message).toContain('npm install hyparquet');
    expect((error as Error).message).toContain('readParquet');
  });

  it('recognises CJS messages and subpath specifiers by their package', () => {
    const cjs = Object.assign(new Error("Cannot find module '@aws-sdk/client-s3'\nRequire stack:\n- /app/x.cjs"), { code: 'MODULE_NOT_FOUND' });
    expect(isPeerNotFound(cjs, '@aws-sdk/client-s3')).toBe(true);
    expect(isPeerNotFound(esmNotFound('@aws-sdk/client-s3'), '@aws-sdk/client-s3/sub')).toBe(true);
  });

  it('does not match the peer name elsewhere in the message (the importing path)', async () => {
    // The old rule matched `hyparquet` anywhere, here in the importer's path: a missing
    // dependency of the peer was reported as the peer itself missing.
    const inner = esmNotFound('some-dep', '/app/node_modules/hyparquet/src/index.js');
    expect(isPeerNotFound(inner, 'hyparquet')).toBe(false);
    const error = await failure(loadOptionalPeer('hyparquet', 'readParquet', () => Promise.reject(inner)));
    expect(MlopsError.isInstance(error, 'PEER_DEPENDENCY_FAILED')).toBe(true);
    expect((error as Error).cause).toBe(inner);
    expect((error as Error).message).toContain('some-dep');
  });

  it('wraps any other failure with its cause (installed but broken)', () => {
    const broken = new Error('invalid ELF header');
    let caught: unknown;
    try {
      loadOptionalPeer('onnxruntime-node', 'serve', (): string => {
        throw broken;
      });
    } catch (error) {
      caught = error;
    }
    expect(MlopsError.isInstance(caught, 'PEER_DEPENDENCY_FAILED')).toBe(true);
    expect((caught as Error).cause).toBe(broken);
  });

  it('returns what load returns, sync or async', async () => {
    expect(loadOptionalPeer('x', 'y', () => 42)).toBe(42);
    await expect(loadOptionalPeer('x', 'y', () => Promise.resolve('ok'))).resolves.toBe('ok');
  });
});

describe('@mlops/contracts/errors', () => {
  it('hands out the very same classes as the package root', () => {
    expect(errors.MlopsError).toBe(root.MlopsError);
    expect(errors.SchemaMismatchError).toBe(root.SchemaMismatchError);
    expect(errors.loadOptionalPeer).toBe(root.loadOptionalPeer);
    expect(errors.ErrorCode).toBe(root.ErrorCode);
  });
});
