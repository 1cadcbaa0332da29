import { MissingPeerDependencyError, PeerDependencyFailedError } from './errors.js';

/** `pkg` for `pkg/sub`, `@scope/pkg` for `@scope/pkg/sub`: ESM reports the package, CJS the full specifier. */
function packageNameOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

/**
 * True only when Node could not find `specifier` itself. Node names the missing module first
 * ("Cannot find package 'x' imported from /path", "Cannot find module 'x'\nRequire stack: ..."),
 * so the rule reads that name alone, never the rest of the message (which holds the importing
 * file's path) and never a dependency of the peer that is missing.
 */
export function isPeerNotFound(error: unknown, specifier: string): boolean {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return false;
  const message = String((error as { message?: unknown }).message ?? '');
  const missing = /^Cannot find (?:package|module) ['"]([^'"]+)['"]/.exec(message)?.[1];
  return missing === specifier || missing === packageNameOf(specifier);
}

function toPeerError(error: unknown, specifier: string, neededFor: string): Error {
  if (isPeerNotFound(error, specifier)) return new MissingPeerDependencyError(packageNameOf(specifier), neededFor, { cause: error });
  return new PeerDependencyFailedError(packageNameOf(specifier), neededFor, { cause: error });
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/**
 * The one loader for optional peer dependencies (SDKs, native engines) in every `@mlops`
 * package. `load` must be a literal `() => import('<specifier>')` (or a `require.resolve`) so
 * bundlers see it. When Node cannot find exactly `specifier`, it throws
 * `MISSING_PEER_DEPENDENCY` naming the `npm install` line; any other failure (the peer is
 * installed but broken) throws `PEER_DEPENDENCY_FAILED` with the original error as `cause`.
 *
 * @param specifier The module `load` imports, e.g. `'@aws-sdk/client-s3'`.
 * @param neededFor What needs it, for the message, e.g. `'createS3Store'`.
 * @param load Imports (or resolves) the peer; may be sync or async.
 */
export function loadOptionalPeer<T>(specifier: string, neededFor: string, load: () => Promise<T>): Promise<T>;
export function loadOptionalPeer<T>(specifier: string, neededFor: string, load: () => T): T;
export function loadOptionalPeer<T>(specifier: string, neededFor: string, load: () => T | Promise<T>): T | Promise<T> {
  let result: T | Promise<T>;
  try {
    result = load();
  } catch (error) {
    throw toPeerError(error, specifier, neededFor);
  }
  if (isPromiseLike(result)) {
    return Promise.resolve(result).catch((error: unknown) => {
      throw toPeerError(error, specifier, neededFor);
    });
  }
  return result;
}
