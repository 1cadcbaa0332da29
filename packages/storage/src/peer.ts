import { MissingPeerDependencyError } from '@mlops/contracts';

function isModuleNotFound(error: unknown, packageName: string): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  const message = String((error as { message?: unknown } | undefined)?.message ?? '');
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && message.includes(packageName);
}

/**
 * Load an optional peer dependency on first use. `load` must be a literal `import('<name>')`
 * so bundlers can see it. A missing package becomes `MISSING_PEER_DEPENDENCY` with the exact
 * install command; any other failure (a broken install) is rethrown unchanged.
 */
export async function importPeer<T>(packageName: string, neededFor: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (isModuleNotFound(error, packageName)) throw new MissingPeerDependencyError(packageName, neededFor, { cause: error });
    throw error;
  }
}

/** Memoise an async initialiser; a failed attempt is forgotten so the next call retries. */
export function lazy<T>(init: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= init().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}
