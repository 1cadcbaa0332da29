import { describe, expect, it } from 'vitest';
import { attributeCosts } from './attribute-costs.js';
import { readCostTable } from './cost-table.js';
import { samplePriceCatalog } from './price-catalog.js';
import { H, T0, usageTable } from '../test/usage-fixtures.js';

describe('edge cases', () => {
  it('no usage at all: every node-hour is idle and still adds up to the price', () => {
    const costs = attributeCosts({
      usage: usageTable([]),
      prices: samplePriceCatalog(),
      assets: [{ node: 'n1', instanceType: 'g5.xlarge', region: 'us-east-1' }],
      window: { start: T0, end: T0 + 3 * H },
    });
    const c = readCostTable(costs);
    expect(c.totalMicros.reduce((s, v) => s + v, 0)).toBe(3 * 1_006_000);
    expect(c.allocatedMicros.every((v) => v === 0)).toBe(true);
  });

  it('a window that is not aligned to the hour clips the first and last windows', () => {
    const costs = attributeCosts({
      usage: usageTable([{ start: T0 + 0.5 * H, end: T0 + 1.5 * H, quantity: 1, instanceType: 'g5.xlarge' }]),
      prices: samplePriceCatalog(),
      window: { start: T0 + 0.25 * H, end: T0 + 1.75 * H },
      assets: [{ node: 'n1', instanceType: 'g5.xlarge', region: 'us-east-1' }],
    });
    const c = readCostTable(costs);
    expect(Math.min(...c.windowStart)).toBe(T0 + 0.25 * H);
    expect(Math.max(...c.windowEnd)).toBe(T0 + 1.75 * H);
    expect(c.totalMicros.reduce((s, v) => s + v, 0)).toBe(Math.round(1_006_000 * 0.75) * 2);
  });
});
