import { Bool, DateDay, Dictionary, Float32, Float64, Int16, Int32, Int64, Int8, LargeUtf8, TimeUnit, Timestamp, Uint16, Uint32, Uint64, Uint8, Utf8 } from 'apache-arrow';
import type { DataType } from 'apache-arrow';
import { InvalidArgumentError } from '@mlops/contracts/errors';
import type { TypeMatcher } from './type-matcher.js';

/**
 * Short names for concrete Arrow types, used by schema builders and CSV schemas.
 * Timestamps are UTC; `dictionary-utf8` is `Dictionary<Int32, Utf8>`.
 */
export type ArrowTypeName =
  | 'utf8'
  | 'large-utf8'
  | 'dictionary-utf8'
  | 'bool'
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'uint64'
  | 'float32'
  | 'float64'
  | 'timestamp-s'
  | 'timestamp-ms'
  | 'timestamp-us'
  | 'timestamp-ns'
  | 'date-day';

/** Every {@link ArrowTypeName}. */
export const ARROW_TYPE_NAMES: readonly ArrowTypeName[] = [
  'utf8', 'large-utf8', 'dictionary-utf8', 'bool', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64',
  'float32', 'float64', 'timestamp-s', 'timestamp-ms', 'timestamp-us', 'timestamp-ns', 'date-day',
];

/** A new Arrow `DataType` (from this package's `apache-arrow` peer) for a short type name. */
export function arrowType(name: ArrowTypeName): DataType {
  switch (name) {
    case 'utf8': return new Utf8();
    case 'large-utf8': return new LargeUtf8();
    case 'dictionary-utf8': return new Dictionary(new Utf8(), new Int32());
    case 'bool': return new Bool();
    case 'int8': return new Int8();
    case 'int16': return new Int16();
    case 'int32': return new Int32();
    case 'int64': return new Int64();
    case 'uint8': return new Uint8();
    case 'uint16': return new Uint16();
    case 'uint32': return new Uint32();
    case 'uint64': return new Uint64();
    case 'float32': return new Float32();
    case 'float64': return new Float64();
    case 'timestamp-s': return new Timestamp(TimeUnit.SECOND, 'UTC');
    case 'timestamp-ms': return new Timestamp(TimeUnit.MILLISECOND, 'UTC');
    case 'timestamp-us': return new Timestamp(TimeUnit.MICROSECOND, 'UTC');
    case 'timestamp-ns': return new Timestamp(TimeUnit.NANOSECOND, 'UTC');
    case 'date-day': return new DateDay();
    default:
      throw new InvalidArgumentError(`Unknown Arrow type name "${String(name)}": expected one of ${ARROW_TYPE_NAMES.join(', ')}.`);
  }
}

/** The concrete type a schema builder uses for a matcher when a field names none. */
export function defaultTypeNameFor(matcher: TypeMatcher): ArrowTypeName {
  switch (matcher) {
    case 'utf8-like': return 'utf8';
    case 'entity-key': return 'utf8';
    case 'numeric': case 'float': case 'float64': case 'scalar': case 'any': return 'float64';
    case 'integer': case 'int64': return 'int64';
    case 'int32': return 'int32';
    case 'float32': return 'float32';
    case 'bool': return 'bool';
    case 'date': return 'date-day';
    case 'timestamp': case 'timestamp-like': return 'timestamp-ms';
    default:
      throw new InvalidArgumentError(
        `No default Arrow type for the type matcher "${typeof matcher === 'string' ? matcher : matcher.description}": set arrowType on the field.`,
      );
  }
}
