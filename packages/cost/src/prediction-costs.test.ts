import { describe, expect, it } from 'vitest';
import { buildTable, predictionLogSchema } from '@mlops/contracts';
import { attributeCosts } from './attribute-costs.js';
import { costOfPredictions } from './prediction-costs.js';
import { samplePriceCatalog } from './price-catalog.js';
import { renderCostReport } from './report.js';
import { H, T0, usageTable } from '../test/usage-fixtures.js';

// One g5.xlarge ($1.006/h, 1 GPU, 4 vCPU, 16 GiB) serving model "ctr" for team ads, fully held for
// two hours, up (idle) for a third.
const serving = { node: 's1', instanceType: 'g5.xlarge', region: 'us-east-1', start: T0, end: T0 + 3 * H };
const usage = usageTable(
  (['gpu', 'cpu', 'memory'] as const).map((kind) => ({ start: T0, end: T0 + 2 * H, kind, quantity: { gpu: 1, cpu: 4, memory: 16 }[kind], node: 's1', instanceType: 'g5.xlarge', labels: { team: 'ads', model: 'ctr' } })),
);
const costs = attributeCosts({ usage, prices: samplePriceCatalog(), assets: [serving], window: { start: T0, end: T0 + 3 * H } });

function log(rows: { t: number; version: string; latency: number; n: number }[]) {
  const cols = { request_id: [] as string[], timestamp: [] as number[], model_name: [] as string[], model_version: [] as string[], latency_ms: [] as number[] };
  for (const r of rows) {
    for (let k = 0; k < r.n; k++) {
      cols.request_id.push(`${r.version}-${r.t}-${k}`);
      cols.timestamp.push(r.t + k);
      cols.model_name.push('ctr');
      cols.model_version.push(r.version);
      cols.latency_ms.push(r.latency);
    }
  }
  return buildTable(predictionLogSchema(), cols);
}
// Hour 1: version 1 only (1,000 at 10 ms). Hour 2: 500 of version 1 at 10 ms and 500 of version 2
// at 30 ms (3x slower). One version-2 prediction before any cost window.
const logs = [log([{ t: T0, version: '1', latency: 10, n: 1000 }, { t: T0 + H, version: '1', latency: 10, n: 500 }]), log([{ t: T0 + H + 1000, version: '2', latency: 30, n: 500 }, { t: T0 - H, version: '2', latency: 30, n: 1 }])];

const rowsOf = (t: ReturnType<typeof costOfPredictions>['byVersion']) => t.toArray().map((r) => ({ ...(r as Record<string, unknown>) }));

describe('costOfPredictions', () => {
  it('splits each hour by busy time: the 3x slower version pays 3x per prediction', () => {
    const { byVersion, byTeam } = costOfPredictions({ predictionLogs: logs, costs });
    const r = rowsOf(byVersion);
    const v1 = r.find((x) => x.model_version === '1')!;
    const v2 = r.find((x) => x.model_version === '2')!;
    // Hour 1: $1.006 to v1. Hour 2: busy 5,000 ms (v1) vs 15,000 ms (v2): $0.2515 and $0.7545.
    expect(v1.cost_micros).toBe(1_006_000 + 251_500);
    expect(v2.cost_micros).toBe(754_500);
    expect(v1.cost_per_1000).toBeCloseTo((1.2575 / 1500) * 1000, 9);
    expect(v2.cost_per_1000).toBeCloseTo((0.7545 / 500) * 1000, 9);
    expect(v2.unpriced_predictions).toBe(1);
    expect(v1.team).toBe('ads');
    // Hour 3: the node was up and nothing answered.
    const unused = r.find((x) => x.model_name === '__unused__')!;
    expect(unused.cost_micros).toBe(1_006_000);
    expect(r.reduce((s, x) => s + (x.cost_micros as number), 0)).toBe(3_018_000);
    const ads = byTeam.toArray().map((x) => x as Record<string, unknown>).find((x) => x.team === 'ads')!;
    expect(ads.predictions).toBe(2000);
    expect(ads.cost_per_1000).toBeCloseTo((2.012 / 2000) * 1000, 9);
  });

  it("basis: 'count' splits by predictions instead", () => {
    const r = rowsOf(costOfPredictions({ predictionLogs: logs, costs, basis: 'count' }).byVersion);
    expect(r.find((x) => x.model_version === '2')!.cost_micros).toBe(503_000);
  });

  it('shows in the HTML report', () => {
    const html = renderCostReport(costs, { predictions: costOfPredictions({ predictionLogs: logs, costs }) });
    expect(html).toContain('Cost per 1,000 predictions');
    expect(html).toMatch(/ctr<\/td><td>2<\/td>/);
  });

  it('refuses a log without the PredictionLog columns', () => {
    expect(() => costOfPredictions({ predictionLogs: usage, costs })).toThrow(/model_name/);
  });
});
