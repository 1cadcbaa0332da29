import { Table } from 'apache-arrow';
import type { Vector } from 'apache-arrow';
import { InvalidArgumentError, SchemaMismatchError, loadOptionalPeer } from '@mlops/contracts';
import { columnNames, float64Vector, readNumbers, readStrings, timestampVector, utf8Vector } from './arrow-columns.js';
import type { ArrowTableLike } from './arrow-columns.js';
import type { AssetSpec } from './assets.js';
import { categoryAt, readCostTable } from './cost-table.js';
import { csvField } from './csv.js';
import {
  FOCUS_12_CONDITIONAL, FOCUS_12_MANDATORY, FOCUS_12_RECOMMENDED, FOCUS_13_ALLOCATION, FOCUS_13_RENAMES, FOCUS_CHARGE_CATEGORIES,
  FOCUS_DATETIME_COLUMNS, FOCUS_DECIMAL_COLUMNS, FOCUS_JSON_COLUMNS, FOCUS_PRICING_CATEGORIES, FOCUS_SERVICE_CATEGORIES,
} from './focus-columns.js';
import { formatMicros } from './money.js';
import type { PricingModel } from './usage-input.js';

/** Options for {@link toFocus}. */
export interface ToFocusOptions {
  /** FOCUS version: `1.2` (default; 57 columns plus the 1.3 allocation columns) or `1.3` (1.3 column names). */
  version?: '1.2' | '1.3';
  /** BillingAccountId. Default `mlops`. */
  billingAccountId?: string;
  /** BillingAccountName. Default = billingAccountId. */
  billingAccountName?: string;
  /** SubAccountId (e.g. the cluster). Default null. */
  subAccountId?: string | null;
  /** Provider / InvoiceIssuer / Publisher of the underlying compute (e.g. `AWS`). Default `Self-hosted`. */
  provider?: string;
  /** ServiceName. Default `ML compute (@mlops/cost)`. */
  serviceName?: string;
}

const KIND_PRICING_UNIT: Record<string, string> = { gpu: 'GPU-Hours', cpu: 'vCPU-Hours', memory: 'GiB-Hours', storage: 'GiB-Hours', network: 'GiB' };

function monthBounds(ms: number): [number, number] {
  const d = new Date(ms);
  return [Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1), Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)];
}

function pricingCategory(pm: string | null): string {
  if (pm === 'spot') return 'Dynamic';
  if (pm === 'reserved' || pm === 'committed') return 'Committed';
  return 'Standard';
}

