import type { Schema } from 'apache-arrow';
import type { ContractSchemaOptions } from './contract-schema.js';
import { contractSchema } from './contract-schema.js';
import { InvalidArgumentError } from '@mlops/contracts/errors';
import type { ColumnSpecInput } from './model-columns.js';
import { namedColumnFields } from './model-columns.js';
import type { FieldContract, TableContract } from './table-contract.js';
import { defineTableContract } from './table-contract.js';

/** Options of {@link featureFrameContract} and {@link featureFrameSchema}. */
export interface FeatureFrameOptions {
  /** Entity key columns (join keys such as `customer_id`): Utf8-like, Int32 or Int64, never null. At least one. */
  entityKeys: readonly ColumnSpecInput[];
  /** Feature columns (numeric, Bool or Utf8-like, nullable). When omitted, feature columns are not checked. */
  features?: readonly ColumnSpecInput[];
  /**
   * `true`: `created_timestamp` is required. `false`: not part of the contract.
   * Omitted (default): optional, checked when present.
   */
  createdTimestamp?: boolean;
  /** Reject undeclared columns. Default false. */
  strict?: boolean;
}

/**
 * The **FeatureFrame** contract: feature data going into or out of a feature store.
 *
 * | column | type | null | unit | meaning |
 * |---|---|---|---|---|
 * | `<entity keys>` | Utf8-like, Int32 or Int64 | no | | caller-named join keys (e.g. `customer_id`) |
 * | `event_timestamp` | Timestamp (any unit, UTC) | no | time, UTC | when the feature values became true in the world |
 * | `created_timestamp` | Timestamp (any unit, UTC) | yes (optional column) | time, UTC | when the row was written; breaks ties between rows with equal `event_timestamp` (later wins) |
 * | `<features>` | numeric, Bool or Utf8-like | yes | feature's own | feature columns |
 *
 * Point-in-time joins pick, per entity and per requested time, the row with the latest
 * `event_timestamp` not after that time, and among equal ones the latest `created_timestamp`.
 */
export function featureFrameContract(options: FeatureFrameOptions): TableContract {
  if (!options || !Array.isArray(options.entityKeys) || options.entityKeys.length === 0) {
    throw new InvalidArgumentError('featureFrameContract needs at least one entity key: pass { entityKeys: ["customer_id"] }.');
  }
  const fields: FieldContract[] = [
    ...namedColumnFields('Entity key', '', options.entityKeys, { type: 'entity-key', nullable: false, description: (n) => `Entity key "${n}" (join key).` }).map(
      (f) => (f.arrowType === undefined && f.type === 'entity-key' ? { ...f, arrowType: 'utf8' as const } : f),
    ),
    { name: 'event_timestamp', type: 'timestamp', arrowType: 'timestamp-ms', nullable: false, unit: 'time, UTC', description: 'When the feature values became true in the world.' },
  ];
  if (options.createdTimestamp !== false) {
    fields.push({
      name: 'created_timestamp',
      type: 'timestamp',
      arrowType: 'timestamp-ms',
      nullable: true,
      unit: 'time, UTC',
      description: 'When the row was written; breaks ties between rows with equal event_timestamp (later wins).',
      ...(options.createdTimestamp === true ? {} : { optional: true }),
    });
  }
  if (options.features) {
    fields.push(...namedColumnFields('Feature', '', options.features, { type: 'scalar', nullable: true, description: (n) => `Feature "${n}".` }));
  }
  return defineTableContract({
    name: 'FeatureFrame',
    description: 'Feature rows keyed by entity and event time.',
    fields,
    strict: options.strict ?? false,
  });
}

/**
 * The Arrow schema of a FeatureFrame: entity keys (Utf8 unless a spec sets `arrowType`),
 * `event_timestamp: Timestamp<ms, UTC>`, `created_timestamp` (when not `false`), then features
 * (Float64 unless set). See {@link featureFrameContract}.
 */
export function featureFrameSchema(options: FeatureFrameOptions & Pick<ContractSchemaOptions, 'types'>): Schema {
  return contractSchema(featureFrameContract(options), options.types ? { types: options.types } : {});
}
