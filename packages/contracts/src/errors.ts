const brand = Symbol.for('@mlops/contracts/MlopsError');

/** Stable error codes shared by every `@mlops` package. Callers branch on these, never on messages. */
export const ErrorCode = {
  /** A table or value does not follow the contract it was checked against. */
  SchemaMismatch: 'SCHEMA_MISMATCH',
  /** The thing asked for (object, model, version, alias, feature view...) does not exist. */
  NotFound: 'NOT_FOUND',
  /** A conditional write lost: the object exists already, or changed since it was read. */
  PreconditionFailed: 'PRECONDITION_FAILED',
  /** An argument is malformed or out of range. */
  InvalidArgument: 'INVALID_ARGUMENT',
  /** An optional peer dependency (an SDK, a native engine) is not installed. */
  MissingPeerDependency: 'MISSING_PEER_DEPENDENCY',
  /** An optional peer dependency is installed but fails to load (a broken install, a missing dependency of its own). */
  PeerDependencyFailed: 'PEER_DEPENDENCY_FAILED',
  /** The operation is valid in general but this backend, format or type does not support it. */
  Unsupported: 'UNSUPPORTED',
  /** Stored bytes are corrupt, foreign, or fail their integrity check. */
  DataCorrupted: 'DATA_CORRUPTED',
  /** Credentials or policy do not allow the operation (HTTP 401/403, EACCES). Not retryable. */
  PermissionDenied: 'PERMISSION_DENIED',
  /** A remote service failed (5xx, throttling, network). Usually `retryable`. */
  ServiceUnavailable: 'SERVICE_UNAVAILABLE',
  /** A deadline or timeout passed before the work finished. */
  Timeout: 'TIMEOUT',
  /** Something that should never happen did: a bug in @mlops, please report it. */
  Internal: 'INTERNAL',
} as const;

/** One of the codes in {@link ErrorCode}, or a package-specific code string. */
export type MlopsErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode] | (string & {});

/** Options accepted by every {@link MlopsError} constructor. */
export interface MlopsErrorOptions {
  /** The error that caused this one (a native SDK error, a parse error...). */
  cause?: unknown;
  /** True when trying the same call again may succeed (throttling, 5xx, a lost race). */
  retryable?: boolean;
  /** Structured facts about the failure, for logs and programmatic handling. */
  details?: Record<string, unknown>;
}

/**
 * The base error of every `@mlops` package.
 *
 * Branch on `code` (stable across versions), never on `message` (written for people: it says
 * what was expected, what was found, and what to do). Use {@link MlopsError.isInstance}
 * rather than `instanceof`: it also recognises errors thrown by another copy of
 * `@mlops/contracts` installed elsewhere in the dependency tree.
 */
export class MlopsError extends Error {
  /** Stable machine-readable code, see {@link ErrorCode}. */
  readonly code: MlopsErrorCode;
  /** True when retrying the same call may succeed. */
  readonly retryable: boolean;
  /** Structured facts about the failure. */
  readonly details: Record<string, unknown> | undefined;

  constructor(code: MlopsErrorCode, message: string, options: MlopsErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MlopsError';
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.details = options.details;
    Object.defineProperty(this, brand, { value: true, enumerable: false });
  }

  /**
   * True when `value` is an `MlopsError` from any copy of `@mlops/contracts`, optionally with
   * the given `code`.
   */
  static isInstance(value: unknown, code?: MlopsErrorCode): value is MlopsError {
    if (typeof value !== 'object' || value === null) return false;
    if ((value as Record<symbol, unknown>)[brand] !== true) return false;
    return code === undefined || (value as MlopsError).code === code;
  }

  /** A plain JSON-safe view (for logs and HTTP error bodies). */
  toJSON(): { name: string; code: string; message: string; retryable: boolean; details?: Record<string, unknown> } {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      ...(this.details ? { details: this.details } : {}),
    };
  }
}

