/**
 * FOCUS column rules as the specification's own column files state them, for the conformance
 * tests. Generated (once, by a script reading the files; not by hand) from
 * FinOps-Open-Cost-and-Usage-Spec/FOCUS_Spec:
 *  - 1.2: tag v1.2 (commit 7296e3146fb931ee32b6496fa6e4200e7f4384f7), `specification/columns/*.md`:
 *    "Column ID", the "Content Constraints" table (Feature level, Allows nulls, Data type), the
 *    "Allowed values" table, "Introduced (version)", and the "MUST be present ... when" bullet.
 *  - 1.3: `specification/datasets/cost_and_usage/columns/*.md` for the columns 1.3 adds or changes
 *    (commits in FOCUS_13_ADDED); the 1.2 columns 1.3 keeps are taken unchanged from the 1.2 files.
 * Deliberately independent of src/focus-columns.ts: the tests compare the two.
 *
 * Re-checked 2026-12-06 (#19): every 1.2 row and the 82 ServiceSubcategory pairs were derived again
 * by a script from each of the 57 column files at tag v1.2 (7296e31) and matched this table exactly.
 * The 1.3 rows could not be re-derived from the 1.3 release: the newest FOCUS_Spec snapshot available
 * here ends at 2025-05-30 (main = v1.2; no v1.3 tag and no specification/datasets/ tree). The
 * file index stores only one version of each 1.3-era file, and it cannot be pinned to the 1.3 release
 * commit (some stored files are later drafts). So the 57 columns 1.3 keeps are the 1.2 rules, and
 * FOCUS_13_ADDED comes from the stored draft versions cited in `source`. Re-derive them when the 1.3
 * release text is available.
 */
export interface SpecColumn {
  id: string;
  level: 'Mandatory' | 'Recommended' | 'Conditional';
  nullable: boolean;
  type: 'String' | 'Decimal' | 'DateTime' | 'JSON';
  allowed?: readonly string[] | 'see SERVICE_SUBCATEGORIES';
  introduced: string;
  /** The presence condition of a Conditional column, as the file words it. */
  when?: string;
}

