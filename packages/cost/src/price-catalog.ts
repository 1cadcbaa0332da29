import { MlopsError } from '@mlops/contracts';
import { columnNames, readNumbers, readStrings } from './arrow-columns.js';
import type { ArrowTableLike } from './arrow-columns.js';
import { parseCsv } from './csv.js';
import { CostErrorCode } from './error-codes.js';
import { SAMPLE_CATALOG_AS_OF, SAMPLE_CATALOG_CSV, SAMPLE_CATALOG_SOURCE } from './sample-catalog.js';

/** One priced instance type in one region (SkyPilot catalog layout). */
export interface PriceCatalogEntry {
  /** Instance / machine type, e.g. `p4d.24xlarge`. */
  instanceType: string;
  /** Accelerator model, e.g. `A100`; null for CPU-only types. */
  acceleratorName: string | null;
  /** Accelerators per instance (0 for CPU-only). */
  acceleratorCount: number;
  /** vCPUs per instance. */
  vCPUs: number;
  /** Memory per instance, GiB. */
  memoryGiB: number;
  /** On-demand price per instance-hour; null when not sold on demand. */
  price: number | null;
  /** Spot price per instance-hour; null when unknown. */
  spotPrice: number | null;
  /** Effective reserved / committed-use price per instance-hour; null to use `price`. */
  reservedPrice: number | null;
  /** Region; null when the price holds in every region. */
  region: string | null;
}

/** A price catalog: entries in one currency, with where they came from. */
export interface PriceCatalog {
  /** Entries; later entries for the same (instanceType, region) have already replaced earlier ones. */
  readonly entries: readonly PriceCatalogEntry[];
  /** ISO 4217 currency of every price, e.g. `USD`. */
  readonly currency: string;
  /** Where the prices come from (for reports and FOCUS `x_PriceSource`). */
  readonly source?: string;
  /** Date the prices were valid (YYYY-MM-DD). */
  readonly asOf?: string;
}

/** Options for {@link loadPriceCatalog}. */
export interface LoadPriceCatalogOptions {
  /** Currency of the prices. Default `USD`, or the `Currency` column when present. */
  currency?: string;
  /** A catalog to start from; entries loaded here override its entries with the same (instanceType, region). */
  base?: PriceCatalog;
  /** Where the prices come from. */
  source?: string;
  /** Date the prices were valid. */
  asOf?: string;
}

const REQUIRED = ['InstanceType', 'AcceleratorCount', 'vCPUs', 'MemoryGiB', 'Price'] as const;

function num(text: string | undefined): number | null {
  if (text === undefined) return null;
  const t = text.trim();
  if (t === '' || t.toLowerCase() === 'nan' || t.toLowerCase() === 'null') return null;
  return Number(t);
}

/**
 * Loads a price catalog from CSV text, an Arrow table, or entry objects. Columns follow the public
 * SkyPilot catalog layout (`InstanceType, AcceleratorName, AcceleratorCount, vCPUs, MemoryGiB,
 * Price, SpotPrice, Region`); optional `ReservedPrice` and `Currency` columns are read too, and
 * extra columns are ignored. Pass `base` to override a catalog with your own prices.
 *
 * @throws MlopsError `INVALID_CATALOG` listing every malformed row (missing columns, negative or
 *   non-numeric prices); `CURRENCY_MISMATCH` when rows or `base` use another currency.
 */
