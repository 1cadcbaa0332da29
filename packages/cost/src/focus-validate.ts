import { columnNames, readNumbers, readStrings } from './arrow-columns.js';
import type { ArrowTableLike, ArrowVectorLike } from './arrow-columns.js';
import { FOCUS_DATETIME_FORMAT, FOCUS_SERVICE_SUBCATEGORIES, focusColumns } from './focus-columns.js';

/** Options for {@link validateFocus}. */
export interface ValidateFocusOptions {
  /** FOCUS version to check against. Default: schema metadata `focus.version`, else `1.3` when `ServiceProviderName` is present, else `1.2`. */
  version?: '1.2' | '1.3';
}

// Conditional nullability from the column files: [column, the column it follows]. The column MUST
// be null when the other is null, and (second list) MUST NOT be null when it is not.
const NULL_WITH: readonly [string, string][] = [
  ['BillingAccountType', 'BillingAccountId'], ['CapacityReservationStatus', 'CapacityReservationId'],
  ['CommitmentDiscountCategory', 'CommitmentDiscountId'], ['CommitmentDiscountName', 'CommitmentDiscountId'],
  ['CommitmentDiscountStatus', 'CommitmentDiscountId'], ['CommitmentDiscountType', 'CommitmentDiscountId'],
  ['CommitmentDiscountUnit', 'CommitmentDiscountQuantity'], ['ConsumedUnit', 'ConsumedQuantity'], ['PricingUnit', 'PricingQuantity'],
  ['RegionName', 'RegionId'], ['ResourceName', 'ResourceId'],
];
const NOT_NULL_WITH: readonly [string, string][] = [
  ['BillingAccountType', 'BillingAccountId'], ['CommitmentDiscountCategory', 'CommitmentDiscountId'], ['CommitmentDiscountType', 'CommitmentDiscountId'],
  ['CommitmentDiscountUnit', 'CommitmentDiscountQuantity'], ['ConsumedUnit', 'ConsumedQuantity'], ['PricingUnit', 'PricingQuantity'], ['RegionName', 'RegionId'],
];
// Null when ChargeCategory is "Tax"; not null for non-correction Usage and Purchase charges.
const PRICED = ['PricingCategory', 'ListUnitPrice', 'ContractedUnitPrice', 'PricingQuantity', 'PricingCurrencyContractedUnitPrice', 'PricingCurrencyListUnitPrice'];

type Cell = string | number | null;

function cellsOf(v: ArrowVectorLike, name: string): Cell[] {
  const id = v.type.typeId;
  if (id === 2 || id === 3 || id === 7 || id === 10 || id === 8) {
    return Array.from(readNumbers(v, name, id === 10 || id === 8 ? 'time' : 'number'), (x) => (Number.isNaN(x) ? null : x));
  }
  return readStrings(v, name);
}

/**
 * Checks a FOCUS Cost and Usage table against the column rules of its version, as the spec's
 * column files state them (see `FOCUS_12_COLUMNS` / `FOCUS_13_COLUMNS`): every Mandatory column
 * present; every other column a FOCUS column of that version or `x_`-prefixed; each column's data
 * type (String, Decimal, Date/Time as a timestamp or a `YYYY-MM-DDTHH:mm:ssZ` string, JSON
 * objects); "Allows nulls: False" columns without nulls; allowed values (ServiceSubcategory under
 * its ServiceCategory); the conditional null rules between columns (ResourceName with ResourceId,
 * PricingCategory and unit prices on Usage/Purchase and Tax charges, the commitment columns with
 * CommitmentDiscountId, ...); ISO 4217 BillingCurrency; charge periods inside billing periods; and
 * `AllocatedRatio`s of one origin charge summing to 1. Returns the problems found (empty = valid),
 * at most three example rows per rule.
 */