/**
 * A FinOps FOCUS Cost and Usage table from a cost table: one charge per cost row, with every
 * FOCUS 1.2 column (nulls where a column does not apply), the 1.3 allocation columns
 * (`AllocatedMethodId`, `AllocatedMethodDetails` with `AllocatedRatio` per origin charge — a
 * node's resource in one window — summing to 1, `AllocatedResourceId`, `AllocatedTags`) and
 * `x_`-prefixed extras (`x_InstanceType`, `x_Allocation`, `x_CostMicros`). Spot is
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
  // Origin charge = (window, node, resource): the node cost each row is a share of.
  const originTotal = new Map<string, number>();
  const originKey = (i: number) => `${c.windowStart[i]}|${categoryAt(c.node, i) ?? `~${categoryAt(c.instanceType, i)}`}|${categoryAt(c.resourceKind, i)}`;
  for (let i = 0; i < n; i++) originTotal.set(originKey(i), (originTotal.get(originKey(i)) ?? 0) + c.totalMicros[i]!);

  const str: Record<string, (string | null)[]> = {};
  const num: Record<string, Float64Array> = {};
  const time: Record<string, Float64Array> = {};
  const S = (name: string) => (str[name] = new Array<string | null>(n).fill(null));
  for (const name of [...FOCUS_12_MANDATORY, ...FOCUS_12_RECOMMENDED, ...FOCUS_12_CONDITIONAL, ...FOCUS_13_ALLOCATION]) {
    if ((FOCUS_DECIMAL_COLUMNS as readonly string[]).includes(name)) num[name] = new Float64Array(n).fill(NaN);
    else if ((FOCUS_DATETIME_COLUMNS as readonly string[]).includes(name)) time[name] = new Float64Array(n);
    else S(name);
  }
  for (const x of ['x_InstanceType', 'x_Allocation', 'x_Node', 'x_PriceSource']) S(x);
  num.x_CostMicros = new Float64Array(n);
  const s = str as Record<string, (string | null)[]>;
  for (let i = 0; i < n; i++) {
    const kind = categoryAt(c.resourceKind, i) ?? 'gpu';
    const node = categoryAt(c.node, i);
    const it = categoryAt(c.instanceType, i);
    const region = categoryAt(c.region, i);
    const pm = categoryAt(c.pricingModel, i);
    const isIdle = categoryAt(c.allocation, i) === 'idle';
    const total = c.totalMicros[i]! / 1e6;
    const list = c.listMicros[i]! / 1e6;
    const qty = c.quantityHours[i]!;
    const [bs, be] = monthBounds(c.windowStart[i]!);
    time.BillingPeriodStart![i] = bs;
    time.BillingPeriodEnd![i] = be;
    time.ChargePeriodStart![i] = c.windowStart[i]!;
    time.ChargePeriodEnd![i] = c.windowEnd[i]!;
    num.BilledCost![i] = total;
    num.EffectiveCost![i] = total;
    num.ContractedCost![i] = total;
    num.ListCost![i] = list;
    num.PricingQuantity![i] = qty;
    num.ConsumedQuantity![i] = c.usageHours[i]!;
    num.ListUnitPrice![i] = qty > 0 ? list / qty : NaN;
    num.ContractedUnitPrice![i] = qty > 0 ? total / qty : NaN;
    num.x_CostMicros![i] = c.totalMicros[i]!;
    s.BillingAccountId![i] = account;
    s.BillingAccountName![i] = options.billingAccountName ?? account;
    s.BillingCurrency![i] = currency;
    s.ChargeCategory![i] = 'Usage';
    s.ChargeFrequency![i] = 'Usage-Based';
    const labels = c.labels
      .map((l) => [l.key, categoryAt(l.cats, i)] as const)
      .filter((kv): kv is readonly [string, string] => kv[1] !== null);
    s.ChargeDescription![i] = isIdle
      ? `Idle ${kind} on ${node ?? it ?? '?'}${it ? ` (${it})` : ''}`
      : `${kind} on ${node ?? it ?? '?'}${it && node ? ` (${it})` : ''}${labels.length ? ` for ${labels.map(([k, v]) => `${k}=${v}`).join(', ')}` : ''}`;
    s.PricingUnit![i] = KIND_PRICING_UNIT[kind] ?? 'Hours';
    s.ConsumedUnit![i] = KIND_PRICING_UNIT[kind] ?? 'Hours';
    s.InvoiceIssuer![i] = provider;
    s.Provider![i] = provider;
    s.Publisher![i] = provider;
    s.ServiceCategory![i] = kind === 'storage' ? 'Storage' : kind === 'network' ? 'Networking' : 'Compute';
    s.ServiceSubcategory![i] = kind === 'storage' ? 'Block Storage' : kind === 'network' ? 'Other (Networking)' : 'Virtual Machines';
    s.ServiceName![i] = service;
    s.SubAccountId![i] = options.subAccountId ?? null;
    s.PricingCategory![i] = pricingCategory(pm);
    if (pm === 'reserved' || pm === 'committed') {
      s.CommitmentDiscountCategory![i] = 'Usage';
      s.CommitmentDiscountId![i] = `${node ?? it}:${pm}`;
      s.CommitmentDiscountType![i] = pm === 'reserved' ? 'Reserved Instance' : 'Committed Use';
      s.CommitmentDiscountStatus![i] = isIdle ? 'Unused' : 'Used';
    }
    s.RegionId![i] = region;
    s.RegionName![i] = region;
    s.ResourceId![i] = node;
    s.ResourceName![i] = node;
    s.ResourceType![i] = node ? (kind === 'storage' ? 'Volume' : 'Virtual Machine') : null;
    s.SkuId![i] = it ?? kind;
    s.SkuPriceId![i] = `${it ?? kind}:${region ?? 'any'}:${pm ?? 'on-demand'}:${kind}`;
    s.SkuMeter![i] = KIND_PRICING_UNIT[kind] ?? null;
    s.SkuPriceDetails![i] = JSON.stringify({ x_ResourceKind: kind, x_InstanceType: it });
    s.Tags![i] = JSON.stringify(Object.fromEntries(labels));
    const origin = originTotal.get(originKey(i))!;
    s.AllocatedMethodId![i] = methodId;
    s.AllocatedMethodDetails![i] = JSON.stringify({
      Elements: [{ AllocatedRatio: origin !== 0 ? c.totalMicros[i]! / origin : 0, UsageUnit: KIND_PRICING_UNIT[kind], UsageQuantity: qty }],
      x_Basis: c.meta?.basis ?? null,
      x_Idle: c.meta?.idle ?? null,
      x_Shared: c.meta?.shared ?? null,
    });
    s.AllocatedResourceId![i] = isIdle ? '__idle__' : labels.find(([k]) => k === 'job')?.[1] ?? (labels.length ? labels.map(([k, v]) => `${k}=${v}`).join(',') : '__unlabeled__');
    s.AllocatedResourceName![i] = s.AllocatedResourceId![i]!;
    s.AllocatedTags![i] = JSON.stringify(Object.fromEntries(isIdle ? [['x_allocation', 'idle']] : labels));
    s.x_InstanceType![i] = it;
    s.x_Allocation![i] = isIdle ? 'idle' : 'workload';
    s.x_Node![i] = node;
    s.x_PriceSource![i] = c.meta?.priceSource ?? null;
  }
  const order = [...FOCUS_12_MANDATORY, ...FOCUS_12_RECOMMENDED, ...FOCUS_12_CONDITIONAL, ...FOCUS_13_ALLOCATION, 'x_InstanceType', 'x_Allocation', 'x_Node', 'x_PriceSource', 'x_CostMicros'];
  const columns: Record<string, Vector> = {};
  for (const name of order) {
    const out = version === '1.3' ? (FOCUS_13_RENAMES[name] ?? name) : name;
    if (num[name]) columns[out] = float64Vector(num[name], true);
    else if (time[name]) columns[out] = timestampVector(time[name]);
    else columns[out] = utf8Vector(str[name]!);
  }
  const table = new Table(columns);
  table.schema.metadata.set('focus.version', version);
  return table;
}

/**
 * Checks a FOCUS table against the spec's column rules that can be checked row by row: every
 * Mandatory column present, non-nullable ones non-null, allowed values (ChargeCategory,
 * PricingCategory, ServiceCategory), ISO 4217 currency, charge period inside the billing period
 * and start before end, JSON columns parse to objects, `x_` prefix on custom columns, and
 * `AllocatedRatio`s of one origin charge summing to 1. Returns the problems found (empty = valid).
 */
