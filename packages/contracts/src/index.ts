export {
  ErrorCode,
  MlopsError,
  SchemaMismatchError,
  NotFoundError,
  PreconditionFailedError,
  InvalidArgumentError,
  MissingPeerDependencyError,
  UnsupportedError,
  DataCorruptedError,
} from './errors.js';
export type { MlopsErrorCode, MlopsErrorOptions } from './errors.js';
