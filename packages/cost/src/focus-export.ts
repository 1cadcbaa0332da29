import { Table } from 'apache-arrow';
import type { Vector } from 'apache-arrow';
import { InvalidArgumentError } from '@mlops/contracts';
import { float64Vector, timestampVector, utf8Vector } from './arrow-columns.js';
import type { ArrowTableLike } from './arrow-columns.js';
import { categoryAt, readCostTable } from './cost-table.js';
import { FOCUS_13_ALLOCATION, focusColumns } from './focus-columns.js';

/** Options for {@link toFocus}. */
export interface ToFocusOptions {
  /**
   * FOCUS version: `1.2` (default) or `1.3`. A 1.3 export adds `ServiceProviderName`,
   * `HostProviderName` and the allocation columns; a 1.2 export writes the allocation columns
   * `x_`-prefixed, since they are not FOCUS 1.2 columns.
   */
  version?: '1.2' | '1.3';
  /** BillingAccountId. Default `mlops`. */
  billingAccountId?: string;
  /** BillingAccountName. Default = billingAccountId. */
  billingAccountName?: string;
  /** SubAccountId (e.g. the cluster). Default null. */
  subAccountId?: string | null;
  /** SubAccountName. Default = subAccountId. */
  subAccountName?: string | null;
  /**
   * Who provides the compute: ProviderName, PublisherName, InvoiceIssuerName and (1.3)
   * ServiceProviderName. Default `Self-hosted`.
   */
  provider?: string;
  /** 1.3 HostProviderName: who runs the machines underneath (e.g. `AWS`). Default = `provider`. */
  hostProvider?: string;
  /** InvoiceIssuerName when another entity invoices (a reseller). Default = `provider`. */
  invoiceIssuer?: string;
  /** ServiceName. Default `ML compute (@mlops/cost)`. */
  serviceName?: string;
}

const KIND_PRICING_UNIT: Record<string, string> = { gpu: 'GPU-Hours', cpu: 'vCPU-Hours', memory: 'GiB-Hours', storage: 'GiB-Hours', network: 'GiB' };

// Conditional FOCUS columns for features a cost table never has (billing-account or sub-account
// types, capacity reservations, a pricing currency other than the billing currency, contract
// commitments): the spec asks for them only when the provider supports the feature, so they are
// left out rather than written all-null (BillingAccountType, for one, must not be null if present).
const NOT_SUPPORTED = new Set([
  'BillingAccountType', 'SubAccountType', 'CapacityReservationId', 'CapacityReservationStatus', 'PricingCurrency',
  'PricingCurrencyContractedUnitPrice', 'PricingCurrencyEffectiveCost', 'PricingCurrencyListUnitPrice', 'ContractApplied',
]);
const ALLOCATION = new Set<string>(FOCUS_13_ALLOCATION);
const EXTRAS = ['x_InstanceType', 'x_Allocation', 'x_Node', 'x_PriceSource', 'x_CostMicros'] as const;

function monthBounds(ms: number): [number, number] {
  const d = new Date(ms);
  return [Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1), Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)];
}

function pricingCategory(pm: string | null): string {
  if (pm === 'spot') return 'Dynamic';
  if (pm === 'reserved' || pm === 'committed') return 'Committed';
  return 'Standard';
}

/** The columns (in order) a `toFocus` export of `version` has. */
export function focusExportColumns(version: '1.2' | '1.3'): string[] {
  const spec = focusColumns(version).filter((c) => !NOT_SUPPORTED.has(c.id));
  const focus = spec.filter((c) => version === '1.3' || !ALLOCATION.has(c.id)).map((c) => c.id);
  const allocation = version === '1.3' ? [] : FOCUS_13_ALLOCATION.map((c) => `x_${c}`);
  return [...focus, ...allocation, ...EXTRAS];
}

/**
 * A FinOps FOCUS Cost and Usage table from a cost table: one charge per cost row. It has every
 * Mandatory and Recommended column of the version and the Conditional ones a cost table can fill
 * (column IDs as the spec's column files define them: `ProviderName`, `PublisherName`,
 * `InvoiceIssuerName`; in 1.3 also `ServiceProviderName` and `HostProviderName`). The allocation
 * columns describe how a node's cost was split: `AllocatedMethodDetails` holds `AllocatedRatio`
 * per origin charge (a node's resource in one window), summing to 1; the idle (unallocated) part
 * has a null `AllocatedResourceId`. In a 1.2 export these are `x_`-prefixed. `x_` extras:
 * `x_InstanceType`, `x_Allocation`, `x_Node`, `x_PriceSource`, `x_CostMicros`. Spot is
 * `PricingCategory = Dynamic`; `ListCost` is the on-demand equivalent. Costs are Float64 in the
 * billing currency (exact to 6 decimals; `writeFocusCsv` writes exact decimals).
 */
