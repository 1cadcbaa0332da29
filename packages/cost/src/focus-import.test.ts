import { tableFromArrays } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { attributeCosts } from './attribute-costs.js';
import { readCostTable } from './cost-table.js';
import { readCsv } from '@mlops/contracts';
import { fromFocus, toFocus, writeFocusCsv } from './focus.js';
import { samplePriceCatalog } from './price-catalog.js';
import { H, T0, usageTable } from '../test/usage-fixtures.js';

// Rows shaped like an AWS Data Exports FOCUS file: EC2 instance hours (x_UsageType BoxUsage:<type>,
// PricingUnit Hrs, no ResourceType), an EBS gp3 volume line billed on the same instance id under
// the EC2 service (ServiceCategory Compute), a data-transfer line and a tax line.
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const id = 'i-0a1b2c3d4e5f60718';
const bill = tableFromArrays({
  ChargeCategory: ['Usage', 'Usage', 'Usage', 'Usage', 'Tax'],
  ChargePeriodStart: [iso(T0), iso(T0 + H), iso(T0), iso(T0), iso(T0)],
  ChargePeriodEnd: [iso(T0 + H), iso(T0 + 2 * H), iso(T0 + H), iso(T0 + H), iso(T0 + H)],
  ResourceId: [id, id, id, id, null],
  ServiceName: ['Amazon Elastic Compute Cloud', 'Amazon Elastic Compute Cloud', 'Amazon Elastic Compute Cloud', 'AWS Data Transfer', 'Amazon Elastic Compute Cloud'],
  ServiceCategory: ['Compute', 'Compute', 'Compute', 'Networking', 'Compute'],
  PricingUnit: ['Hrs', 'Hrs', 'GB-Mo', 'GB', null],
  PricingCategory: ['Standard', 'Standard', 'Standard', 'Standard', null],
  SkuId: ['QNSEG9K7ZAQ8J7UH', 'QNSEG9K7ZAQ8J7UH', 'S8ZJBZ5ZF6D5CF6Y', 'AAPZHN4GW4WVTPU2', null],
  x_UsageType: ['BoxUsage:p4d.24xlarge', 'BoxUsage:p4d.24xlarge', 'EBS:VolumeUsage.gp3', 'DataTransfer-Out-Bytes', null],
  RegionId: ['us-east-1', 'us-east-1', 'us-east-1', 'us-east-1', null],
  EffectiveCost: Float64Array.from([32.7726, 32.7726, 0.5479, 0.09, 2.1]),
  ListCost: Float64Array.from([32.7726, 32.7726, 0.5479, 0.09, 2.1]),
  BillingCurrency: ['USD', 'USD', 'USD', 'USD', 'USD'],
});

describe('fromFocus on a cloud bill', () => {
  it('keeps only instance-hour charges: an EBS line on the instance id does not inflate the node price', () => {
    const { assets, skippedByReason, skipped } = fromFocus(bill);
    expect(assets).toHaveLength(1);
    expect(assets[0]!.hourlyCost).toBeCloseTo(32.7726, 9);
    expect(skippedByReason).toEqual({ notUsage: 1, noResource: 0, otherService: 1, notCompute: 1 });
    expect(skipped).toBe(3);
  });

  it('finds the instance type without instanceTypeColumn, so capacity comes from the catalog', () => {
    const { assets } = fromFocus(bill);
    expect(assets[0]!.instanceType).toBe('p4d.24xlarge');
    // One of the 8 A100s for the two hours: 1/8 of the GPU part of the node price.
    const usage = usageTable([{ start: T0, end: T0 + 2 * H, quantity: 1, node: id, instanceType: 'p4d.24xlarge', labels: { team: 'a' } }]);
    const costs = attributeCosts({ usage, prices: samplePriceCatalog(), assets, window: { start: T0, end: T0 + 2 * H } });
    const c = readCostTable(costs);
    const total = c.totalMicros.reduce((s, v) => s + v, 0);
    expect(total).toBe(2 * 32_772_600);
    let team = 0;
    for (let i = 0; i < c.n; i++) if (c.allocation.codes[i] !== -1 && c.allocation.values[c.allocation.codes[i]!] === 'workload') team += c.totalMicros[i]!;
    // GPU share of a p4d (aws-split: 72 / 273.6) over 8 GPUs, per hour.
    expect(team).toBeCloseTo((2 * 32_772_600 * (72 / 273.6)) / 8, -1);
  });

  it('instanceTypeColumn that is not in the table is refused', () => {
    expect(() => fromFocus(bill, { instanceTypeColumn: 'x_Nope' })).toThrow(/x_Nope/);
  });
});

