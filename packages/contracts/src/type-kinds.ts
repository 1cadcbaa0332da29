import type { ArrowDataTypeLike } from './arrow-like.js';

/**
 * Arrow type ids as numbers, copied from the Arrow format (`Schema.fbs`) and `apache-arrow`'s
 * `Type` enum, so checks work on types built by any copy of `apache-arrow`.
 */
export const ArrowTypeId = {
  Null: 1,
  Int: 2,
  Float: 3,
  Binary: 4,
  Utf8: 5,
  Bool: 6,
  Decimal: 7,
  Date: 8,
  Time: 9,
  Timestamp: 10,
  Interval: 11,
  List: 12,
  Struct: 13,
  Union: 14,
  FixedSizeBinary: 15,
  FixedSizeList: 16,
  Map: 17,
  Duration: 18,
  LargeBinary: 19,
  LargeUtf8: 20,
  LargeList: 21,
  BinaryView: 23,
  Utf8View: 24,
  Dictionary: -1,
} as const;

const TIME_UNIT_NAMES = ['s', 'ms', 'us', 'ns'] as const;

/** True for `Utf8`, `LargeUtf8`, `Utf8View`, and dictionaries whose values are one of those. */
export function isUtf8Like(type: ArrowDataTypeLike): boolean {
  const id = type.typeId;
  if (id === ArrowTypeId.Utf8 || id === ArrowTypeId.LargeUtf8 || id === ArrowTypeId.Utf8View) return true;
  return id === ArrowTypeId.Dictionary && type.dictionary !== undefined && isUtf8Like(type.dictionary);
}

/** True for dictionary-encoded types (any index and value type). */
export function isDictionary(type: ArrowDataTypeLike): boolean {
  return type.typeId === ArrowTypeId.Dictionary;
}

/** True for integer types of any width and signedness. */
export function isInteger(type: ArrowDataTypeLike): boolean {
  return type.typeId === ArrowTypeId.Int;
}

/** True for signed 32-bit integers. */
export function isInt32(type: ArrowDataTypeLike): boolean {
  return type.typeId === ArrowTypeId.Int && type.bitWidth === 32 && type.isSigned === true;
}

/** True for signed 64-bit integers. */
export function isInt64(type: ArrowDataTypeLike): boolean {
  return type.typeId === ArrowTypeId.Int && type.bitWidth === 64 && type.isSigned === true;
}

/** True for floating point types of any precision (Float16, Float32, Float64). */
export function isFloat(type: ArrowDataTypeLike): boolean {
  return type.typeId === ArrowTypeId.Float;
}

/** True for 32-bit floats. */
export function isFloat32(type: ArrowDataTypeLike): boolean {
  return type.typeId === ArrowTypeId.Float && type.precision === 1;
}

/** True for 64-bit floats. */
export function isFloat64(type: ArrowDataTypeLike): boolean {
  return type.typeId === ArrowTypeId.Float && type.precision === 2;
}

/** True for integers, floats and decimals. */
export function isNumeric(type: ArrowDataTypeLike): boolean {
  const id = type.typeId;
  return id === ArrowTypeId.Int || id === ArrowTypeId.Float || id === ArrowTypeId.Decimal;
}

/** True for booleans. */
export function isBool(type: ArrowDataTypeLike): boolean {
  return type.typeId === ArrowTypeId.Bool;
}

/** True for `Timestamp` of any unit and time zone. */
export function isTimestamp(type: ArrowDataTypeLike): boolean {
  return type.typeId === ArrowTypeId.Timestamp;
}

/** True for `Date` (day or millisecond unit). */
export function isDate(type: ArrowDataTypeLike): boolean {
  return type.typeId === ArrowTypeId.Date;
}

/**
 * True for what a reader of a contract timestamp column accepts (decision 001): a `Timestamp`
 * of any unit, or `Int64` / `Float64` holding epoch milliseconds.
 */
export function isTimestampLike(type: ArrowDataTypeLike): boolean {
  return isTimestamp(type) || isInt64(type) || isFloat64(type);
}