export function toFocus(costs: ArrowTableLike, options: ToFocusOptions = {}): Table {
  const version = options.version ?? '1.2';
  if (version !== '1.2' && version !== '1.3') throw new InvalidArgumentError(`FOCUS version should be '1.2' or '1.3', found ${String(version)}.`);
  const c = readCostTable(costs);
  const n = c.n;
  const currency = c.meta?.currency ?? 'USD';
  const methodId = c.meta?.method ?? 'unknown';
  const account = options.billingAccountId ?? 'mlops';
  const provider = options.provider ?? 'Self-hosted';
  const service = options.serviceName ?? 'ML compute (@mlops/cost)';
  const specTypes = new Map(focusColumns('1.3').map((s) => [s.id, s.type]));
  const names = focusExportColumns(version);
  const typeOf = (name: string) => (name === 'x_CostMicros' ? 'Decimal' : specTypes.get(name.replace(/^x_/, '')) ?? 'String');
  const str: Record<string, (string | null)[]> = {};
  const num: Record<string, Float64Array> = {};
  for (const name of names) {
    const t = typeOf(name);
    if (t === 'Decimal') num[name] = new Float64Array(n).fill(NaN);
    else if (t === 'DateTime') num[name] = new Float64Array(n);
    else str[name] = new Array<string | null>(n).fill(null);
  }
  // Writes go to a scratch sink when the version has no such column.
  const S = (name: string): (string | null)[] => str[name] ?? str[`x_${name}`] ?? [];
  const N = (name: string): Float64Array => num[name] ?? num[`x_${name}`] ?? new Float64Array(n);

  // Origin charge = (window, node, resource): the node cost each row is a share of.
  const originTotal = new Map<string, number>();
  const originKey = (i: number) => `${c.windowStart[i]}|${categoryAt(c.node, i) ?? `~${categoryAt(c.instanceType, i)}`}|${categoryAt(c.resourceKind, i)}`;
  for (let i = 0; i < n; i++) originTotal.set(originKey(i), (originTotal.get(originKey(i)) ?? 0) + c.totalMicros[i]!);

  for (let i = 0; i < n; i++) {
    const kind = categoryAt(c.resourceKind, i) ?? 'gpu';
    const node = categoryAt(c.node, i);
    const it = categoryAt(c.instanceType, i);
    const region = categoryAt(c.region, i);
    const pm = categoryAt(c.pricingModel, i);
    const isIdle = categoryAt(c.allocation, i) === 'idle';
    const committed = pm === 'reserved' || pm === 'committed';
    const total = c.totalMicros[i]! / 1e6;
    const list = c.listMicros[i]! / 1e6;
    const qty = c.quantityHours[i]!;
    const unit = KIND_PRICING_UNIT[kind] ?? 'Hours';
    const [bs, be] = monthBounds(c.windowStart[i]!);
    N('BillingPeriodStart')[i] = bs;
    N('BillingPeriodEnd')[i] = be;
    N('ChargePeriodStart')[i] = c.windowStart[i]!;
    N('ChargePeriodEnd')[i] = c.windowEnd[i]!;
    N('BilledCost')[i] = total;
    N('EffectiveCost')[i] = total;
    N('ContractedCost')[i] = total;
    N('ListCost')[i] = list;
    N('PricingQuantity')[i] = qty;
    // Unit prices must not be null on Usage rows; a row that held nothing has no price of its own.
    N('ListUnitPrice')[i] = qty > 0 ? list / qty : 0;
    N('ContractedUnitPrice')[i] = qty > 0 ? total / qty : 0;
    N('x_CostMicros')[i] = c.totalMicros[i]!;
    S('BillingAccountId')[i] = account;
    S('BillingAccountName')[i] = options.billingAccountName ?? account;
    S('BillingCurrency')[i] = currency;
    S('ChargeCategory')[i] = 'Usage';
    S('ChargeFrequency')[i] = 'Usage-Based';
    const labels = c.labels
      .map((l) => [l.key, categoryAt(l.cats, i)] as const)
      .filter((kv): kv is readonly [string, string] => kv[1] !== null);
    S('ChargeDescription')[i] = isIdle
      ? `Idle ${kind} on ${node ?? it ?? '?'}${it ? ` (${it})` : ''}`
      : `${kind} on ${node ?? it ?? '?'}${it && node ? ` (${it})` : ''}${labels.length ? ` for ${labels.map(([k, v]) => `${k}=${v}`).join(', ')}` : ''}`;
    S('PricingUnit')[i] = unit;
    S('InvoiceIssuerName')[i] = options.invoiceIssuer ?? provider;
    S('ProviderName')[i] = provider;
    S('PublisherName')[i] = provider;
    S('ServiceProviderName')[i] = provider;
    S('HostProviderName')[i] = options.hostProvider ?? provider;
    S('ServiceCategory')[i] = kind === 'storage' ? 'Storage' : kind === 'network' ? 'Networking' : 'Compute';
    S('ServiceSubcategory')[i] = kind === 'storage' ? 'Block Storage' : kind === 'network' ? 'Other (Networking)' : 'Virtual Machines';
    S('ServiceName')[i] = service;
    S('SubAccountId')[i] = options.subAccountId ?? null;
    S('SubAccountName')[i] = options.subAccountId ? (options.subAccountName ?? options.subAccountId) : null;
    S('PricingCategory')[i] = pricingCategory(pm);
    if (committed) {
      S('CommitmentDiscountCategory')[i] = 'Usage';
      S('CommitmentDiscountId')[i] = `${node ?? it}:${pm}`;
      S('CommitmentDiscountName')[i] = `${node ?? it}:${pm}`;
      S('CommitmentDiscountType')[i] = pm === 'reserved' ? 'Reserved Instance' : 'Committed Use';
      S('CommitmentDiscountStatus')[i] = isIdle ? 'Unused' : 'Used';
      N('CommitmentDiscountQuantity')[i] = qty;
      S('CommitmentDiscountUnit')[i] = unit;
    }
    // ConsumedQuantity is null for the unused part of a commitment (spec: consumedquantity.md).
    if (!(committed && isIdle)) {
      N('ConsumedQuantity')[i] = c.usageHours[i]!;
      S('ConsumedUnit')[i] = unit;
    }
    S('RegionId')[i] = region;
    S('RegionName')[i] = region;
    S('ResourceId')[i] = node;
    S('ResourceName')[i] = node;
    S('ResourceType')[i] = node ? (kind === 'storage' ? 'Volume' : 'Virtual Machine') : null;
    S('SkuId')[i] = it ?? kind;
    S('SkuPriceId')[i] = `${it ?? kind}:${region ?? 'any'}:${pm ?? 'on-demand'}:${kind}`;
    S('SkuMeter')[i] = KIND_PRICING_UNIT[kind] ?? null;
    S('SkuPriceDetails')[i] = JSON.stringify({ x_ResourceKind: kind, x_InstanceType: it });
    S('Tags')[i] = JSON.stringify(Object.fromEntries(labels));
    const origin = originTotal.get(originKey(i))!;
    S('AllocatedMethodId')[i] = methodId;
    S('AllocatedMethodDetails')[i] = JSON.stringify({
      Elements: [{ AllocatedRatio: origin !== 0 ? c.totalMicros[i]! / origin : 0, UsageUnit: unit, UsageQuantity: qty }],
      x_Basis: c.meta?.basis ?? null,
      x_Idle: c.meta?.idle ?? null,
      x_Shared: c.meta?.shared ?? null,
    });
    // The unallocated (idle) part of an origin charge has no allocated resource (allocatedresourceid.md).
    const target = isIdle ? null : labels.find(([k]) => k === 'job')?.[1] ?? (labels.length ? labels.map(([k, v]) => `${k}=${v}`).join(',') : '__unlabeled__');
    S('AllocatedResourceId')[i] = target;
    S('AllocatedResourceName')[i] = target;
    S('AllocatedTags')[i] = isIdle ? null : JSON.stringify(Object.fromEntries(labels));
    S('x_InstanceType')[i] = it;
    S('x_Allocation')[i] = isIdle ? 'idle' : 'workload';
    S('x_Node')[i] = node;
    S('x_PriceSource')[i] = c.meta?.priceSource ?? null;
  }
  const columns: Record<string, Vector> = {};
  for (const name of names) {
    const t = typeOf(name);
    columns[name] = t === 'DateTime' ? timestampVector(num[name]!) : t === 'Decimal' ? float64Vector(num[name]!, true) : utf8Vector(str[name]!);
  }
  const table = new Table(columns);
  table.schema.metadata.set('focus.version', version);
  return table;
}