export function validateFocus(table: ArrowTableLike): string[] {
  const problems: string[] = [];
  const names = columnNames(table);
  const version = table.schema.metadata?.get('focus.version') ?? (names.includes('ProviderName') ? '1.3' : '1.2');
  const nameOf = (n: string) => (version === '1.3' ? (FOCUS_13_RENAMES[n] ?? n) : n);
  const known = new Set([...FOCUS_12_MANDATORY, ...FOCUS_12_RECOMMENDED, ...FOCUS_12_CONDITIONAL, ...FOCUS_13_ALLOCATION].map(nameOf));
  for (const m of FOCUS_12_MANDATORY) if (!names.includes(nameOf(m))) problems.push(`missing Mandatory column ${nameOf(m)}`);
  for (const n of names) if (!known.has(n) && !n.startsWith('x_')) problems.push(`column ${n} is not a FOCUS column and lacks the x_ prefix`);
  if (problems.length) return problems;
  const get = (n: string) => readStrings(table.getChild(nameOf(n))!, n);
  const nums = (n: string) => readNumbers(table.getChild(n)!, n, 'number');
  const times = (n: string) => readNumbers(table.getChild(n)!, n, 'time');
  const rows = table.numRows;
  const bad = (rule: string, i: number) => {
    if (problems.filter((p) => p.startsWith(rule)).length < 3) problems.push(`${rule} (row ${i})`);
  };
  const nonNull = FOCUS_12_MANDATORY.filter((m) => m !== 'ChargeClass');
  for (const m of nonNull) {
    const v = table.getChild(nameOf(m))!;
    for (let i = 0; i < rows; i++) {
      const x = v.get(i);
      if (x === null || x === undefined || (typeof x === 'number' && Number.isNaN(x))) bad(`${m} must not be null`, i);
    }
  }
  const cat = get('ChargeCategory');
  const pc = get('PricingCategory');
  const sc = get('ServiceCategory');
  const cur = get('BillingCurrency');
  const cls = get('ChargeClass');
  for (let i = 0; i < rows; i++) {
    if (!(FOCUS_CHARGE_CATEGORIES as readonly (string | null)[]).includes(cat[i]!)) bad(`ChargeCategory "${cat[i]}" is not allowed`, i);
    if (pc[i] !== null && !(FOCUS_PRICING_CATEGORIES as readonly string[]).includes(pc[i]!)) bad(`PricingCategory "${pc[i]}" is not allowed`, i);
    if ((cat[i] === 'Usage' || cat[i] === 'Purchase') && cls[i] !== 'Correction' && pc[i] === null) bad('PricingCategory must be set for Usage/Purchase charges', i);
    if (!(FOCUS_SERVICE_CATEGORIES as readonly (string | null)[]).includes(sc[i]!)) bad(`ServiceCategory "${sc[i]}" is not allowed`, i);
    if (!/^[A-Z]{3}$/.test(cur[i] ?? '')) bad('BillingCurrency must be an ISO 4217 code', i);
    if (cls[i] !== null && cls[i] !== 'Correction') bad('ChargeClass must be null or Correction', i);
  }
  const cps = times('ChargePeriodStart');
  const cpe = times('ChargePeriodEnd');
  const bps = times('BillingPeriodStart');
  const bpe = times('BillingPeriodEnd');
  for (let i = 0; i < rows; i++) {
    if (!(cpe[i]! > cps[i]!)) bad('ChargePeriodEnd must be after ChargePeriodStart', i);
    if (cps[i]! < bps[i]! || cpe[i]! > bpe[i]!) bad('the charge period must lie inside the billing period', i);
  }
  for (const j of FOCUS_JSON_COLUMNS) {
    if (!names.includes(j)) continue;
    const v = get(j);
    for (let i = 0; i < rows; i++) {
      if (v[i] === null) continue;
      try {
        const o: unknown = JSON.parse(v[i]!);
        if (typeof o !== 'object' || o === null || Array.isArray(o)) bad(`${j} must be a JSON object`, i);
      } catch {
        bad(`${j} must be valid JSON`, i);
      }
    }
  }
  const billed = nums('BilledCost');
  const effective = nums('EffectiveCost');
  for (let i = 0; i < rows; i++) if (Number.isNaN(effective[i]!) || Number.isNaN(billed[i]!)) bad('costs must be numbers', i);
  if (names.includes('AllocatedMethodDetails') && names.includes('x_Node')) {
    const details = get('AllocatedMethodDetails');
    const node = get('x_Node');
    const sku = get('SkuPriceDetails');
    const sums = new Map<string, number>();
    for (let i = 0; i < rows; i++) {
      if (!details[i]) continue;
      const d = JSON.parse(details[i]!) as { Elements: { AllocatedRatio: number }[] };
      const key = `${cps[i]}|${node[i] ?? `~${sku[i]}`}|${JSON.parse(sku[i] ?? '{}').x_ResourceKind}`;
      sums.set(key, (sums.get(key) ?? 0) + d.Elements.reduce((s, e) => s + e.AllocatedRatio, 0));
    }
    for (const [k, v] of sums) if (v !== 0 && Math.abs(v - 1) > 1e-9) problems.push(`AllocatedRatio of origin charge ${k} sums to ${v}, not 1`);
  }
  return problems;
}

