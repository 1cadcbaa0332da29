import { ErrorCode, MlopsError } from '@mlops/contracts/errors';

/** Error codes that mean "the caller asked for something wrong" (exit 2), not "it broke" (exit 1). */
const USAGE_CODES = new Set<string>([ErrorCode.InvalidArgument, ErrorCode.NotFound, ErrorCode.SchemaMismatch, ErrorCode.DataCorrupted, ErrorCode.Unsupported]);

/** Bad usage of the command line: an unknown flag, a missing value, a file that is not there. Exit 2. */
export function usageError(message: string, cause?: unknown): MlopsError {
  return new MlopsError(ErrorCode.InvalidArgument, message, cause === undefined ? {} : { cause });
}

/** Whether `error` is a usage problem (exit 2) rather than a failure (exit 1). */
export function isUsageError(error: unknown): boolean {
  if (MlopsError.isInstance(error)) return USAGE_CODES.has(error.code);
  const code = (error as { code?: unknown } | null)?.code;
  // Node's own file errors for paths the user typed.
  return code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR' || code === 'EACCES';
}