export function loadPriceCatalog(source: string | ArrowTableLike | readonly Partial<PriceCatalogEntry>[], options: LoadPriceCatalogOptions = {}): PriceCatalog {
  const raw: Record<string, string | number | null>[] = [];
  let header: string[];
  if (typeof source === 'string') {
    const parsed = parseCsv(source);
    header = parsed.header;
    for (const r of parsed.rows) raw.push(Object.fromEntries(header.map((h, k) => [h, r[k] ?? ''])));
  } else if (Array.isArray(source)) {
    header = [...REQUIRED, 'AcceleratorName', 'SpotPrice', 'Region', 'ReservedPrice'];
    for (const e of source as readonly Partial<PriceCatalogEntry>[]) {
      raw.push({
        InstanceType: e.instanceType ?? '',
        AcceleratorName: e.acceleratorName ?? null,
        AcceleratorCount: e.acceleratorCount ?? 0,
        vCPUs: e.vCPUs ?? null,
        MemoryGiB: e.memoryGiB ?? null,
        Price: e.price ?? null,
        SpotPrice: e.spotPrice ?? null,
        ReservedPrice: e.reservedPrice ?? null,
        Region: e.region ?? null,
      });
    }
  } else {
    const table = source as ArrowTableLike;
    header = columnNames(table);
    const cols = header.map((h) => {
      const v = table.getChild(h)!;
      const id = v.type.typeId;
      return id === 2 || id === 3 ? Array.from(readNumbers(v, h, 'number'), (x) => (Number.isNaN(x) ? null : x)) : readStrings(v, h);
    });
    for (let i = 0; i < table.numRows; i++) raw.push(Object.fromEntries(header.map((h, k) => [h, cols[k]![i] ?? null])));
  }
  const missing = REQUIRED.filter((c) => !header.includes(c));
  if (missing.length) {
    throw new MlopsError(
      CostErrorCode.InvalidCatalog,
      `A price catalog needs the columns ${REQUIRED.join(', ')} (SkyPilot catalog layout), but ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} missing. ` +
        `Found: ${header.join(', ')}.`,
      { details: { missing } },
    );
  }
  const problems: string[] = [];
  let currency = options.currency;
  const entries: PriceCatalogEntry[] = [];
  raw.forEach((r, i) => {
    const text = (k: string): string | null => {
      const v = r[k];
      return v === null || v === undefined || v === '' ? null : String(v).trim();
    };
    const n = (k: string): number | null => (typeof r[k] === 'number' ? (r[k] as number) : num(r[k] === null ? undefined : (r[k] as string | undefined)));
    const rowCurrency = text('Currency');
    if (rowCurrency) {
      currency ??= rowCurrency;
      if (rowCurrency !== currency) problems.push(`row ${i + 1}: currency ${rowCurrency}, but the catalog is in ${currency}`);
    }
    const entry: PriceCatalogEntry = {
      instanceType: text('InstanceType') ?? '',
      acceleratorName: text('AcceleratorName'),
      acceleratorCount: n('AcceleratorCount') ?? 0,
      vCPUs: n('vCPUs') ?? NaN,
      memoryGiB: n('MemoryGiB') ?? NaN,
      price: n('Price'),
      spotPrice: n('SpotPrice'),
      reservedPrice: n('ReservedPrice'),
      region: text('Region'),
    };
    const bad: string[] = [];
    if (!entry.instanceType) bad.push('InstanceType is empty');
    for (const [k, v] of [['AcceleratorCount', entry.acceleratorCount], ['vCPUs', entry.vCPUs], ['MemoryGiB', entry.memoryGiB]] as const) {
      if (!(Number.isFinite(v) && v >= 0)) bad.push(`${k} must be a number >= 0, found ${String(r[k])}`);
    }
    for (const [k, v] of [['Price', entry.price], ['SpotPrice', entry.spotPrice], ['ReservedPrice', entry.reservedPrice]] as const) {
      if (v !== null && !(Number.isFinite(v) && v >= 0)) bad.push(`${k} must be empty or a number >= 0, found ${String(r[k])}`);
    }
    if (entry.price === null && entry.spotPrice === null && entry.reservedPrice === null) bad.push('no price at all (Price, SpotPrice and ReservedPrice are empty)');
    if (bad.length) problems.push(`row ${i + 1} (${entry.instanceType || '?'}): ${bad.join('; ')}`);
    entries.push(entry);
  });
  currency ??= options.base?.currency ?? 'USD';
  if (options.base && options.base.currency !== currency) {
    problems.push(`the base catalog is in ${options.base.currency}, these prices are in ${currency}`);
  }
  if (problems.length) {
    const code = problems.some((p) => p.includes('currency') || p.includes('base catalog is in')) ? CostErrorCode.CurrencyMismatch : CostErrorCode.InvalidCatalog;
    throw new MlopsError(code, `The price catalog has ${problems.length} problem(s); fix these rows and load it again:\n  ${problems.slice(0, 20).join('\n  ')}`, {
      details: { problems },
    });
  }
  const merged = new Map<string, PriceCatalogEntry>();
  for (const e of options.base?.entries ?? []) merged.set(`${e.instanceType}\u0000${e.region ?? ''}`, e);
  for (const e of entries) merged.set(`${e.instanceType}\u0000${e.region ?? ''}`, e);
  const source_ = options.source ?? (options.base?.source ? `${options.base.source} (with overrides)` : undefined);
  const asOf = options.asOf ?? options.base?.asOf;
  return { entries: [...merged.values()], currency, ...(source_ ? { source: source_ } : {}), ...(asOf ? { asOf } : {}) };
}

/**
 * The small dated sample catalog shipped with the package (AWS and GCP GPU instances and a few
 * CPU types, USD). Fine for examples and tests; real bills need your own prices (pass them as
 * `loadPriceCatalog(yourCsv, { base: samplePriceCatalog() })` to override only some).
 */
export function samplePriceCatalog(): PriceCatalog {
  return loadPriceCatalog(SAMPLE_CATALOG_CSV, { currency: 'USD', source: SAMPLE_CATALOG_SOURCE, asOf: SAMPLE_CATALOG_AS_OF });
}

/** Result of {@link findPrice}: an entry, or why none was found. */
export type PriceLookup = { entry: PriceCatalogEntry } | { missing: 'unknown' | 'ambiguous'; regions: string[] };

/**
 * Finds the entry for an instance type in a region. An exact region match wins, then a row
 * without region. With no region given, a type priced identically everywhere resolves; one
 * priced differently per region is `ambiguous`.
 */
export function findPrice(catalog: PriceCatalog, instanceType: string, region: string | null): PriceLookup {
  const rows = catalog.entries.filter((e) => e.instanceType === instanceType);
  if (!rows.length) return { missing: 'unknown', regions: [] };
  if (region !== null) {
    const exact = rows.find((e) => e.region === region) ?? rows.find((e) => e.region === null);
    return exact ? { entry: exact } : { missing: 'unknown', regions: rows.map((e) => e.region ?? '*') };
  }
  const global = rows.find((e) => e.region === null);
  if (global) return { entry: global };
  const first = rows[0]!;
  const same = rows.every((e) => e.price === first.price && e.spotPrice === first.spotPrice && e.reservedPrice === first.reservedPrice);
  return same ? { entry: first } : { missing: 'ambiguous', regions: rows.map((e) => e.region ?? '*') };
}
