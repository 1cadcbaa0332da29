export { createRegistry } from './registry.js';
export { ConflictError, CONFLICT } from './cas.js';
export type { RetryOptions, RetryPolicy } from './cas.js';
export type { DeleteOptions } from './manifest-updates.js';
export type { DownloadOptions } from './download.js';
export type {
  Registry,
  RegistryOptions,
  RegisterModelVersionInput,
  ModelVersionInfo,
  SearchOptions,
  SearchResult,
  AliasChangeOptions,
  PromoteOptions,
  PromotionResult,
  GcOptions,
  GcResult,
  AliasWatchEvent,
  WatchAliasOptions,
} from './registry.js';
export { metricGate } from './gates.js';
export type { GateDecision, PromotionGate, MetricGateOptions } from './gates.js';
export { LIMITS, parseModelRef, validateModelName, validateAlias } from './names.js';
export type { ModelRef } from './names.js';
export { parseFilter, parseFilterExpression } from './filter.js';
export type { FilterClause, FilterExpression, FilterField, FilterOperator, LineagePath } from './filter.js';
export type {
  AliasChange,
  ArtifactEntry,
  ArtifactSource,
  DatasetRef,
  Lineage,
  ModelSignature,
  ModelVersion,
  ParamValue,
  RegisteredModel,
  RegistryEvent,
  RegistryEventType,
  SignatureField,
  VersionStatus,
  VersionSummary,
} from './types.js';