export const FOCUS_12_SPEC: readonly SpecColumn[] = [
  { id: 'AvailabilityZone', level: 'Recommended', nullable: true, type: 'String', introduced: '0.5' },
  { id: 'BilledCost', level: 'Mandatory', nullable: false, type: 'Decimal', introduced: '0.5' },
  { id: 'BillingAccountId', level: 'Mandatory', nullable: false, type: 'String', introduced: '0.5' },
  { id: 'BillingAccountName', level: 'Mandatory', nullable: true, type: 'String', introduced: '0.5' },
  { id: 'BillingAccountType', level: 'Conditional', nullable: false, type: 'String', introduced: '1.2', when: "the provider supports more than one possible BillingAccountType value" },
  { id: 'BillingCurrency', level: 'Mandatory', nullable: false, type: 'String', introduced: '0.5' },
  { id: 'BillingPeriodEnd', level: 'Mandatory', nullable: false, type: 'DateTime', introduced: '0.5' },
  { id: 'BillingPeriodStart', level: 'Mandatory', nullable: false, type: 'DateTime', introduced: '0.5' },
  { id: 'CapacityReservationId', level: 'Conditional', nullable: true, type: 'String', introduced: '1.1', when: "the provider supports capacity reservations" },
  { id: 'CapacityReservationStatus', level: 'Conditional', nullable: true, type: 'String', allowed: ["Used", "Unused"], introduced: '1.1', when: "the provider supports capacity reservations" },
  { id: 'ChargeCategory', level: 'Mandatory', nullable: false, type: 'String', allowed: ["Usage", "Purchase", "Tax", "Credit", "Adjustment"], introduced: '0.5' },
  { id: 'ChargeClass', level: 'Mandatory', nullable: true, type: 'String', allowed: ["Correction"], introduced: '1.0' },
  { id: 'ChargeDescription', level: 'Mandatory', nullable: true, type: 'String', introduced: '1.0-preview' },
  { id: 'ChargeFrequency', level: 'Recommended', nullable: false, type: 'String', allowed: ["One-Time", "Recurring", "Usage-Based"], introduced: '1.0-preview' },
  { id: 'ChargePeriodEnd', level: 'Mandatory', nullable: false, type: 'DateTime', introduced: '0.5' },
  { id: 'ChargePeriodStart', level: 'Mandatory', nullable: false, type: 'DateTime', introduced: '0.5' },
  { id: 'CommitmentDiscountCategory', level: 'Conditional', nullable: true, type: 'String', allowed: ["Spend", "Usage"], introduced: '1.0-preview', when: "the provider supports commitment discounts" },
  { id: 'CommitmentDiscountId', level: 'Conditional', nullable: true, type: 'String', introduced: '1.0-preview', when: "the provider supports commitment discounts" },
  { id: 'CommitmentDiscountName', level: 'Conditional', nullable: true, type: 'String', introduced: '1.0-preview', when: "the provider supports commitment discounts" },
  { id: 'CommitmentDiscountQuantity', level: 'Conditional', nullable: true, type: 'Decimal', introduced: '1.1', when: "the provider supports commitment discounts" },
  { id: 'CommitmentDiscountStatus', level: 'Conditional', nullable: true, type: 'String', allowed: ["Used", "Unused"], introduced: '1.0', when: "the provider supports commitment discounts" },
  { id: 'CommitmentDiscountType', level: 'Conditional', nullable: true, type: 'String', introduced: '1.0-preview', when: "the provider supports commitment discounts" },
  { id: 'CommitmentDiscountUnit', level: 'Conditional', nullable: true, type: 'String', introduced: '1.1', when: "the provider supports commitment discounts" },
  { id: 'ConsumedQuantity', level: 'Conditional', nullable: true, type: 'Decimal', introduced: '1.0', when: "the provider supports the measurement of usage" },
  { id: 'ConsumedUnit', level: 'Conditional', nullable: true, type: 'String', introduced: '1.0', when: "the provider supports the measurement of usage" },
  { id: 'ContractedCost', level: 'Mandatory', nullable: false, type: 'Decimal', introduced: '1.0' },
  { id: 'ContractedUnitPrice', level: 'Conditional', nullable: true, type: 'Decimal', introduced: '1.0', when: "the provider supports negotiated pricing concepts" },
  { id: 'EffectiveCost', level: 'Mandatory', nullable: false, type: 'Decimal', introduced: '0.5' },
  { id: 'InvoiceId', level: 'Recommended', nullable: true, type: 'String', introduced: '1.2' },
  { id: 'InvoiceIssuerName', level: 'Mandatory', nullable: false, type: 'String', introduced: '0.5' },
  { id: 'ListCost', level: 'Mandatory', nullable: false, type: 'Decimal', introduced: '1.0-preview' },
  { id: 'ListUnitPrice', level: 'Conditional', nullable: true, type: 'Decimal', introduced: '1.0-preview', when: "the provider publishes unit prices exclusive of discounts" },
  { id: 'PricingCategory', level: 'Conditional', nullable: true, type: 'String', allowed: ["Standard", "Dynamic", "Committed", "Other"], introduced: '1.0-preview', when: "the provider supports more than one pricing category across all SKUs" },
  { id: 'PricingCurrency', level: 'Conditional', nullable: true, type: 'String', introduced: '1.2', when: "the provider supports pricing and billing in different currencies" },
  { id: 'PricingCurrencyContractedUnitPrice', level: 'Conditional', nullable: true, type: 'Decimal', introduced: '1.2', when: "the provider supports prices in virtual currency and publishes unit prices exclusive of discounts" },
  { id: 'PricingCurrencyEffectiveCost', level: 'Conditional', nullable: true, type: 'Decimal', introduced: '1.2', when: "the provider supports prices in virtual currency and publishes unit prices exclusive of discounts" },
  { id: 'PricingCurrencyListUnitPrice', level: 'Conditional', nullable: true, type: 'Decimal', introduced: '1.2', when: "the provider supports prices in virtual currency and publishes unit prices exclusive of discounts" },
  { id: 'PricingQuantity', level: 'Mandatory', nullable: true, type: 'Decimal', introduced: '1.0-preview' },
  { id: 'PricingUnit', level: 'Mandatory', nullable: true, type: 'String', introduced: '1.0-preview' },
  { id: 'ProviderName', level: 'Mandatory', nullable: false, type: 'String', introduced: '0.5' },
  { id: 'PublisherName', level: 'Mandatory', nullable: false, type: 'String', introduced: '0.5' },
  { id: 'RegionId', level: 'Conditional', nullable: true, type: 'String', introduced: '1.0', when: "the provider supports deploying resources or services within a region" },
  { id: 'RegionName', level: 'Conditional', nullable: true, type: 'String', introduced: '1.0', when: "the provider supports deploying resources or services within a region" },
  { id: 'ResourceId', level: 'Conditional', nullable: true, type: 'String', introduced: '0.5', when: "the provider supports billing based on provisioned resources" },
  { id: 'ResourceName', level: 'Conditional', nullable: true, type: 'String', introduced: '0.5', when: "the provider supports billing based on provisioned resources" },
  { id: 'ResourceType', level: 'Conditional', nullable: true, type: 'String', introduced: '1.0-preview', when: "the provider supports billing based on provisioned resources and supports assigning types to resources" },
  { id: 'ServiceCategory', level: 'Mandatory', nullable: false, type: 'String', allowed: ["AI and Machine Learning", "Analytics", "Business Applications", "Compute", "Databases", "Developer Tools", "Multicloud", "Identity", "Integration", "Internet of Things", "Management and Governance", "Media", "Migration", "Mobile", "Networking", "Security", "Storage", "Web", "Other"], introduced: '0.5' },
  { id: 'ServiceName', level: 'Mandatory', nullable: false, type: 'String', introduced: '0.5' },
  { id: 'ServiceSubcategory', level: 'Recommended', nullable: false, type: 'String', allowed: 'see SERVICE_SUBCATEGORIES', introduced: '1.1' },
  { id: 'SkuId', level: 'Conditional', nullable: true, type: 'String', introduced: '1.0-preview', when: "the provider supports unit pricing concepts and publishes price lists, publicly or as part of contracting" },
  { id: 'SkuMeter', level: 'Conditional', nullable: true, type: 'String', introduced: '1.1', when: "the provider supports unit pricing concepts and publishes price lists, publicly or as part of contracting" },
  { id: 'SkuPriceDetails', level: 'Conditional', nullable: true, type: 'JSON', introduced: '1.1', when: "the provider supports unit pricing concepts and publishes price lists, publicly or as part of contracting" },
  { id: 'SkuPriceId', level: 'Conditional', nullable: true, type: 'String', introduced: '1.0-preview', when: "the provider supports unit pricing concepts and publishes price lists, publicly or as part of contracting" },
  { id: 'SubAccountId', level: 'Conditional', nullable: true, type: 'String', introduced: '0.5', when: "the provider supports a sub account construct" },
  { id: 'SubAccountName', level: 'Conditional', nullable: true, type: 'String', introduced: '0.5', when: "the provider supports a sub account construct" },
  { id: 'SubAccountType', level: 'Conditional', nullable: true, type: 'String', introduced: '1.2', when: "the provider supports more than one possible SubAccountType value" },
  { id: 'Tags', level: 'Conditional', nullable: true, type: 'JSON', introduced: '1.0-preview', when: "the provider supports setting user or provider-defined tags" },
];