/** True for binary types (`Binary`, `LargeBinary`, `BinaryView`, `FixedSizeBinary`). */
export function isBinary(type: ArrowDataTypeLike): boolean {
  const id = type.typeId;
  return id === ArrowTypeId.Binary || id === ArrowTypeId.LargeBinary || id === ArrowTypeId.BinaryView || id === ArrowTypeId.FixedSizeBinary;
}

/** True for scalar feature-like values: numeric, bool or utf8-like (including dictionaries of strings). */
export function isScalar(type: ArrowDataTypeLike): boolean {
  return isNumeric(type) || isBool(type) || isUtf8Like(type);
}

/** True for entity key types (decision 001): utf8-like, Int32 or Int64. */
export function isEntityKey(type: ArrowDataTypeLike): boolean {
  return isUtf8Like(type) || isInt32(type) || isInt64(type);
}

/** True when the time zone of a timestamp type is UTC (`UTC`, `Etc/UTC`, `Z`, `+00:00`). */
export function isUtcTimezone(timezone: string | null | undefined): boolean {
  if (!timezone) return false;
  const tz = timezone.trim().toUpperCase();
  return tz === 'UTC' || tz === 'ETC/UTC' || tz === 'Z' || tz === '+00:00' || tz === 'GMT' || tz === 'ETC/GMT';
}

/** The short name of an Arrow `TimeUnit` value (`s`, `ms`, `us`, `ns`). */
export function timeUnitName(unit: number | undefined): string {
  return TIME_UNIT_NAMES[unit ?? -1] ?? `unit ${String(unit)}`;
}

/**
 * A readable, copy-independent description of an Arrow type, for error messages:
 * `Int64`, `Float32`, `Utf8`, `Dictionary<Int32, Utf8>`, `Timestamp<ms, UTC>`.
 */
export function describeType(type: ArrowDataTypeLike): string {
  switch (type.typeId) {
    case ArrowTypeId.Null:
      return 'Null';
    case ArrowTypeId.Int:
      return `${type.isSigned === false ? 'Uint' : 'Int'}${type.bitWidth ?? '?'}`;
    case ArrowTypeId.Float:
      return type.precision === 0 ? 'Float16' : type.precision === 1 ? 'Float32' : 'Float64';
    case ArrowTypeId.Binary:
      return 'Binary';
    case ArrowTypeId.Utf8:
      return 'Utf8';
    case ArrowTypeId.Bool:
      return 'Bool';
    case ArrowTypeId.Decimal:
      return 'Decimal';
    case ArrowTypeId.Date:
      return type.unit === 0 ? 'Date<day>' : 'Date<ms>';
    case ArrowTypeId.Time:
      return `Time<${timeUnitName(type.unit)}>`;
    case ArrowTypeId.Timestamp:
      return `Timestamp<${timeUnitName(type.unit)}${type.timezone ? `, ${type.timezone}` : ', no time zone'}>`;
    case ArrowTypeId.Duration:
      return `Duration<${timeUnitName(type.unit)}>`;
    case ArrowTypeId.LargeBinary:
      return 'LargeBinary';
    case ArrowTypeId.LargeUtf8:
      return 'LargeUtf8';
    case ArrowTypeId.Utf8View:
      return 'Utf8View';
    case ArrowTypeId.BinaryView:
      return 'BinaryView';
    case ArrowTypeId.FixedSizeBinary:
      return 'FixedSizeBinary';
    case ArrowTypeId.List:
    case ArrowTypeId.LargeList:
    case ArrowTypeId.FixedSizeList:
      return 'List';
    case ArrowTypeId.Struct:
      return 'Struct';
    case ArrowTypeId.Map:
      return 'Map';
    case ArrowTypeId.Union:
      return 'Union';
    case ArrowTypeId.Interval:
      return 'Interval';
    case ArrowTypeId.Dictionary:
      return `Dictionary<${type.indices ? describeType(type.indices) : '?'}, ${type.dictionary ? describeType(type.dictionary) : '?'}>`;
    default:
      return `Arrow type id ${type.typeId}`;
  }
}
