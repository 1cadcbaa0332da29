import { InvalidArgumentError, SchemaMismatchError } from '@mlops/contracts';
import { columnNames, readNumbers, readStrings } from './arrow-columns.js';
import type { ArrowTableLike } from './arrow-columns.js';
import type { AssetSpec } from './assets.js';
import { samplePriceCatalog } from './price-catalog.js';
import type { PriceCatalog } from './price-catalog.js';
import type { PricingModel } from './usage-input.js';

/** Options for {@link fromFocus}. */
export interface FromFocusOptions {
  /**
   * Column holding the instance type. Default: found per row in `x_InstanceType`, the
   * `SkuPriceDetails` keys `InstanceType` / `x_InstanceType`, an AWS-style `x_UsageType`
   * (`BoxUsage:p4d.24xlarge`, `SpotUsage:...`), or a `SkuId` that names a catalog instance type.
   */
  instanceTypeColumn?: string;
  /** Keep only rows whose ServiceCategory is one of these. Default `Compute` and `AI and Machine Learning`. */
  serviceCategories?: readonly string[];
  /** Catalog that instance types are looked up in (to recognise them in `SkuId`); capacity comes from it when attributing. Default `samplePriceCatalog()`. */
  prices?: PriceCatalog;
}

/** Why rows of a FOCUS table were not read as machine charges. */
export interface FromFocusSkipped {
  /** ChargeCategory other than Usage (purchases, tax, credits, adjustments). */
  notUsage: number;
  /** No ResourceId: not a machine. */
  noResource: number;
  /** ServiceCategory outside `serviceCategories`. */
  otherService: number;
  /** Usage on a machine's id that is not machine time: volumes, snapshots, data transfer, IOPS (ResourceType, PricingUnit, ServiceName, usage type). */
  notCompute: number;
}

/** A resource whose FOCUS rows carry more than one pricing model: charged hours per model. */
export interface FromFocusMixedPricing {
  /** The ResourceId. */
  node: string;
  /** The model the asset was given: the one with the most charged hours. */
  pricingModel: PricingModel;
  /** Charged hours (charge-period length) per pricing model found on the resource's rows. */
  hoursByModel: Partial<Record<PricingModel, number>>;
}

const HOURLY_UNIT = /^(hours?|hrs?|instance[- ]?hours?|vm[- ]?hours?|node[- ]?hours?|.*-hours?)$/i;
const MACHINE_TYPE = /instance|virtual ?machine|\bvm\b|node|server|host/i;
const NOT_MACHINE_SERVICE = /block store|\bebs\b|storage|disk|snapshot|data transfer|bandwidth|load balanc/i;
const RESERVATION = /reserv/i;
const SPOT_USAGE = /^(?:[A-Z]{2,4}\d?-)?SpotUsage\b/;
const MACHINE_USAGE = /^(?:[A-Z]{2,4}\d?-)?(?:BoxUsage|SpotUsage|HeavyUsage|DedicatedUsage|UnusedBox|ReservedHostUsage)(?::(.+))?$/;

/**
 * Reads a FOCUS export (a cloud bill, or `toFocus` output) as assets for `attributeCosts`: one
 * asset per `ResourceId` with machine-time Usage charges, living from its first to its last charge
 * period, with `hourlyCost` = EffectiveCost per hour of charge period and `listHourlyCost` from
 * ListCost. Only compute charges count: a row on a machine's id whose `ResourceType` is not a
 * machine, whose `PricingUnit` is not hours, whose `ServiceName` is storage or transfer, or whose
 * usage type is not instance time (an EBS volume line billed on the instance id) is skipped, so
 * it never inflates the node price. The instance type is found per row (see
 * {@link FromFocusOptions.instanceTypeColumn}), so attributing these assets reads GPU, vCPU and
 * memory capacity from the catalog by instance type. The pricing model comes from every row of the
 * resource, not its first: `PricingCategory` Dynamic is `spot`; Committed is `reserved` when
 * `CommitmentDiscountType` names a reservation (`Reserved Instance`, `Reservation`) and `committed`
 * otherwise; Standard is `on-demand`; a row without a PricingCategory (the column is Conditional, and
 * correction rows may leave it null) counts as spot when its AWS usage type is `SpotUsage`. A resource
 * whose rows disagree (a reservation covering part of its hours) takes the model of most of its
 * charged hours and is listed in `mixedPricing`. Skipped rows are counted by reason, never dropped
 * silently.
 *
 * @throws SchemaMismatchError when a required FOCUS column is missing; InvalidArgumentError when the
 *   table mixes currencies.
 */