/** ServiceSubcategory allowed values with the ServiceCategory each belongs to (1.2 servicesubcategory.md). */
export const SERVICE_SUBCATEGORIES: readonly (readonly [category: string, subcategory: string])[] = [
  ["AI and Machine Learning", "AI Platforms"],
  ["AI and Machine Learning", "Bots"],
  ["AI and Machine Learning", "Generative AI"],
  ["AI and Machine Learning", "Machine Learning"],
  ["AI and Machine Learning", "Natural Language Processing"],
  ["AI and Machine Learning", "Other (AI and Machine Learning)"],
  ["Analytics", "Analytics Platforms"],
  ["Analytics", "Business Intelligence"],
  ["Analytics", "Data Processing"],
  ["Analytics", "Search"],
  ["Analytics", "Streaming Analytics"],
  ["Analytics", "Other (Analytics)"],
  ["Business Applications", "Productivity and Collaboration"],
  ["Business Applications", "Other (Business Applications)"],
  ["Compute", "Containers"],
  ["Compute", "End User Computing"],
  ["Compute", "Quantum Compute"],
  ["Compute", "Serverless Compute"],
  ["Compute", "Virtual Machines"],
  ["Compute", "Other (Compute)"],
  ["Databases", "Caching"],
  ["Databases", "Data Warehouses"],
  ["Databases", "Ledger Databases"],
  ["Databases", "NoSQL Databases"],
  ["Databases", "Relational Databases"],
  ["Databases", "Time Series Databases"],
  ["Databases", "Other (Databases)"],
  ["Developer Tools", "Developer Platforms"],
  ["Developer Tools", "Continuous Integration and Deployment"],
  ["Developer Tools", "Development Environments"],
  ["Developer Tools", "Source Code Management"],
  ["Developer Tools", "Quality Assurance"],
  ["Developer Tools", "Other (Developer Tools)"],
  ["Identity", "Identity and Access Management"],
  ["Identity", "Other (Identity)"],
  ["Integration", "API Management"],
  ["Integration", "Messaging"],
  ["Integration", "Workflow Orchestration"],
  ["Integration", "Other (Integration)"],
  ["Internet of Things", "IoT Analytics"],
  ["Internet of Things", "IoT Platforms"],
  ["Internet of Things", "Other (Internet of Things)"],
  ["Management and Governance", "Architecture"],
  ["Management and Governance", "Compliance"],
  ["Management and Governance", "Cost Management"],
  ["Management and Governance", "Data Governance"],
  ["Management and Governance", "Disaster Recovery"],
  ["Management and Governance", "Endpoint Management"],
  ["Management and Governance", "Observability"],
  ["Management and Governance", "Support"],
  ["Management and Governance", "Other (Management and Governance)"],
  ["Media", "Content Creation"],
  ["Media", "Gaming"],
  ["Media", "Media Streaming"],
  ["Media", "Mixed Reality"],
  ["Media", "Other (Media)"],
  ["Migration", "Data Migration"],
  ["Migration", "Resource Migration"],
  ["Migration", "Other (Migration)"],
  ["Mobile", "Other (Mobile)"],
  ["Multicloud", "Multicloud Integration"],
  ["Multicloud", "Other (Multicloud)"],
  ["Networking", "Application Networking"],
  ["Networking", "Content Delivery"],
  ["Networking", "Network Connectivity"],
  ["Networking", "Network Infrastructure"],
  ["Networking", "Network Routing"],
  ["Networking", "Network Security"],
  ["Networking", "Other (Networking)"],
  ["Security", "Secret Management"],
  ["Security", "Security Posture Management"],
  ["Security", "Threat Detection and Response"],
  ["Security", "Other (Security)"],
  ["Storage", "Backup Storage"],
  ["Storage", "Block Storage"],
  ["Storage", "File Storage"],
  ["Storage", "Object Storage"],
  ["Storage", "Storage Platforms"],
  ["Storage", "Other (Storage)"],
  ["Web", "Application Platforms"],
  ["Web", "Other (Web)"],
  ["Other", "Other (Other)"],
];