describe('fromFocus keeps spot and commitment pricing through the FOCUS round trip', () => {
  // One on-demand, one spot, one reserved and one committed-use node, each used by a team.
  const usage = usageTable([
    { start: T0, end: T0 + 2 * H, quantity: 2, node: 'n1', labels: { team: 'a' } },
    { start: T0, end: T0 + 2 * H, quantity: 8, node: 's1', pricingModel: 'spot', labels: { team: 'b' } },
    { start: T0, end: T0 + H, quantity: 1, node: 'r1', pricingModel: 'reserved', labels: { team: 'c' } },
    { start: T0, end: T0 + 2 * H, quantity: 4, node: 'c1', pricingModel: 'committed', labels: { team: 'd' } },
  ]);
  const window = { start: T0, end: T0 + 2 * H };
  const assets = [
    { node: 'n1', instanceType: 'p3.16xlarge', region: 'us-east-1' },
    { node: 's1', instanceType: 'p3.16xlarge', region: 'us-east-1', pricingModel: 'spot' as const },
    { node: 'r1', instanceType: 'p3.16xlarge', region: 'us-east-1', pricingModel: 'reserved' as const, hourlyCost: 15.3 },
    { node: 'c1', instanceType: 'p3.16xlarge', region: 'us-east-1', pricingModel: 'committed' as const, hourlyCost: 17.1 },
  ];
  const costs = attributeCosts({ usage, prices: samplePriceCatalog(), assets, window });
  const totalOf = (t: Parameters<typeof readCostTable>[0]) => readCostTable(t).totalMicros.reduce((s, v) => s + v, 0);

  for (const version of ['1.2', '1.3'] as const) {
    it(`${version} CSV -> fromFocus -> attributeCosts with the same usage: same pricing models, same total`, () => {
      const bill = readCsv(writeFocusCsv(toFocus(costs, { version })));
      const { assets: back, mixedPricing } = fromFocus(bill);
      expect(Object.fromEntries(back.map((a) => [a.node, a.pricingModel]))).toEqual({ n1: 'on-demand', s1: 'spot', r1: 'reserved', c1: 'committed' });
      expect(mixedPricing).toEqual([]);
      const again = attributeCosts({ usage, prices: samplePriceCatalog(), assets: back, window });
      expect(totalOf(again)).toBe(totalOf(costs));
    });
  }

  it('a correction row without PricingCategory first does not turn a spot instance on-demand', () => {
    const t = tableFromArrays({
      ChargeCategory: ['Usage', 'Usage', 'Usage'],
      ChargeClass: ['Correction', null, null],
      ChargePeriodStart: [iso(T0), iso(T0), iso(T0 + H)],
      ChargePeriodEnd: [iso(T0 + H), iso(T0 + H), iso(T0 + 2 * H)],
      ResourceId: [id, id, id],
      ServiceCategory: ['Compute', 'Compute', 'Compute'],
      PricingUnit: ['Hrs', 'Hrs', 'Hrs'],
      PricingCategory: [null, 'Dynamic', 'Dynamic'],
      x_UsageType: ['SpotUsage:p4d.24xlarge', 'SpotUsage:p4d.24xlarge', 'SpotUsage:p4d.24xlarge'],
      EffectiveCost: Float64Array.from([-0.5, 9.83, 9.83]),
      BillingCurrency: ['USD', 'USD', 'USD'],
    });
    const { assets: a, mixedPricing } = fromFocus(t);
    expect(a[0]!.pricingModel).toBe('spot');
    expect(mixedPricing).toEqual([]);
  });

  it('without a PricingCategory column (it is Conditional), an AWS SpotUsage line is spot', () => {
    const t = tableFromArrays({
      ChargeCategory: ['Usage'],
      ChargePeriodStart: [iso(T0)],
      ChargePeriodEnd: [iso(T0 + H)],
      ResourceId: [id],
      x_UsageType: ['USE1-SpotUsage:p4d.24xlarge'],
      EffectiveCost: Float64Array.from([9.83]),
      BillingCurrency: ['USD'],
    });
    expect(fromFocus(t).assets[0]).toMatchObject({ pricingModel: 'spot', instanceType: 'p4d.24xlarge' });
  });

  it('a reservation covering part of the hours: the model of most hours, and the resource listed in mixedPricing', () => {
    const t = tableFromArrays({
      ChargeCategory: ['Usage', 'Usage', 'Usage'],
      ChargePeriodStart: [iso(T0), iso(T0 + H), iso(T0 + 2 * H)],
      ChargePeriodEnd: [iso(T0 + H), iso(T0 + 2 * H), iso(T0 + 3 * H)],
      ResourceId: [id, id, id],
      PricingCategory: ['Standard', 'Committed', 'Committed'],
      CommitmentDiscountType: [null, 'Reserved Instance', 'Reserved Instance'],
      x_UsageType: ['BoxUsage:p4d.24xlarge', 'BoxUsage:p4d.24xlarge', 'BoxUsage:p4d.24xlarge'],
      EffectiveCost: Float64Array.from([32.77, 19.2, 19.2]),
      BillingCurrency: ['USD', 'USD', 'USD'],
    });
    const r = fromFocus(t);
    expect(r.assets[0]!.pricingModel).toBe('reserved');
    expect(r.mixedPricing).toEqual([{ node: id, pricingModel: 'reserved', hoursByModel: { 'on-demand': 1, reserved: 2 } }]);
  });
});
