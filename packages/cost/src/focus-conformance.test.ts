import { describe, expect, it } from 'vitest';
import { tableFromArrays } from 'apache-arrow';
import type { Table } from 'apache-arrow';
import { attributeCosts } from './attribute-costs.js';
import { parseCsv } from './csv.js';
import { toFocus, validateFocus, writeFocusCsv } from './focus.js';
import { FOCUS_12_COLUMNS, FOCUS_13_COLUMNS } from './focus-columns.js';
import { samplePriceCatalog } from './price-catalog.js';
import { FOCUS_12_SPEC, FOCUS_13_SPEC, FOCUS_DATETIME_PATTERN, SERVICE_SUBCATEGORIES } from '../test/focus-spec-table.js';
import type { SpecColumn } from '../test/focus-spec-table.js';
import { H, T0, usageTable } from '../test/usage-fixtures.js';

// Costs with workload and idle rows, spot and reserved nodes, labels, so every column gets values.
const usage = usageTable([
  { start: T0, end: T0 + 1.5 * H, quantity: 2, labels: { team: 'a', job: 'j1' } },
  { start: T0 + 0.25 * H, end: T0 + H, quantity: 0.5, labels: { team: 'b', job: 'j2' } },
  { start: T0, end: T0 + H, quantity: 4, kind: 'cpu', request: 8, labels: { team: 'a', job: 'j1' } },
  { start: T0, end: T0 + 2 * H, quantity: 8, node: 's1', pricingModel: 'spot', labels: { team: 'b', job: 'j3' } },
  { start: T0, end: T0 + 2 * H, quantity: 1, node: 'r1', pricingModel: 'reserved', labels: { team: 'c', job: 'j4' } },
]);
const assets = [
  { node: 'n1', instanceType: 'p3.16xlarge', region: 'us-east-1' },
  { node: 's1', instanceType: 'p3.16xlarge', region: 'us-east-1', pricingModel: 'spot' as const },
  { node: 'r1', instanceType: 'p3.16xlarge', region: 'us-east-1', pricingModel: 'reserved' as const },
];
const costs = attributeCosts({ usage, prices: samplePriceCatalog(), assets, window: { start: T0, end: T0 + 2 * H } });

/** Every rule of the spec-derived table, checked on one table without help from validateFocus. */
function specProblems(table: Table, spec: readonly SpecColumn[]): string[] {
  const out: string[] = [];
  const names = table.schema.fields.map((f) => f.name);
  const byId = new Map(spec.map((c) => [c.id, c]));
  for (const c of spec) if (c.level === 'Mandatory' && !names.includes(c.id)) out.push(`${c.id}: Mandatory but absent`);
  for (const f of table.schema.fields) {
    const c = byId.get(f.name);
    if (!c) {
      if (!f.name.startsWith('x_')) out.push(`${f.name}: not a FOCUS column and not x_-prefixed`);
      continue;
    }
    const tid = f.type.typeId as number;
    const want = { String: [5, -1], JSON: [5, -1], Decimal: [3, 7], DateTime: [10] }[c.type];
    if (!want.includes(tid)) out.push(`${c.id}: type id ${tid}, spec type ${c.type}`);
    const v = table.getChild(f.name)!;
    for (let i = 0; i < table.numRows; i++) {
      const x: unknown = v.get(i);
      const isNull = x === null || x === undefined || (typeof x === 'number' && Number.isNaN(x));
      if (isNull) {
        if (!c.nullable) out.push(`${c.id}: null in row ${i}, spec says Allows nulls False`);
        continue;
      }
      if (Array.isArray(c.allowed) && !c.allowed.includes(String(x))) out.push(`${c.id}: "${String(x)}" not an allowed value`);
      if (c.type === 'JSON') {
        const o: unknown = JSON.parse(String(x));
        if (typeof o !== 'object' || o === null || Array.isArray(o)) out.push(`${c.id}: not a JSON object`);
      }
    }
  }
  const cat = table.getChild('ServiceCategory');
  const sub = table.getChild('ServiceSubcategory');
  if (cat && sub) {
    for (let i = 0; i < table.numRows; i++) {
      if (!SERVICE_SUBCATEGORIES.some(([a, b]) => a === cat.get(i) && b === sub.get(i))) out.push(`ServiceSubcategory "${sub.get(i)}" is not under ${cat.get(i)}`);
    }
  }
  return [...new Set(out)];
}

