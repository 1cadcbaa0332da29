import { parquetReadObjects } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { attributeCosts } from './attribute-costs.js';
import { readNumbers, readStrings } from './arrow-columns.js';
import { readCostTable } from './cost-table.js';
import { fromFocus, toFocus, validateFocus, writeFocusCsv, writeFocusParquet } from './focus.js';
import { FOCUS_12_CONDITIONAL, FOCUS_12_MANDATORY, FOCUS_12_RECOMMENDED } from './focus-columns.js';
import { parseCsv } from './csv.js';
import { samplePriceCatalog } from './price-catalog.js';
import { H, T0, usageTable } from '../test/usage-fixtures.js';

const prices = samplePriceCatalog();
const usage = usageTable([
  { start: T0, end: T0 + 1.5 * H, quantity: 2, labels: { team: 'a', job: 'j1' } },
  { start: T0 + 0.25 * H, end: T0 + H, quantity: 0.5, labels: { team: 'b', job: 'j2' } },
  { start: T0, end: T0 + H, quantity: 4, kind: 'cpu', request: 8, labels: { team: 'a', job: 'j1' } },
  { start: T0, end: T0 + 2 * H, quantity: 8, node: 's1', pricingModel: 'spot', labels: { team: 'b', job: 'j3' } },
]);
const nodes = [
  { node: 'n1', instanceType: 'p3.16xlarge', region: 'us-east-1' },
  { node: 's1', instanceType: 'p3.16xlarge', region: 'us-east-1', pricingModel: 'spot' as const },
];
const costs = attributeCosts({ usage, prices, assets: nodes, window: { start: T0, end: T0 + 2 * H } });

describe('toFocus', () => {
  it('has every Mandatory and Recommended FOCUS 1.2 column, the x_-prefixed 1.3 allocation columns, and passes the column rules', () => {
    const focus = toFocus(costs);
    const names = focus.schema.fields.map((f) => f.name);
    for (const c of [...FOCUS_12_MANDATORY, ...FOCUS_12_RECOMMENDED]) expect(names).toContain(c);
    expect(FOCUS_12_MANDATORY.length + FOCUS_12_RECOMMENDED.length + FOCUS_12_CONDITIONAL.length).toBe(57);
    // Conditional columns for features a cost table never has are left out, not written all-null.
    expect(names).not.toContain('BillingAccountType');
    expect(names).toContain('x_AllocatedMethodId');
    expect(names).toContain('x_AllocatedMethodDetails');
    expect(validateFocus(focus)).toEqual([]);
  });

  it('keeps every micro: BilledCost sums to the cost table total; spot is Dynamic with a higher ListCost', () => {
    const focus = toFocus(costs);
    const total = readCostTable(costs).totalMicros.reduce((s, v) => s + v, 0);
    const micros = readNumbers(focus.getChild('x_CostMicros')!, 'x', 'number').reduce((s, v) => s + v, 0);
    expect(micros).toBe(total);
    const billed = readNumbers(focus.getChild('BilledCost')!, 'b', 'number').reduce((s, v) => s + v, 0);
    expect(billed).toBeCloseTo(total / 1e6, 6);
    const pc = readStrings(focus.getChild('PricingCategory')!, 'p');
    const list = readNumbers(focus.getChild('ListCost')!, 'l', 'number');
    const eff = readNumbers(focus.getChild('EffectiveCost')!, 'e', 'number');
    const spotRows = pc.map((p, i) => [p, i] as const).filter(([p]) => p === 'Dynamic');
    expect(spotRows.length).toBeGreaterThan(0);
    for (const [, i] of spotRows) if (eff[i]! > 0) expect(list[i]!).toBeGreaterThan(eff[i]!);
    expect(pc.filter((p) => p === 'Standard').length).toBeGreaterThan(0);
  });

  it('validateFocus catches broken rules', () => {
    const focus = toFocus(costs).select(FOCUS_12_MANDATORY.filter((c) => c !== 'BilledCost'));
    expect(validateFocus(focus)).toContain('missing Mandatory column BilledCost (FOCUS 1.2)');
  });

  it('writes 1.3 names when asked', () => {
    const names = toFocus(costs, { version: '1.3' }).schema.fields.map((f) => f.name);
    expect(names).toContain('ProviderName');
    expect(names).not.toContain('Provider');
    expect(validateFocus(toFocus(costs, { version: '1.3' }))).toEqual([]);
  });

  it('writes CSV with exact decimal costs and Parquet that reads back', async () => {
    const focus = toFocus(costs);
    const csv = parseCsv(writeFocusCsv(focus));
    expect(csv.rows).toHaveLength(focus.numRows);
    const bi = csv.header.indexOf('BilledCost');
    for (const r of csv.rows) expect(r[bi]).toMatch(/^-?\d+\.\d{6}$/);
    const bytes = await writeFocusParquet(focus);
    const back = await parquetReadObjects({ file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer });
    expect(back).toHaveLength(focus.numRows);
    expect(Object.keys(back[0]!)).toContain('ChargePeriodStart');
  });
});

describe('fromFocus', () => {
  it('reads a FOCUS export back as assets whose attribution matches the original', () => {
    const { assets, currency, skipped } = fromFocus(toFocus(costs));
    expect(currency).toBe('USD');
    expect(skipped).toBe(0);
    const n1 = assets.find((a) => a.node === 'n1')!;
    expect(n1.hourlyCost).toBeCloseTo(24.48, 5);
    const s1 = assets.find((a) => a.node === 's1')!;
    expect(s1.pricingModel).toBe('spot');
    expect(s1.listHourlyCost).toBeCloseTo(24.48, 3);
    const again = attributeCosts({ usage, prices, assets, window: { start: T0, end: T0 + 2 * H } });
    const a = readCostTable(again).totalMicros.reduce((s, v) => s + v, 0);
    const b = readCostTable(costs).totalMicros.reduce((s, v) => s + v, 0);
    expect(Math.abs(a - b)).toBeLessThanOrEqual(4);
  });
});