/**
 * FOCUS (or any Arrow) table as CSV text: timestamps as ISO 8601 UTC, costs as exact decimals (from
 * `x_CostMicros` where present), nulls as empty fields.
 */
export function writeFocusCsv(table: ArrowTableLike): string {
  const names = columnNames(table);
  const lines = [names.map(csvField).join(',')];
  const cols = names.map((n) => {
    const v = table.getChild(n)!;
    if ((FOCUS_DATETIME_COLUMNS as readonly string[]).includes(n)) return Array.from(readNumbers(v, n, 'time'), (x) => new Date(x).toISOString());
    if (v.type.typeId === 3 || v.type.typeId === 2) return Array.from(readNumbers(v, n, 'number'), (x) => (Number.isNaN(x) ? '' : String(x)));
    return readStrings(v, n).map((x) => x ?? '');
  });
  const micros = table.getChild('x_CostMicros') ? readNumbers(table.getChild('x_CostMicros')!, 'x_CostMicros', 'number') : null;
  const exact = new Set(['BilledCost', 'EffectiveCost', 'ContractedCost']);
  for (let i = 0; i < table.numRows; i++) {
    lines.push(names.map((n, k) => csvField(micros && exact.has(n) ? formatMicros(micros[i]!) : cols[k]![i]!)).join(','));
  }
  return `${lines.join('\n')}\n`;
}

