/**
 * FinOps FOCUS Cost and Usage columns and their rules, from the specification's column files
 * (FinOps-Open-Cost-and-Usage-Spec/FOCUS_Spec: tag v1.2 `specification/columns/*.md`; 1.3
 * `specification/datasets/cost_and_usage/columns/*.md`). `validateFocus` enforces exactly these.
 * Column IDs, not display names: `ProviderName`, not "Provider".
 */

/** Feature level of a FOCUS column. */
export type FocusFeatureLevel = 'Mandatory' | 'Recommended' | 'Conditional';
/** FOCUS data type of a column. */
export type FocusDataType = 'String' | 'Decimal' | 'DateTime' | 'JSON';

/** One FOCUS column's rules. */
export interface FocusColumnSpec {
  /** Column ID (what a dataset's header carries). */
  readonly id: string;
  /** Mandatory columns MUST be present; Conditional ones when the provider supports the feature. */
  readonly level: FocusFeatureLevel;
  /** "Allows nulls" of the column's content constraints. */
  readonly nullable: boolean;
  /** Data type. */
  readonly type: FocusDataType;
  /** Allowed values, when the column has a closed list. */
  readonly allowed?: readonly string[];
}

const L = { M: 'Mandatory', R: 'Recommended', C: 'Conditional' } as const;
type Row = readonly [id: string, level: keyof typeof L, nullable: boolean, type: FocusDataType];

// [Column ID, feature level, allows nulls, data type] per FOCUS 1.2 column file, in file order.
const FOCUS_12_ROWS: readonly Row[] = [
  ['AvailabilityZone', 'R', true, 'String'],
  ['BilledCost', 'M', false, 'Decimal'],
  ['BillingAccountId', 'M', false, 'String'],
  ['BillingAccountName', 'M', true, 'String'],
  ['BillingAccountType', 'C', false, 'String'],
  ['BillingCurrency', 'M', false, 'String'],
  ['BillingPeriodEnd', 'M', false, 'DateTime'],
  ['BillingPeriodStart', 'M', false, 'DateTime'],
  ['CapacityReservationId', 'C', true, 'String'],
  ['CapacityReservationStatus', 'C', true, 'String'],
  ['ChargeCategory', 'M', false, 'String'],
  ['ChargeClass', 'M', true, 'String'],
  ['ChargeDescription', 'M', true, 'String'],
  ['ChargeFrequency', 'R', false, 'String'],
  ['ChargePeriodEnd', 'M', false, 'DateTime'],
  ['ChargePeriodStart', 'M', false, 'DateTime'],
  ['CommitmentDiscountCategory', 'C', true, 'String'],
  ['CommitmentDiscountId', 'C', true, 'String'],
  ['CommitmentDiscountName', 'C', true, 'String'],
  ['CommitmentDiscountQuantity', 'C', true, 'Decimal'],
  ['CommitmentDiscountStatus', 'C', true, 'String'],
  ['CommitmentDiscountType', 'C', true, 'String'],
  ['CommitmentDiscountUnit', 'C', true, 'String'],
  ['ConsumedQuantity', 'C', true, 'Decimal'],
  ['ConsumedUnit', 'C', true, 'String'],
  ['ContractedCost', 'M', false, 'Decimal'],
  ['ContractedUnitPrice', 'C', true, 'Decimal'],
  ['EffectiveCost', 'M', false, 'Decimal'],
  ['InvoiceId', 'R', true, 'String'],
  ['InvoiceIssuerName', 'M', false, 'String'],
  ['ListCost', 'M', false, 'Decimal'],
  ['ListUnitPrice', 'C', true, 'Decimal'],
  ['PricingCategory', 'C', true, 'String'],
  ['PricingCurrency', 'C', true, 'String'],
  ['PricingCurrencyContractedUnitPrice', 'C', true, 'Decimal'],
  ['PricingCurrencyEffectiveCost', 'C', true, 'Decimal'],
  ['PricingCurrencyListUnitPrice', 'C', true, 'Decimal'],
  ['PricingQuantity', 'M', true, 'Decimal'],
  ['PricingUnit', 'M', true, 'String'],
  ['ProviderName', 'M', false, 'String'],
  ['PublisherName', 'M', false, 'String'],
  ['RegionId', 'C', true, 'String'],
  ['RegionName', 'C', true, 'String'],
  ['ResourceId', 'C', true, 'String'],
  ['ResourceName', 'C', true, 'String'],
  ['ResourceType', 'C', true, 'String'],
  ['ServiceCategory', 'M', false, 'String'],
  ['ServiceName', 'M', false, 'String'],
  ['ServiceSubcategory', 'R', false, 'String'],
  ['SkuId', 'C', true, 'String'],
  ['SkuMeter', 'C', true, 'String'],
  ['SkuPriceDetails', 'C', true, 'JSON'],
  ['SkuPriceId', 'C', true, 'String'],
  ['SubAccountId', 'C', true, 'String'],
  ['SubAccountName', 'C', true, 'String'],
  ['SubAccountType', 'C', true, 'String'],
  ['Tags', 'C', true, 'JSON'],
];