export function validateFocus(table: ArrowTableLike, options: ValidateFocusOptions = {}): string[] {
  const problems: string[] = [];
  const names = columnNames(table);
  const meta = table.schema.metadata?.get('focus.version');
  const version = options.version ?? (meta === '1.2' || meta === '1.3' ? meta : names.includes('ServiceProviderName') ? '1.3' : '1.2');
  const spec = focusColumns(version);
  const byId = new Map(spec.map((c) => [c.id, c]));
  for (const c of spec) if (c.level === 'Mandatory' && !names.includes(c.id)) problems.push(`missing Mandatory column ${c.id} (FOCUS ${version})`);
  for (const n of names) if (!byId.has(n) && !n.startsWith('x_')) problems.push(`column ${n} is not a FOCUS ${version} column and lacks the x_ prefix`);
  const rows = table.numRows;
  const seen = new Map<string, number>();
  const bad = (rule: string, i: number) => {
    const k = seen.get(rule) ?? 0;
    seen.set(rule, k + 1);
    if (k < 3) problems.push(`${rule} (row ${i})`);
  };
  const cols = new Map<string, Cell[]>();
  for (const n of names) {
    const c = byId.get(n);
    if (!c) continue;
    const v = table.getChild(n)!;
    const id = v.type.typeId;
    const isString = id === 5 || id === -1;
    const ok = c.type === 'Decimal' ? id === 2 || id === 3 || id === 7 : c.type === 'DateTime' ? id === 10 || id === 8 || isString : isString;
    if (!ok) {
      problems.push(`${n} should be of type ${c.type}, found Arrow type ${String(v.type)}`);
      continue;
    }
    const cells = cellsOf(v, n);
    cols.set(n, cells);
    for (let i = 0; i < rows; i++) {
      const x = cells[i];
      if (x === null || x === undefined) {
        if (!c.nullable) bad(`${n} must not be null`, i);
        continue;
      }
      if (c.allowed && !c.allowed.includes(String(x))) bad(`${n} "${String(x)}" is not an allowed value`, i);
      if (c.type === 'DateTime' && typeof x === 'string' && !FOCUS_DATETIME_FORMAT.test(x)) bad(`${n} "${x}" is not a YYYY-MM-DDTHH:mm:ssZ date/time`, i);
      if (c.type === 'JSON') {
        let o: unknown;
        try {
          o = JSON.parse(String(x));
        } catch {
          o = undefined;
        }
        if (typeof o !== 'object' || o === null || Array.isArray(o)) bad(`${n} must be a JSON object`, i);
      }
    }
  }
  const col = (n: string) => cols.get(n);
  const cat = col('ChargeCategory');
  const cls = col('ChargeClass');
  const sc = col('ServiceCategory');
  const sub = col('ServiceSubcategory');
  const cur = col('BillingCurrency');
  for (let i = 0; i < rows; i++) {
    if (sc && sub && sub[i] !== null && !(FOCUS_SERVICE_SUBCATEGORIES[String(sc[i])] ?? []).includes(String(sub[i]))) {
      bad(`ServiceSubcategory "${sub[i]}" is not a sub-category of ServiceCategory "${sc[i]}"`, i);
    }
    if (cur && cur[i] !== null && !/^[A-Z]{3}$/.test(String(cur[i]))) bad('BillingCurrency must be an ISO 4217 code', i);
    for (const [a, b] of NULL_WITH) if (col(a) && col(b) && col(b)![i] === null && col(a)![i] !== null) bad(`${a} must be null when ${b} is null`, i);
    for (const [a, b] of NOT_NULL_WITH) if (col(a) && col(b) && col(b)![i] !== null && col(a)![i] === null) bad(`${a} must not be null when ${b} is not null`, i);
    if (cat) {
      for (const p of PRICED) {
        const v = col(p);
        if (!v) continue;
        if (cat[i] === 'Tax' && v[i] !== null) bad(`${p} must be null when ChargeCategory is Tax`, i);
        if ((cat[i] === 'Usage' || cat[i] === 'Purchase') && cls?.[i] !== 'Correction' && v[i] === null) bad(`${p} must not be null for Usage/Purchase charges`, i);
      }
      const cq = col('ConsumedQuantity');
      if (cq && cq[i] !== null && (cat[i] !== 'Usage' || col('CommitmentDiscountStatus')?.[i] === 'Unused')) {
        bad('ConsumedQuantity must be null unless ChargeCategory is Usage and the commitment is not Unused', i);
      }
      const cds = col('CommitmentDiscountStatus');
      if (cds && cat[i] === 'Usage' && col('CommitmentDiscountId')?.[i] !== null && cds[i] === null) bad('CommitmentDiscountStatus must not be null for Usage charges with a CommitmentDiscountId', i);
    }
  }
  const time = (n: string) => col(n)?.map((x) => (typeof x === 'string' ? Date.parse(x) : x));
  const [cps, cpe, bps, bpe] = ['ChargePeriodStart', 'ChargePeriodEnd', 'BillingPeriodStart', 'BillingPeriodEnd'].map(time);
  if (cps && cpe && bps && bpe) {
    for (let i = 0; i < rows; i++) {
      if (!((cpe[i] ?? NaN) > (cps[i] ?? NaN))) bad('ChargePeriodEnd must be after ChargePeriodStart', i);
      if ((cps[i] ?? 0) < (bps[i] ?? 0) || (cpe[i] ?? 0) > (bpe[i] ?? 0)) bad('the charge period must lie inside the billing period', i);
    }
  }
  // AllocatedRatio per origin charge (x_ form in a 1.2 export); origin = window, node (or SKU), resource kind.
  const details = col('AllocatedMethodDetails') ?? (names.includes('x_AllocatedMethodDetails') ? readStrings(table.getChild('x_AllocatedMethodDetails')!, 'x_AllocatedMethodDetails') : undefined);
  if (details && names.includes('x_Node') && cps) {
    const node = readStrings(table.getChild('x_Node')!, 'x_Node');
    const sku = col('SkuPriceDetails');
    const sums = new Map<string, number>();
    for (let i = 0; i < rows; i++) {
      if (!details[i]) continue;
      let d: { Elements?: { AllocatedRatio?: number }[] };
      try {
        d = JSON.parse(String(details[i])) as typeof d;
      } catch {
        continue;
      }
      if (!Array.isArray(d.Elements) || d.Elements.some((e) => typeof e.AllocatedRatio !== 'number')) {
        bad('AllocatedMethodDetails needs Elements[] with a numeric AllocatedRatio', i);
        continue;
      }
      const kind = (JSON.parse(String(sku?.[i] ?? '{}')) as { x_ResourceKind?: string }).x_ResourceKind;
      const key = `${cps[i]}|${node[i] ?? `~${sku?.[i]}`}|${kind}`;
      sums.set(key, (sums.get(key) ?? 0) + d.Elements.reduce((s, e) => s + e.AllocatedRatio!, 0));
    }
    for (const [k, v] of sums) if (v !== 0 && Math.abs(v - 1) > 1e-9) problems.push(`AllocatedRatio of origin charge ${k} sums to ${v}, not 1`);
  }
  return problems;
}
