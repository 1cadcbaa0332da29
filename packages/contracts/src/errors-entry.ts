// The Arrow-free entry `@mlops/contracts/errors`: the error classes, codes and the optional-peer
// loader, for packages (storage, registry) that must not need apache-arrow to import.
export {
  ErrorCode,
  MlopsError,
  SchemaMismatchError,
  NotFoundError,
  PreconditionFailedError,
  InvalidArgumentError,
  MissingPeerDependencyError,
  PeerDependencyFailedError,
  UnsupportedError,
  DataCorruptedError,
} from './errors.js';
export type { MlopsErrorCode, MlopsErrorOptions } from './errors.js';
export { loadOptionalPeer, isPeerNotFound } from './optional-peer.js';
