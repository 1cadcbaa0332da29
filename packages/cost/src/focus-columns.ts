/**
 * FinOps FOCUS column lists (FOCUS_Spec tag v1.2, 2025-05-30: 57 Cost and Usage columns), plus
 * the 1.3 allocation columns this package fills in to describe how a node's cost was split.
 */
export const FOCUS_12_MANDATORY = [
  'BilledCost', 'BillingAccountId', 'BillingAccountName', 'BillingCurrency', 'BillingPeriodEnd', 'BillingPeriodStart',
  'ChargeCategory', 'ChargeClass', 'ChargeDescription', 'ChargePeriodEnd', 'ChargePeriodStart',
  'ContractedCost', 'EffectiveCost', 'ListCost', 'PricingQuantity', 'PricingUnit',
  'InvoiceIssuer', 'Provider', 'Publisher', 'ServiceCategory', 'ServiceName',
] as const;

/** FOCUS 1.2 Recommended columns. */
export const FOCUS_12_RECOMMENDED = ['AvailabilityZone', 'ChargeFrequency', 'InvoiceId', 'ServiceSubcategory'] as const;

/** FOCUS 1.2 Conditional columns. */
export const FOCUS_12_CONDITIONAL = [
  'BillingAccountType', 'SubAccountId', 'SubAccountName', 'SubAccountType',
  'CapacityReservationId', 'CapacityReservationStatus',
  'CommitmentDiscountCategory', 'CommitmentDiscountId', 'CommitmentDiscountName', 'CommitmentDiscountType',
  'CommitmentDiscountQuantity', 'CommitmentDiscountStatus', 'CommitmentDiscountUnit',
  'ConsumedQuantity', 'ConsumedUnit', 'ContractedUnitPrice', 'ListUnitPrice', 'PricingCategory',
  'PricingCurrency', 'PricingCurrencyContractedUnitPrice', 'PricingCurrencyEffectiveCost', 'PricingCurrencyListUnitPrice',
  'RegionId', 'RegionName', 'ResourceId', 'ResourceName', 'ResourceType',
  'SkuId', 'SkuMeter', 'SkuPriceDetails', 'SkuPriceId', 'Tags',
] as const;

/** FOCUS 1.3 allocation columns added to every export. */
export const FOCUS_13_ALLOCATION = ['AllocatedMethodId', 'AllocatedMethodDetails', 'AllocatedResourceId', 'AllocatedResourceName', 'AllocatedTags'] as const;

/** FOCUS 1.3 renames (1.2 name -> 1.3 name). */
export const FOCUS_13_RENAMES: Record<string, string> = { Provider: 'ProviderName', Publisher: 'PublisherName', InvoiceIssuer: 'InvoiceIssuerName' };

/** Decimal (cost and quantity) columns. */
export const FOCUS_DECIMAL_COLUMNS = [
  'BilledCost', 'ContractedCost', 'EffectiveCost', 'ListCost', 'PricingQuantity', 'ConsumedQuantity', 'ContractedUnitPrice', 'ListUnitPrice',
  'CommitmentDiscountQuantity', 'PricingCurrencyContractedUnitPrice', 'PricingCurrencyEffectiveCost', 'PricingCurrencyListUnitPrice',
] as const;

/** Date/time columns (UTC). */
export const FOCUS_DATETIME_COLUMNS = ['BillingPeriodStart', 'BillingPeriodEnd', 'ChargePeriodStart', 'ChargePeriodEnd'] as const;

/** JSON columns. */
export const FOCUS_JSON_COLUMNS = ['Tags', 'SkuPriceDetails', 'AllocatedMethodDetails', 'AllocatedTags'] as const;

/** Allowed ChargeCategory values. */
export const FOCUS_CHARGE_CATEGORIES = ['Usage', 'Purchase', 'Tax', 'Credit', 'Adjustment'] as const;
/** Allowed PricingCategory values. */
export const FOCUS_PRICING_CATEGORIES = ['Standard', 'Dynamic', 'Committed', 'Other'] as const;
/** Allowed ServiceCategory values (FOCUS 1.2). */
export const FOCUS_SERVICE_CATEGORIES = [
  'AI and Machine Learning', 'Analytics', 'Business Applications', 'Compute', 'Databases', 'Developer Tools', 'Multicloud',
  'Identity', 'Integration', 'Internet of Things', 'Management and Governance', 'Media', 'Migration', 'Mobile', 'Networking',
  'Security', 'Storage', 'Web', 'Other',
] as const;