export function fromFocus(
  table: ArrowTableLike,
  options: FromFocusOptions = {},
): { assets: AssetSpec[]; currency: string; skipped: number; skippedByReason: FromFocusSkipped; mixedPricing: FromFocusMixedPricing[] } {
  const names = columnNames(table);
  const need = ['ResourceId', 'ChargePeriodStart', 'ChargePeriodEnd', 'EffectiveCost', 'ChargeCategory', 'BillingCurrency'];
  const missing = need.filter((n) => !names.includes(n));
  if (missing.length) {
    throw new SchemaMismatchError(`fromFocus needs the FOCUS columns ${need.join(', ')}; missing: ${missing.join(', ')}.`, { problems: missing.map((m) => `missing ${m}`) });
  }
  const strings = (n: string): (string | null)[] => (names.includes(n) ? readStrings(table.getChild(n)!, n) : []);
  const time = (n: string) => {
    const v = table.getChild(n)!;
    if (v.type.typeId === 5 || v.type.typeId === -1) return Float64Array.from(readStrings(v, n), (s) => (s === null ? NaN : Date.parse(s)));
    return readNumbers(v, n, 'time');
  };
  const rid = strings('ResourceId');
  const cps = time('ChargePeriodStart');
  const cpe = time('ChargePeriodEnd');
  const eff = readNumbers(table.getChild('EffectiveCost')!, 'EffectiveCost', 'number');
  const list = names.includes('ListCost') ? readNumbers(table.getChild('ListCost')!, 'ListCost', 'number') : eff;
  const cat = strings('ChargeCategory');
  const cur = strings('BillingCurrency');
  const pc = strings('PricingCategory');
  const cdType = strings('CommitmentDiscountType');
  const sc = strings('ServiceCategory');
  const region = strings('RegionId');
  const rtype = strings('ResourceType');
  const punit = strings('PricingUnit');
  const service = strings('ServiceName');
  const skuId = strings('SkuId');
  const skuDetails = strings('SkuPriceDetails');
  const usageType = strings('x_UsageType');
  const itCol = options.instanceTypeColumn ?? (names.includes('x_InstanceType') ? 'x_InstanceType' : null);
  if (options.instanceTypeColumn && !names.includes(options.instanceTypeColumn)) {
    throw new SchemaMismatchError(`instanceTypeColumn "${options.instanceTypeColumn}" is not a column of this FOCUS table.`, { problems: [`missing ${options.instanceTypeColumn}`] });
  }
  const its = itCol ? strings(itCol) : [];
  const known = new Set((options.prices ?? samplePriceCatalog()).entries.map((e) => e.instanceType));
  const instanceTypeAt = (i: number): string | null => {
    if (its[i]) return its[i]!;
    if (skuDetails[i]) {
      try {
        const d = JSON.parse(skuDetails[i]!) as Record<string, unknown>;
        const v = d.InstanceType ?? d.x_InstanceType ?? d.x_instance_type;
        if (typeof v === 'string' && v) return v;
      } catch {
        // not JSON: fall through to the other sources
      }
    }
    const m = usageType[i] ? MACHINE_USAGE.exec(usageType[i]!) : null;
    if (m?.[1]) return m[1];
    if (skuId[i] && known.has(skuId[i]!)) return skuId[i]!;
    return null;
  };
  const isMachineTime = (i: number): boolean => {
    if (rtype[i]) return MACHINE_TYPE.test(rtype[i]!);
    if (usageType[i]) return MACHINE_USAGE.test(usageType[i]!);
    if (service[i] && NOT_MACHINE_SERVICE.test(service[i]!)) return false;
    return !punit[i] || HOURLY_UNIT.test(punit[i]!.trim());
  };
  // PricingCategory values (pricingcategory.md): Standard, Dynamic, Committed, Other.
  const pricingAt = (i: number): PricingModel | null => {
    const p = pc[i];
    if (p === 'Dynamic') return 'spot';
    if (p === 'Committed') return cdType[i] && RESERVATION.test(cdType[i]!) ? 'reserved' : 'committed';
    if (p === 'Standard' || p === 'Other') return 'on-demand';
    if (usageType[i] && SPOT_USAGE.test(usageType[i]!)) return 'spot';
    return null;
  };
  const wanted = new Set(options.serviceCategories ?? ['Compute', 'AI and Machine Learning']);
  const currencies = new Set<string>();
  const skippedByReason: FromFocusSkipped = { notUsage: 0, noResource: 0, otherService: 0, notCompute: 0 };
  const by = new Map<string, { start: number; end: number; cost: number; list: number; periods: Map<string, number>; pmHours: Map<PricingModel, number>; region: string | null; it: string | null }>();
  for (let i = 0; i < table.numRows; i++) {
    const id = rid[i];
    if (cat[i] !== 'Usage') skippedByReason.notUsage++;
    else if (!id) skippedByReason.noResource++;
    else if (sc.length && !wanted.has(sc[i] ?? '')) skippedByReason.otherService++;
    else if (!isMachineTime(i)) skippedByReason.notCompute++;
    else {
      currencies.add(cur[i] ?? '');
      let a = by.get(id);
      if (!a) {
        a = { start: Infinity, end: -Infinity, cost: 0, list: 0, periods: new Map(), pmHours: new Map(), region: region[i] ?? null, it: null };
        by.set(id, a);
      }
      a.it ??= instanceTypeAt(i);
      a.start = Math.min(a.start, cps[i]!);
      a.end = Math.max(a.end, cpe[i]!);
      a.cost += eff[i]!;
      a.list += Number.isNaN(list[i]!) ? eff[i]! : list[i]!;
      a.periods.set(`${cps[i]}|${cpe[i]}`, cpe[i]! - cps[i]!);
      const pm = pricingAt(i);
      if (pm) a.pmHours.set(pm, (a.pmHours.get(pm) ?? 0) + (cpe[i]! - cps[i]!) / 3_600_000);
    }
  }
  if (currencies.size > 1) {
    throw new InvalidArgumentError(`The FOCUS table mixes currencies (${[...currencies].join(', ')}); split it by BillingCurrency and read each part separately.`, {
      details: { currencies: [...currencies] },
    });
  }
  const assets: AssetSpec[] = [];
  const mixedPricing: FromFocusMixedPricing[] = [];
  for (const [node, a] of by) {
    let pm: PricingModel = 'on-demand';
    let most = -1;
    for (const [m, h] of a.pmHours) if (h > most) [pm, most] = [m, h];
    if (a.pmHours.size > 1) mixedPricing.push({ node, pricingModel: pm, hoursByModel: Object.fromEntries(a.pmHours) });
    const hours = [...a.periods.values()].reduce((s, v) => s + v, 0) / 3_600_000;
    assets.push({
      node,
      instanceType: a.it,
      region: a.region,
      pricingModel: pm,
      start: a.start,
      end: a.end,
      hourlyCost: hours > 0 ? a.cost / hours : 0,
      listHourlyCost: hours > 0 ? a.list / hours : 0,
    });
  }
  const skipped = skippedByReason.notUsage + skippedByReason.noResource + skippedByReason.otherService + skippedByReason.notCompute;
  return { assets, currency: [...currencies][0] ?? 'USD', skipped, skippedByReason, mixedPricing };
}