describe('FOCUS column rules from the specification files', () => {
  it('our column table matches the one derived from the spec text, column by column', () => {
    const pick = (c: { id: string; level: string; nullable: boolean; type: string; allowed?: unknown }) => ({
      id: c.id, level: c.level, nullable: c.nullable, type: c.type, allowed: Array.isArray(c.allowed) ? c.allowed : undefined,
    });
    expect(FOCUS_12_SPEC).toHaveLength(57);
    expect(FOCUS_13_SPEC).toHaveLength(65);
    expect(FOCUS_12_COLUMNS.map(pick)).toEqual(FOCUS_12_SPEC.map(pick));
    expect(FOCUS_13_COLUMNS.map(pick)).toEqual(FOCUS_13_SPEC.map(pick));
  });

  for (const [version, spec] of [['1.2', FOCUS_12_SPEC], ['1.3', FOCUS_13_SPEC]] as const) {
    it(`the ${version} export passes every column rule of the spec table, and validateFocus agrees`, () => {
      const focus = toFocus(costs, { version });
      expect(specProblems(focus, spec)).toEqual([]);
      expect(validateFocus(focus)).toEqual([]);
    });

    it(`the ${version} CSV writes date/times as YYYY-MM-DDTHH:mm:ssZ (no milliseconds)`, () => {
      const csv = parseCsv(writeFocusCsv(toFocus(costs, { version })));
      for (const col of ['BillingPeriodStart', 'BillingPeriodEnd', 'ChargePeriodStart', 'ChargePeriodEnd']) {
        const k = csv.header.indexOf(col);
        for (const r of csv.rows) expect(r[k]).toMatch(FOCUS_DATETIME_PATTERN);
      }
    });
  }

  it('1.2 uses the column IDs ProviderName, PublisherName, InvoiceIssuerName (not the display names) and prefixes 1.3-only columns with x_', () => {
    const names = toFocus(costs).schema.fields.map((f) => f.name);
    for (const n of ['ProviderName', 'PublisherName', 'InvoiceIssuerName']) expect(names).toContain(n);
    for (const n of ['Provider', 'Publisher', 'InvoiceIssuer', 'AllocatedMethodId', 'ServiceProviderName']) expect(names).not.toContain(n);
    expect(names).toContain('x_AllocatedMethodId');
  });

  it('1.3 carries ServiceProviderName and HostProviderName and still the deprecated ProviderName and PublisherName', () => {
    const focus = toFocus(costs, { version: '1.3', provider: 'Acme ML Platform', hostProvider: 'AWS' });
    const names = focus.schema.fields.map((f) => f.name);
    for (const n of ['ServiceProviderName', 'HostProviderName', 'ProviderName', 'PublisherName', 'InvoiceIssuerName']) expect(names).toContain(n);
    expect(focus.getChild('HostProviderName')!.get(0)).toBe('AWS');
    expect(focus.getChild('ServiceProviderName')!.get(0)).toBe('Acme ML Platform');
  });

  it('1.3: the unallocated (idle) part of an origin charge has a null AllocatedResourceId', () => {
    const focus = toFocus(costs, { version: '1.3' });
    const alloc = focus.getChild('x_Allocation')!;
    const rid = focus.getChild('AllocatedResourceId')!;
    let idle = 0;
    for (let i = 0; i < focus.numRows; i++) {
      if (alloc.get(i) === 'idle') {
        idle++;
        expect(rid.get(i)).toBeNull();
      } else expect(rid.get(i)).not.toBeNull();
    }
    expect(idle).toBeGreaterThan(0);
  });

  it('validateFocus flags display-name headers, nulls in non-nullable columns, bad sub-categories and millisecond date/times', () => {
    const good = toFocus(costs);
    const cols = Object.fromEntries(good.schema.fields.map((f) => [f.name, good.getChild(f.name)!.toArray() as unknown]));
    const renamed = { ...cols, Provider: cols.ProviderName } as Record<string, unknown>;
    delete renamed.ProviderName;
    const problems = validateFocus(tableFromArrays(renamed as Parameters<typeof tableFromArrays>[0]));
    expect(problems.some((p) => p.includes('ProviderName'))).toBe(true);
    expect(problems.some((p) => p.includes('Provider') && p.includes('x_'))).toBe(true);
    const n = good.numRows;
    const bad = tableFromArrays({
      ...(cols as Record<string, never>),
      BillingPeriodStart: Array.from({ length: n }, () => '2026-11-01T00:00:00.000Z'),
      ServiceSubcategory: Array.from({ length: n }, () => 'Block Storage'),
      ChargeFrequency: Array.from({ length: n }, (_, i) => (i === 0 ? null : 'Usage-Based')),
    } as Parameters<typeof tableFromArrays>[0]);
    const p2 = validateFocus(bad);
    expect(p2.some((p) => p.includes('BillingPeriodStart') && p.includes('YYYY-MM-DDTHH:mm:ssZ'))).toBe(true);
    expect(p2.some((p) => p.includes('ServiceSubcategory'))).toBe(true);
    expect(p2.some((p) => p.includes('ChargeFrequency') && p.includes('null'))).toBe(true);
  });
});
