import { describe, expect, it } from 'vitest';
import { MlopsError } from '@mlops/contracts';
import { attributeCosts } from './attribute-costs.js';
import { evaluateBudgets } from './budgets.js';
import { samplePriceCatalog } from './price-catalog.js';
import { H, T0, usageTable } from '../test/usage-fixtures.js';
import type { UsageRow } from '../test/usage-fixtures.js';

const DAY = 24 * H;
const GPU_DAY = ((24.48 * 9) / 178.4) * 24; // one p3.16xlarge GPU for a day, AWS split weights
const rows: UsageRow[] = [];
for (let d = 0; d < 10; d++) {
  rows.push({ start: T0 + d * DAY, end: T0 + (d + 1) * DAY, quantity: 1, labels: { team: 'a' } });
  // Team b doubles its GPUs every few days: a rising daily spend.
  rows.push({ start: T0 + d * DAY, end: T0 + (d + 1) * DAY, quantity: 1 + Math.floor(d / 3), labels: { team: 'b' } });
}
const costs = attributeCosts({
  usage: usageTable(rows),
  prices: samplePriceCatalog(),
  assets: [{ node: 'n1', instanceType: 'p3.16xlarge', region: 'us-east-1', start: T0, end: T0 + 31 * DAY }],
  window: { step: 'day', start: T0, end: T0 + 31 * DAY },
});
const now = T0 + 10 * DAY;

describe('evaluateBudgets', () => {
  it('computes spend to date, a linear forecast, and status', () => {
    const { budgets } = evaluateBudgets(
      costs,
      [
        { name: 'a-tight', amount: 200, filter: { team: 'a' } },
        { name: 'a-mid', amount: 500, filter: { team: 'a' } },
        { name: 'a-loose', amount: 1000, filter: { team: 'a' } },
      ],
      { now },
    );
    const [tight, mid, loose] = budgets;
    expect(tight!.spend).toBeCloseTo(10 * GPU_DAY, 4);
    expect(tight!.status).toBe('over');
    // Flat spend: the fitted line is flat, so the forecast is spend + 21 more days at the same rate.
    expect(mid!.forecast).toBeCloseTo(31 * GPU_DAY, 3);
    expect(mid!.status).toBe('at-risk');
    expect(loose!.status).toBe('ok');
    expect(mid!.daily).toHaveLength(10);
    expect(mid!.periodStart).toBe(T0);
  });

  it('extrapolates a rising spend with the regression line', () => {
    const { budgets } = evaluateBudgets(costs, [{ name: 'b', amount: 5000, filter: { label_team: 'b' } }], { now });
    const b = budgets[0]!;
    const ys = Array.from({ length: 10 }, (_, d) => (1 + Math.floor(d / 3)) * GPU_DAY);
    const xm = 4.5;
    const ym = ys.reduce((s, y) => s + y, 0) / 10;
    const slope = ys.reduce((s, y, x) => s + (x - xm) * (y - ym), 0) / ys.reduce((s, _, x) => s + (x - xm) ** 2, 0);
    const intercept = ym - slope * xm;
    let expected = ys.reduce((s, y) => s + y, 0);
    for (let d = 10; d < 31; d++) expected += Math.max(0, slope * d + intercept);
    expect(b.forecast).toBeCloseTo(expected, 3);
  });

  it('alerts on burn rate, over-spend and forecast', () => {
    const { alerts } = evaluateBudgets(
      costs,
      [
        { name: 'burn', amount: 600, filter: { team: 'a' }, burnRateMultiple: 1.5 },
        { name: 'over', amount: 100, filter: { team: 'a' } },
      ],
      { now },
    );
    expect(alerts.map((a) => `${a.budget}:${a.kind}`).sort()).toEqual(['burn:burn-rate', 'burn:forecast-over', 'over:burn-rate', 'over:over']);
  });

  it('rejects currency mismatches and unknown filter keys', () => {
    let code = '';
    try {
      evaluateBudgets(costs, [{ name: 'eur', amount: 10, currency: 'EUR' }], { now });
    } catch (e) {
      code = MlopsError.isInstance(e) ? e.code : '';
    }
    expect(code).toBe('CURRENCY_MISMATCH');
    expect(() => evaluateBudgets(costs, [{ name: 'x', amount: 10, filter: { nope: 'a' } }], { now })).toThrow(/neither a dimension/);
  });
});
