import type { ArrowDataTypeLike } from './arrow-like.js';
import { InvalidArgumentError } from '@mlops/contracts/errors';
import {
  isBinary,
  isBool,
  isDate,
  isEntityKey,
  isFloat,
  isFloat32,
  isFloat64,
  isInt32,
  isInt64,
  isInteger,
  isNumeric,
  isScalar,
  isTimestamp,
  isTimestampLike,
  isUtf8Like,
} from './type-kinds.js';

/**
 * Named structural type matchers a contract field can require. Each accepts a family of Arrow
 * types, so producers keep freedom where readers don't care (any string encoding, any
 * timestamp unit):
 *
 * - `any`: every type.
 * - `utf8-like`: `Utf8`, `LargeUtf8`, `Utf8View`, or a dictionary of those.
 * - `numeric`: any integer, float or decimal. `integer`: any integer.
 * - `int32`, `int64`: signed integers of that width. `float`: any float. `float32`, `float64`.
 * - `bool`. `binary`: any binary type. `date`: `Date` of any unit.
 * - `timestamp`: `Timestamp` of any unit and zone.
 * - `timestamp-like`: `timestamp`, or `Int64` / `Float64` holding epoch milliseconds (decision 001).
 * - `entity-key`: utf8-like, `Int32` or `Int64`.
 * - `scalar`: numeric, bool or utf8-like.
 */
export type TypeKind =
  | 'any'
  | 'utf8-like'
  | 'numeric'
  | 'integer'
  | 'int32'
  | 'int64'
  | 'float'
  | 'float32'
  | 'float64'
  | 'bool'
  | 'binary'
  | 'date'
  | 'timestamp'
  | 'timestamp-like'
  | 'entity-key'
  | 'scalar';

/** A type matcher of your own, for a contract field no {@link TypeKind} describes. */
export interface CustomTypeMatcher {
  /** What the matcher accepts, in words, for error messages (e.g. `"Int8 or Int16"`). */
  readonly description: string;
  /** True when `type` is acceptable. Check structurally (`typeId`), never with `instanceof`. */
  matches(type: ArrowDataTypeLike): boolean;
}

/** A {@link TypeKind} name or a {@link CustomTypeMatcher}. */
export type TypeMatcher = TypeKind | CustomTypeMatcher;

const KINDS: Record<TypeKind, { description: string; matches: (type: ArrowDataTypeLike) => boolean }> = {
  any: { description: 'any type', matches: () => true },
  'utf8-like': { description: 'a string (Utf8, LargeUtf8, Utf8View or Dictionary<Int*, Utf8>)', matches: isUtf8Like },
  numeric: { description: 'a number (Int*, Uint*, Float* or Decimal)', matches: isNumeric },
  integer: { description: 'an integer (Int* or Uint*)', matches: isInteger },
  int32: { description: 'Int32', matches: isInt32 },
  int64: { description: 'Int64', matches: isInt64 },
  float: { description: 'a float (Float16, Float32 or Float64)', matches: isFloat },
  float32: { description: 'Float32', matches: isFloat32 },
  float64: { description: 'Float64', matches: isFloat64 },
  bool: { description: 'Bool', matches: isBool },
  binary: { description: 'binary (Binary, LargeBinary, BinaryView or FixedSizeBinary)', matches: isBinary },
  date: { description: 'a Date', matches: isDate },
  timestamp: { description: 'a Timestamp (any unit; UTC expected)', matches: isTimestamp },
  'timestamp-like': {
    description: 'a Timestamp (any unit, ms and UTC preferred) or Int64/Float64 epoch milliseconds',
    matches: isTimestampLike,
  },
  'entity-key': { description: 'an entity key (Utf8-like, Int32 or Int64)', matches: isEntityKey },
  scalar: { description: 'a scalar (number, Bool or string)', matches: isScalar },
};

/** All {@link TypeKind} names. */
export const TYPE_KINDS: readonly TypeKind[] = Object.keys(KINDS) as TypeKind[];

function resolve(matcher: TypeMatcher): CustomTypeMatcher {
  if (typeof matcher === 'string') {
    const known = KINDS[matcher];
    if (known === undefined) {
      throw new InvalidArgumentError(
        `Unknown type matcher "${String(matcher)}": expected one of ${TYPE_KINDS.join(', ')} or an object with { description, matches(type) }.`,
      );
    }
    return known;
  }
  return matcher;
}

/** True when `type` satisfies `matcher`. */
export function matchesType(matcher: TypeMatcher, type: ArrowDataTypeLike): boolean {
  return resolve(matcher).matches(type);
}

/** What `matcher` accepts, in words, for error messages. */
export function describeMatcher(matcher: TypeMatcher): string {
  return resolve(matcher).description;
}
