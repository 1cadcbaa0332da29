import { MissingPeerDependencyError } from './errors.js';

function isModuleNotFound(error: unknown, specifier: string): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
    // Only the peer itself missing counts; a broken install of something it imports is a real error.
    const message = String((error as Error).message ?? '');
    return message.includes(`'${specifier}'`) || message.includes(`"${specifier}"`) || message.includes(specifier);
  }
  return false;
}

/**
 * Imports an optional peer dependency on first use. Importing `@mlops/contracts` never loads
 * these: only the functions that need them do, and a missing package becomes a
 * `MISSING_PEER_DEPENDENCY` error naming the `npm install` line.
 */
export async function importOptionalPeer<T>(specifier: string, neededFor: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (isModuleNotFound(error, specifier)) throw new MissingPeerDependencyError(specifier, neededFor, { cause: error });
    throw error;
  }
}
