import { tableFromArrays } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { attributeCosts } from './attribute-costs.js';
import { readCostTable } from './cost-table.js';
import { fromFocus } from './focus.js';
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
