// Re-exported from the Arrow-free entry (not bundled again), so `@mlops/contracts` and
// `@mlops/contracts/errors` hand out the very same classes.
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
  loadOptionalPeer,
  isPeerNotFound,
} from '@mlops/contracts/errors';
export type { MlopsErrorCode, MlopsErrorOptions } from '@mlops/contracts/errors';

export type { ArrowDataTypeLike, ArrowDataLike, ArrowVectorLike, ArrowFieldLike, ArrowTableLike } from './arrow-like.js';
export {
  ArrowTypeId,
  isUtf8Like,
  isDictionary,
  isInteger,
  isInt32,
  isInt64,
  isFloat,
  isFloat32,
  isFloat64,
  isNumeric,
  isBool,
  isTimestamp,
  isTimestampLike,
  isDate,
  isBinary,
  isScalar,
  isEntityKey,
  isUtcTimezone,
  timeUnitName,
  describeType,
} from './type-kinds.js';
export { TYPE_KINDS, matchesType, describeMatcher } from './type-matcher.js';
export type { TypeKind, TypeMatcher, CustomTypeMatcher } from './type-matcher.js';
export { arrowType, ARROW_TYPE_NAMES } from './arrow-types.js';
export type { ArrowTypeName } from './arrow-types.js';
export {
  toFloat64Array,
  readFloat64Column,
  readEpochMillisColumn,
  toCategoryCodes,
  toStringArray,
  countNulls,
  isValidAt,
} from './column-readers.js';
export type { ToFloat64Options, CategoryCodes } from './column-readers.js';

export { defineTableContract, findContractColumn, describeContract } from './table-contract.js';
export type { TableContract, TableContractDefinition, FieldContract, ColumnFamilyContract, RowCheck, RowCheckViolation } from './table-contract.js';
export { checkTable, validateTable } from './validate-table.js';
export type { SchemaProblem, SchemaNote, TableCheckResult, ValidateTableOptions } from './validate-table.js';
export { contractSchema, buildTable } from './contract-schema.js';
export type { ContractSchemaOptions, ColumnValues } from './contract-schema.js';
export type { NamedColumnSpec, ColumnSpecInput } from './model-columns.js';
export { predictionLogContract, predictionLogSchema } from './prediction-log.js';
export type { PredictionLogOptions } from './prediction-log.js';
export { featureFrameContract, featureFrameSchema } from './feature-frame.js';
export type { FeatureFrameOptions } from './feature-frame.js';
export {
  usageRecordContract,
  usageRecordSchema,
  RESOURCE_KINDS,
  USAGE_UNITS,
  PRICING_MODELS,
  CONVENTIONAL_LABELS,
} from './usage-record.js';
export type { UsageRecordSchemaOptions, ResourceKind, PricingModel } from './usage-record.js';
export { driftResultContract, driftResultSchema } from './drift-result.js';
export { tableToIpc, tableFromIpc, readIpcBatches, readIpcFile, writeIpcFile, createIpcWriter } from './ipc.js';
export type { IpcFormat, ByteSource, IpcWriter, IpcWriterOptions } from './ipc.js';
export { readParquet, readParquetBatches, tableToParquet, writeParquetFile, createParquetWriter } from './parquet.js';
export type { ParquetReadOptions, ParquetWriteOptions, ParquetWriteCodec, ParquetWriter, ParquetWriterOptions } from './parquet.js';
export { readCsv, readCsvBatches, readCsvFile, tableToCsv, writeCsvFile } from './csv.js';
export type { CsvReadOptions, CsvWriteOptions, CsvSource } from './csv.js';
export { seededRandom } from './seeded-random.js';
