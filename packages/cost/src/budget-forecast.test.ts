import { describe, expect, it } from 'vitest';
import { attributeCosts } from './attribute-costs.js';
import { evaluateBudgets } from './budgets.js';
import { samplePriceCatalog } from './price-catalog.js';
import { H, usageTable } from '../test/usage-fixtures.js';

// Monday 2026-01-05 00:00Z starts an ISO week. The p3.16xlarge node costs $24.48/h whatever runs.
const W0 = Date.UTC(2026, 0, 5);
const WEEK = 7 * 24 * H;
const prices = samplePriceCatalog();

function costsFrom(start: number, end: number) {
  const usage = usageTable([{ start: W0, end: W0 + 6 * H, quantity: 8, labels: { team: 'a' } }]);
  return attributeCosts({ usage, prices, assets: [{ node: 'n1', instanceType: 'p3.16xlarge', region: 'us-east-1', start, end }], window: { start, end } });
}

describe('defect 5: early-period budget forecasts', () => {
  it('6 hours into a week, a $1,200 weekly budget does not alert on a run-rate forecast of $4,100', () => {
    const costs = costsFrom(W0, W0 + 6 * H);
    const { budgets, alerts } = evaluateBudgets(costs, [{ name: 'weekly', amount: 1200, period: 'week' }], { now: W0 + 6 * H });
    const b = budgets[0]!;
    expect(b.spend).toBeCloseTo(6 * 24.48, 6);
    // The plain run rate would say 168 h x $24.48 = $4,112.64: reported, but flagged as too early.
    expect(b.forecast).toBeCloseTo(168 * 24.48, 4);
    expect(b.forecastBasis).toBe('too-early');
    expect(b.status).toBe('ok');
    expect(alerts.filter((a) => a.kind === 'forecast-over')).toEqual([]);
  });

  it('with the previous week in the costs, the forecast blends its rate by the elapsed share', () => {
    // The node ran (idle, $24.48/h) through the previous week too: $4,112.64 for that week.
    const costs = costsFrom(W0 - WEEK, W0 + 6 * H);
    const now = W0 + 6 * H;
    const { budgets } = evaluateBudgets(costs, [{ name: 'weekly', amount: 1200, period: 'week' }], { now });
    const b = budgets[0]!;
    expect(b.forecastBasis).toBe('blended');
    expect(b.elapsedShare).toBeCloseTo(6 / 168, 12);
    // Both rates are $24.48/h here, so the blend is too.
    expect(b.forecast).toBeCloseTo(168 * 24.48, 3);
    expect(b.status).toBe('at-risk');
  });

  it('once minElapsedShare of the period has passed, the run-rate forecast alerts', () => {
    const usage = usageTable([{ start: W0, end: W0 + 48 * H, quantity: 8, labels: { team: 'a' } }]);
    const costs = attributeCosts({ usage, prices, assets: [{ node: 'n1', instanceType: 'p3.16xlarge', region: 'us-east-1', start: W0, end: W0 + 48 * H }], window: { start: W0, end: W0 + 48 * H } });
    const { budgets, alerts } = evaluateBudgets(costs, [{ name: 'weekly', amount: 1200, period: 'week' }], { now: W0 + 48 * H });
    expect(budgets[0]!.forecastBasis).toBe('run-rate');
    expect(alerts.map((a) => a.kind)).toContain('forecast-over');
    const early = evaluateBudgets(costs, [{ name: 'weekly', amount: 5000, period: 'week', minElapsedShare: 0.5 }], { now: W0 + 48 * H });
    expect(early.budgets[0]!.forecastBasis).toBe('too-early');
  });
});
