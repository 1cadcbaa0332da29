/**
 * Stable error codes thrown by `@mlops/cost` (as `MlopsError.code`), beside the shared ones in
 * `@mlops/contracts` (`SCHEMA_MISMATCH`, `INVALID_ARGUMENT`, ...). Branch on these, not on messages.
 */
export const CostErrorCode = {
  /** Usage rows break the UsageRecord rules (end before start, negative quantity, unknown kind...). */
  InvalidUsage: 'INVALID_USAGE',
  /** Instance types with no price in the catalog; the error lists every unknown one. */
  UnknownInstanceType: 'UNKNOWN_INSTANCE_TYPE',
  /** An instance type is priced differently in several regions and the asset names no region. */
  AmbiguousPrice: 'AMBIGUOUS_PRICE',
  /** Usage names nodes that are not among the given assets. */
  UnknownNode: 'UNKNOWN_NODE',
  /** Usage falls outside the lifetime of the node it ran on. */
  UsageOutsideAsset: 'USAGE_OUTSIDE_ASSET',
  /** The same usage row appears more than once. */
  DuplicateUsage: 'DUPLICATE_USAGE',
  /** Rows of one workload (same node, resource and labels) overlap in time; the error lists them. */
  OverlappingUsage: 'OVERLAPPING_USAGE',
  /** More of a resource was charged on a node in a window than the node has. */
  Overcommitted: 'OVERCOMMITTED',
  /** A Prometheus server could not be reached or rejected a query (`fromPrometheus`). */
  PrometheusQueryFailed: 'PROMETHEUS_QUERY_FAILED',
  /** Prices, assets or budgets in different currencies were mixed. */
  CurrencyMismatch: 'CURRENCY_MISMATCH',
  /** A price catalog row is malformed. */
  InvalidCatalog: 'INVALID_CATALOG',
  /** A cost table does not have the columns `attributeCosts` writes. */
  InvalidCostTable: 'INVALID_COST_TABLE',
} as const;

/** One of {@link CostErrorCode}'s values. */
export type CostErrorCodeValue = (typeof CostErrorCode)[keyof typeof CostErrorCode];