/**
 * FOCUS (or any Arrow) table as Parquet bytes. Needs the optional peer dependency
 * `hyparquet-writer` (loaded only when called).
 *
 * @throws MissingPeerDependencyError when hyparquet-writer is not installed.
 */
export async function writeFocusParquet(table: ArrowTableLike): Promise<Uint8Array> {
  type Writer = { parquetWriteBuffer: (o: { columnData: { name: string; data: unknown[]; type: string }[] }) => ArrayBuffer };
  const mod = (await loadOptionalPeer('hyparquet-writer', 'writeFocusParquet', () => import('hyparquet-writer'))) as unknown as Writer;
  const columnData = columnNames(table).map((name) => {
    const v = table.getChild(name)!;
    if ((FOCUS_DATETIME_COLUMNS as readonly string[]).includes(name) || v.type.typeId === 10) {
      return { name, data: Array.from(readNumbers(v, name, 'time'), (x) => new Date(x)), type: 'TIMESTAMP' };
    }
    if (v.type.typeId === 3 || v.type.typeId === 2) {
      return { name, data: Array.from(readNumbers(v, name, 'number'), (x) => (Number.isNaN(x) ? null : x)), type: 'DOUBLE' };
    }
    return { name, data: readStrings(v, name), type: (FOCUS_JSON_COLUMNS as readonly string[]).includes(name) ? 'JSON' : 'STRING' };
  });
  return new Uint8Array(mod.parquetWriteBuffer({ columnData }));
}

/** Options for {@link fromFocus}. */
export interface FromFocusOptions {
  /** Column holding the instance type. Default `x_InstanceType` when present. */
  instanceTypeColumn?: string;
  /** Keep only rows whose ServiceCategory is one of these. Default `Compute` and `AI and Machine Learning`. */
  serviceCategories?: readonly string[];
}

/**
 * Reads a FOCUS export (a cloud bill, or `toFocus` output) as assets for `attributeCosts`: one
 * asset per `ResourceId` with Usage charges, living from its first to its last charge period, with
 * `hourlyCost` = EffectiveCost per hour of charge period and `listHourlyCost` from ListCost.
 * Dynamic pricing maps to `spot`, Committed to `committed`. A resource billed for part of a charge
 * period (it started mid-hour) lowers the hourly estimate: pass such assets' `hourlyCost` yourself
 * when exact rates matter. Rows without a ResourceId are skipped
 * (they are not machines), and so are non-Usage charges; the count of both is not silent: see
 * the returned `skipped`.
 */