/** Allowed values of the closed-list FOCUS 1.2 columns. */
const ALLOWED: Record<string, readonly string[]> = {
  "CapacityReservationStatus": [
    "Used",
    "Unused"
  ],
  "ChargeCategory": [
    "Usage",
    "Purchase",
    "Tax",
    "Credit",
    "Adjustment"
  ],
  "ChargeClass": [
    "Correction"
  ],
  "ChargeFrequency": [
    "One-Time",
    "Recurring",
    "Usage-Based"
  ],
  "CommitmentDiscountCategory": [
    "Spend",
    "Usage"
  ],
  "CommitmentDiscountStatus": [
    "Used",
    "Unused"
  ],
  "PricingCategory": [
    "Standard",
    "Dynamic",
    "Committed",
    "Other"
  ],
  "ServiceCategory": [
    "AI and Machine Learning",
    "Analytics",
    "Business Applications",
    "Compute",
    "Databases",
    "Developer Tools",
    "Multicloud",
    "Identity",
    "Integration",
    "Internet of Things",
    "Management and Governance",
    "Media",
    "Migration",
    "Mobile",
    "Networking",
    "Security",
    "Storage",
    "Web",
    "Other"
  ]
};

/** ServiceSubcategory allowed values per ServiceCategory (FOCUS 1.2 servicesubcategory.md). */
export const FOCUS_SERVICE_SUBCATEGORIES: Readonly<Record<string, readonly string[]>> = {
  "AI and Machine Learning": [
    "AI Platforms",
    "Bots",
    "Generative AI",
    "Machine Learning",
    "Natural Language Processing",
    "Other (AI and Machine Learning)"
  ],
  "Analytics": [
    "Analytics Platforms",
    "Business Intelligence",
    "Data Processing",
    "Search",
    "Streaming Analytics",
    "Other (Analytics)"
  ],
  "Business Applications": [
    "Productivity and Collaboration",
    "Other (Business Applications)"
  ],
  "Compute": [
    "Containers",
    "End User Computing",
    "Quantum Compute",
    "Serverless Compute",
    "Virtual Machines",
    "Other (Compute)"
  ],
  "Databases": [
    "Caching",
    "Data Warehouses",
    "Ledger Databases",
    "NoSQL Databases",
    "Relational Databases",
    "Time Series Databases",
    "Other (Databases)"
  ],
  "Developer Tools": [
    "Developer Platforms",
    "Continuous Integration and Deployment",
    "Development Environments",
    "Source Code Management",
    "Quality Assurance",
    "Other (Developer Tools)"
  ],
  "Identity": [
    "Identity and Access Management",
    "Other (Identity)"
  ],
  "Integration": [
    "API Management",
    "Messaging",
    "Workflow Orchestration",
    "Other (Integration)"
  ],
  "Internet of Things": [
    "IoT Analytics",
    "IoT Platforms",
    "Other (Internet of Things)"
  ],
  "Management and Governance": [
    "Architecture",
    "Compliance",
    "Cost Management",
    "Data Governance",
    "Disaster Recovery",
    "Endpoint Management",
    "Observability",
    "Support",
    "Other (Management and Governance)"
  ],
  "Media": [
    "Content Creation",
    "Gaming",
    "Media Streaming",
    "Mixed Reality",
    "Other (Media)"
  ],
  "Migration": [
    "Data Migration",
    "Resource Migration",
    "Other (Migration)"
  ],
  "Mobile": [
    "Other (Mobile)"
  ],
  "Multicloud": [
    "Multicloud Integration",
    "Other (Multicloud)"
  ],
  "Networking": [
    "Application Networking",
    "Content Delivery",
    "Network Connectivity",
    "Network Infrastructure",
    "Network Routing",
    "Network Security",
    "Other (Networking)"
  ],
  "Security": [
    "Secret Management",
    "Security Posture Management",
    "Threat Detection and Response",
    "Other (Security)"
  ],
  "Storage": [
    "Backup Storage",
    "Block Storage",
    "File Storage",
    "Object Storage",
    "Storage Platforms",
    "Other (Storage)"
  ],
  "Web": [
    "Application Platforms",
    "Other (Web)"
  ],
  "Other": [
    "Other (Other)"
  ]
};