/** A table or value does not follow its contract. `problems` lists every problem found. */
export class SchemaMismatchError extends MlopsError {
  /** Every problem found, one line each. */
  readonly problems: readonly string[];
  constructor(message: string, options: MlopsErrorOptions & { problems?: readonly string[] } = {}) {
    super(ErrorCode.SchemaMismatch, message, options);
    this.name = 'SchemaMismatchError';
    this.problems = options.problems ?? [];
  }

  /**
   * True when `value` is a schema mismatch (code `SCHEMA_MISMATCH`, with its `problems` list) from
   * any copy of `@mlops/contracts`; unlike `MlopsError.isInstance(e, 'SCHEMA_MISMATCH')`, it
   * narrows `value` so that TypeScript lets you read `problems`. `code` is accepted for
   * compatibility with `MlopsError.isInstance` and must be `SCHEMA_MISMATCH` if given.
   */
  static override isInstance(value: unknown, code: MlopsErrorCode = ErrorCode.SchemaMismatch): value is SchemaMismatchError {
    return (
      code === ErrorCode.SchemaMismatch &&
      MlopsError.isInstance(value, ErrorCode.SchemaMismatch) &&
      Array.isArray((value as { problems?: unknown }).problems)
    );
  }
}

/** The requested thing does not exist. */
export class NotFoundError extends MlopsError {
  constructor(message: string, options: MlopsErrorOptions = {}) {
    super(ErrorCode.NotFound, message, options);
    this.name = 'NotFoundError';
  }
}

/** A conditional write lost a race or found the wrong version: re-read, then retry. */
export class PreconditionFailedError extends MlopsError {
  constructor(message: string, options: MlopsErrorOptions = {}) {
    super(ErrorCode.PreconditionFailed, message, options);
    this.name = 'PreconditionFailedError';
  }
}

/** An argument is malformed or out of range. */
export class InvalidArgumentError extends MlopsError {
  constructor(message: string, options: MlopsErrorOptions = {}) {
    super(ErrorCode.InvalidArgument, message, options);
    this.name = 'InvalidArgumentError';
  }
}

/** An optional peer dependency is missing; the message names the exact install command. */
export class MissingPeerDependencyError extends MlopsError {
  /** The npm package that must be installed. */
  readonly packageName: string;
  constructor(packageName: string, neededFor: string, options: MlopsErrorOptions = {}) {
    super(
      ErrorCode.MissingPeerDependency,
      `${neededFor} needs the optional peer dependency "${packageName}", which is not installed. ` +
        `Install it with: npm install ${packageName}`,
      options,
    );
    this.name = 'MissingPeerDependencyError';
    this.packageName = packageName;
  }
}

/**
 * An optional peer dependency is installed but failed to load: `cause` is the original error
 * (a native binary that does not match the platform, a missing dependency of the peer itself).
 */
export class PeerDependencyFailedError extends MlopsError {
  /** The npm package that failed to load. */
  readonly packageName: string;
  constructor(packageName: string, neededFor: string, options: MlopsErrorOptions = {}) {
    const reason = options.cause instanceof Error ? options.cause.message : String(options.cause);
    super(
      ErrorCode.PeerDependencyFailed,
      `${neededFor} needs the optional peer dependency "${packageName}", which is installed but failed to load: ${reason}. ` +
        `Reinstall it (npm install ${packageName}) and check that its version matches the peer range in package.json.`,
      options,
    );
    this.name = 'PeerDependencyFailedError';
    this.packageName = packageName;
  }
}

/** The operation is not supported by this backend, format or type. */
export class UnsupportedError extends MlopsError {
  constructor(message: string, options: MlopsErrorOptions = {}) {
    super(ErrorCode.Unsupported, message, options);
    this.name = 'UnsupportedError';
  }
}

/** Stored bytes are corrupt, foreign, or fail an integrity check. */
export class DataCorruptedError extends MlopsError {
  constructor(message: string, options: MlopsErrorOptions = {}) {
    super(ErrorCode.DataCorrupted, message, options);
    this.name = 'DataCorruptedError';
  }
}