export function fromFocus(table: ArrowTableLike, options: FromFocusOptions = {}): { assets: AssetSpec[]; currency: string; skipped: number } {
  const names = columnNames(table);
  const need = ['ResourceId', 'ChargePeriodStart', 'ChargePeriodEnd', 'EffectiveCost', 'ChargeCategory', 'BillingCurrency'];
  const missing = need.filter((n) => !names.includes(n));
  if (missing.length) {
    throw new SchemaMismatchError(`fromFocus needs the FOCUS columns ${need.join(', ')}; missing: ${missing.join(', ')}.`, { problems: missing.map((m) => `missing ${m}`) });
  }
  const rid = readStrings(table.getChild('ResourceId')!, 'ResourceId');
  const cps = readNumbers(table.getChild('ChargePeriodStart')!, 'ChargePeriodStart', 'time');
  const cpe = readNumbers(table.getChild('ChargePeriodEnd')!, 'ChargePeriodEnd', 'time');
  const eff = readNumbers(table.getChild('EffectiveCost')!, 'EffectiveCost', 'number');
  const list = names.includes('ListCost') ? readNumbers(table.getChild('ListCost')!, 'ListCost', 'number') : eff;
  const cat = readStrings(table.getChild('ChargeCategory')!, 'ChargeCategory');
  const cur = readStrings(table.getChild('BillingCurrency')!, 'BillingCurrency');
  const pc = names.includes('PricingCategory') ? readStrings(table.getChild('PricingCategory')!, 'PricingCategory') : [];
  const sc = names.includes('ServiceCategory') ? readStrings(table.getChild('ServiceCategory')!, 'ServiceCategory') : [];
  const region = names.includes('RegionId') ? readStrings(table.getChild('RegionId')!, 'RegionId') : [];
  const itCol = options.instanceTypeColumn ?? (names.includes('x_InstanceType') ? 'x_InstanceType' : null);
  const its = itCol ? readStrings(table.getChild(itCol)!, itCol) : [];
  const wanted = new Set(options.serviceCategories ?? ['Compute', 'AI and Machine Learning']);
  const currencies = new Set<string>();
  const by = new Map<string, { start: number; end: number; cost: number; list: number; periods: Map<string, number>; pm: PricingModel; region: string | null; it: string | null }>();
  let skipped = 0;
  for (let i = 0; i < table.numRows; i++) {
    const id = rid[i];
    if (!id || cat[i] !== 'Usage' || (sc.length && !wanted.has(sc[i] ?? ''))) {
      skipped++;
      continue;
    }
    currencies.add(cur[i] ?? '');
    let a = by.get(id);
    if (!a) {
      const p = pc[i];
      a = { start: Infinity, end: -Infinity, cost: 0, list: 0, periods: new Map(), pm: p === 'Dynamic' ? 'spot' : p === 'Committed' ? 'committed' : 'on-demand', region: region[i] ?? null, it: its[i] ?? null };
      by.set(id, a);
    }
    a.start = Math.min(a.start, cps[i]!);
    a.end = Math.max(a.end, cpe[i]!);
    a.cost += eff[i]!;
    a.list += Number.isNaN(list[i]!) ? eff[i]! : list[i]!;
    a.periods.set(`${cps[i]}|${cpe[i]}`, cpe[i]! - cps[i]!);
  }
  if (currencies.size > 1) {
    throw new InvalidArgumentError(`The FOCUS table mixes currencies (${[...currencies].join(', ')}); split it by BillingCurrency and read each part separately.`, {
      details: { currencies: [...currencies] },
    });
  }
  const assets: AssetSpec[] = [];
  for (const [node, a] of by) {
    const hours = [...a.periods.values()].reduce((s, v) => s + v, 0) / 3_600_000;
    assets.push({
      node,
      instanceType: a.it,
      region: a.region,
      pricingModel: a.pm,
      start: a.start,
      end: a.end,
      hourlyCost: hours > 0 ? a.cost / hours : 0,
      listHourlyCost: hours > 0 ? a.list / hours : 0,
    });
  }
  return { assets, currency: [...currencies][0] ?? 'USD', skipped };
}