const spec = ([id, level, nullable, type]: Row): FocusColumnSpec => ({ id, level: L[level], nullable, type, ...(ALLOWED[id] ? { allowed: ALLOWED[id] } : {}) });

/** The 57 FOCUS 1.2 Cost and Usage columns. */
export const FOCUS_12_COLUMNS: readonly FocusColumnSpec[] = FOCUS_12_ROWS.map(spec);

/**
 * Columns FOCUS 1.3 adds. ProviderName and PublisherName are deprecated in 1.3 but their files
 * still say they MUST be present and MUST NOT be null, so 1.3 keeps every 1.2 column.
 */
export const FOCUS_13_ADDED_COLUMNS: readonly FocusColumnSpec[] = [
  { id: 'ServiceProviderName', level: 'Mandatory', nullable: false, type: 'String' },
  { id: 'HostProviderName', level: 'Mandatory', nullable: true, type: 'String' },
  { id: 'AllocatedMethodId', level: 'Conditional', nullable: true, type: 'String' },
  { id: 'AllocatedMethodDetails', level: 'Recommended', nullable: true, type: 'JSON' },
  { id: 'AllocatedResourceId', level: 'Conditional', nullable: true, type: 'String' },
  { id: 'AllocatedResourceName', level: 'Conditional', nullable: true, type: 'String' },
  { id: 'AllocatedTags', level: 'Conditional', nullable: true, type: 'JSON' },
  { id: 'ContractApplied', level: 'Conditional', nullable: true, type: 'JSON' },
];

/** The 65 FOCUS 1.3 Cost and Usage columns. */
export const FOCUS_13_COLUMNS: readonly FocusColumnSpec[] = [...FOCUS_12_COLUMNS, ...FOCUS_13_ADDED_COLUMNS];

/** The column rules of a FOCUS version. */
export function focusColumns(version: '1.2' | '1.3'): readonly FocusColumnSpec[] {
  return version === '1.3' ? FOCUS_13_COLUMNS : FOCUS_12_COLUMNS;
}

const ids = (level: FocusFeatureLevel) => FOCUS_12_COLUMNS.filter((c) => c.level === level).map((c) => c.id);

/** FOCUS 1.2 Mandatory column IDs. */
export const FOCUS_12_MANDATORY: readonly string[] = ids('Mandatory');
/** FOCUS 1.2 Recommended column IDs. */
export const FOCUS_12_RECOMMENDED: readonly string[] = ids('Recommended');
/** FOCUS 1.2 Conditional column IDs. */
export const FOCUS_12_CONDITIONAL: readonly string[] = ids('Conditional');

/** FOCUS 1.3 allocation columns (written `x_`-prefixed in a 1.2 export, where they are not FOCUS columns). */
export const FOCUS_13_ALLOCATION = ['AllocatedMethodId', 'AllocatedMethodDetails', 'AllocatedResourceId', 'AllocatedResourceName', 'AllocatedTags'] as const;

/** Allowed ChargeCategory values. */
export const FOCUS_CHARGE_CATEGORIES: readonly string[] = ALLOWED.ChargeCategory!;
/** Allowed PricingCategory values. */
export const FOCUS_PRICING_CATEGORIES: readonly string[] = ALLOWED.PricingCategory!;
/** Allowed ServiceCategory values. */
export const FOCUS_SERVICE_CATEGORIES: readonly string[] = ALLOWED.ServiceCategory!;

/** Date/time values MUST be 'YYYY-MM-DDTHH:mm:ssZ' (attributes/datetime_format.md): no fractional seconds. */
export const FOCUS_DATETIME_FORMAT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/** Formats epoch ms as a FOCUS date/time ('YYYY-MM-DDTHH:mm:ssZ'; sub-second parts are truncated). */
export function focusDateTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