/**
 * Columns FOCUS 1.3 adds (specification/datasets/cost_and_usage/columns/, file commit in `source`).
 * HostProviderName's file words "MUST NOT be null" in its bullets but "Allows nulls: True" in its
 * constraints table; the table (and our reference notes) say nullable, so nullable it is here.
 */
export const FOCUS_13_ADDED: readonly (SpecColumn & { source: string })[] = [
  { id: 'ServiceProviderName', level: 'Mandatory', nullable: false, type: 'String', introduced: '1.3', source: 'serviceprovidername.md@085459e3' },
  { id: 'HostProviderName', level: 'Mandatory', nullable: true, type: 'String', introduced: '1.3', source: 'hostprovidername.md@03c652c3' },
  { id: 'AllocatedMethodId', level: 'Conditional', nullable: true, type: 'String', introduced: '1.3', when: 'the provider supports provider-calculated split cost allocation', source: 'allocatedmethodid.md@0a167c5b' },
  { id: 'AllocatedMethodDetails', level: 'Recommended', nullable: true, type: 'JSON', introduced: '1.3', source: 'allocatedmethoddetails.md@0b91cb13' },
  { id: 'AllocatedResourceId', level: 'Conditional', nullable: true, type: 'String', introduced: '1.3', when: 'the provider supports provider-calculated split cost allocation', source: 'allocatedresourceid.md@00d4b9bd' },
  { id: 'AllocatedResourceName', level: 'Conditional', nullable: true, type: 'String', introduced: '1.3', when: 'the provider supports provider-calculated split cost allocation', source: 'allocatedresourcename.md' },
  { id: 'AllocatedTags', level: 'Conditional', nullable: true, type: 'JSON', introduced: '1.3', when: 'the provider supports provider-calculated split cost allocation', source: 'allocatedtags.md@005e8b61' },
  { id: 'ContractApplied', level: 'Conditional', nullable: true, type: 'JSON', introduced: '1.3', when: 'the provider supports contract commitments', source: 'contractapplied.md@096c1cb5' },
];

/** 1.2 columns deprecated in 1.3 that its files say MUST still be present and not null. */
export const FOCUS_13_DEPRECATED_STILL_MANDATORY = ['ProviderName', 'PublisherName'] as const;

/** The 65 columns of FOCUS 1.3 Cost and Usage. */
export const FOCUS_13_SPEC: readonly SpecColumn[] = [...FOCUS_12_SPEC, ...FOCUS_13_ADDED];

/** Date/time values: 'YYYY-MM-DDTHH:mm:ssZ' (specification/attributes/datetime_format.md, v1.2). */
export const FOCUS_DATETIME_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
