export { defineEntity, defineFeatureView, defineFeatureService, defineOnDemandFeatureView, isFileSource } from './definitions.js';
export type {
  Entity,
  EntityOptions,
  EntityValueType,
  FeatureField,
  FeatureSource,
  FileSource,
  SourceFormat,
  FeatureView,
  FeatureViewOptions,
  FeatureService,
  FeatureServiceOptions,
  OnDemandFeatureView,
  OnDemandFeatureViewOptions,
  OnDemandFeatureType,
  OnDemandInput,
  OnDemandColumn,
} from './definitions.js';
export { createFeatureStore } from './feature-store.js';
export type { FeatureStore, FeatureStoreOptions, PushOptions, PushResult } from './feature-store.js';
export type { Catalog } from './catalog.js';
export type { HistoricalFeaturesRequest } from './historical.js';
export type { EntityRowsInput } from './entity-rows.js';
export type { HistoricalEngine, JoinPlan, JoinPlanView } from './join-plan.js';
export { createArrowEngine } from './arrow-engine.js';
export { SQL_DIALECTS } from './sql.js';
export type { SqlDialect, SqlOptions } from './sql.js';
export type {
  MaterializeOptions,
  MaterializeIncrementalOptions,
  MaterializeResult,
  MaterializedView,
  PushTarget,
  FeatureStatus,
  OnlineFeatureColumn,
  OnlineFeaturesRequest,
  OnlineFeaturesResult,
} from './online.js';
export { createMemoryOnlineStore } from './memory-online-store.js';
export { encodeEntityKey } from './online-store.js';
export type { OnlineStoreV1, OnlineValue, OnlineWriteRow, OnlineWriteOptions, OnlineRecord, OnlineWriteResult } from './online-store.js';
export type { TimeInput } from './time.js';
export { createFeatureServer, toFeastResponse } from './feature-server.js';
export type { FeatureServerOptions, FeatureServer } from './feature-server.js';
