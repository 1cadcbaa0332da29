export { attributeCosts } from './attribute-costs.js';
export type { AttributeCostsOptions, IdleOptions, SharedOptions, WindowOptions, UnitPrices } from './attribute-options.js';
export { attributeAndAggregate } from './attribute-and-aggregate.js';
export type { AttributeAndAggregateOptions } from './attribute-and-aggregate.js';
export type { AssetSpec, TimeInput } from './assets.js';
export { loadPriceCatalog, samplePriceCatalog, findPrice } from './price-catalog.js';
export type { PriceCatalog, PriceCatalogEntry, LoadPriceCatalogOptions, PriceLookup } from './price-catalog.js';
export { OPENCOST_DEFAULT_PRICES, resourceShares, splitMethodId } from './split-methods.js';
export type { SplitMethod, ResourceWeights, NodeCapacity } from './split-methods.js';
export { migProfileFraction, timeSliceFraction, gpuMilliFraction } from './fractional-gpu.js';
export type { MigFractionOptions } from './fractional-gpu.js';
export { CostErrorCode } from './error-codes.js';
export type { CostErrorCodeValue } from './error-codes.js';
export { COST_METADATA_KEY } from './cost-table.js';
export type { CostTableMetadata } from './cost-table.js';
export { RESOURCE_KINDS, PRICING_MODELS } from './usage-input.js';
export type { ResourceKind, PricingModel } from './usage-input.js';
export { toMicros, fromMicros, formatMicros, MICROS_PER_UNIT } from './money.js';
export { aggregateCosts, IDLE_GROUP, UNLABELED_GROUP, OTHER_GROUP, NONE_GROUP, COST_DIMENSIONS } from './aggregate-costs.js';
export type { AggregateCostsOptions, AggregationWindow } from './aggregate-costs.js';
export { spotSavings } from './spot-savings.js';
export type { SpotSavingsOptions, SpotSavingsRow } from './spot-savings.js';
export { toFocus, validateFocus, writeFocusCsv, writeFocusParquet, fromFocus } from './focus.js';
export type { ToFocusOptions, ValidateFocusOptions, FromFocusOptions, FromFocusSkipped, FromFocusMixedPricing } from './focus.js';
export {
  FOCUS_12_COLUMNS,
  FOCUS_13_COLUMNS,
  FOCUS_13_ADDED_COLUMNS,
  FOCUS_12_MANDATORY,
  FOCUS_12_RECOMMENDED,
  FOCUS_12_CONDITIONAL,
  FOCUS_13_ALLOCATION,
  FOCUS_CHARGE_CATEGORIES,
  FOCUS_PRICING_CATEGORIES,
  FOCUS_SERVICE_CATEGORIES,
  FOCUS_SERVICE_SUBCATEGORIES,
  focusColumns,
} from './focus-columns.js';
export type { FocusColumnSpec, FocusFeatureLevel, FocusDataType } from './focus-columns.js';
export { evaluateBudgets } from './budgets.js';
export type { Budget, BudgetStatus, BudgetAlert, EvaluateBudgetsOptions } from './budgets.js';
export { renderCostReport, renderCostTable } from './report.js';
export type { CostReportOptions } from './report.js';
export { fromKubernetesPods, capacityTypeOf } from './kubernetes-pods.js';
export type { FromKubernetesPodsOptions, K8sPod, K8sNode, K8sList } from './kubernetes-pods.js';
export type { K8sPodSpec, K8sContainer } from './kubernetes-requests.js';
export { fromPrometheus, DEFAULT_PROMETHEUS_QUERIES } from './prometheus-usage.js';
export type { FromPrometheusOptions, PrometheusQueries } from './prometheus-usage.js';
export { costOfPredictions } from './prediction-costs.js';
export type { CostOfPredictionsOptions, PredictionCosts } from './prediction-costs.js';
