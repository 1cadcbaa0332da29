import { describe, expect, it } from 'vitest';
import { metricGate } from './gates.js';
import type { ModelVersion } from './types.js';

const mv = (version: number, metrics: Record<string, number>): ModelVersion => ({
  name: 'm',
  version,
  createdAt: 0,
  updatedAt: 0,
  createdBy: 'a',
  description: '',
  status: 'READY',
  artifacts: [],
  metrics,
  params: {},
  tags: {},
  lineage: {},
  revision: 0,
});

describe('metricGate', () => {
  it('requires the improvement over the incumbent (AUC >= champion + 0.01)', async () => {
    const gate = metricGate({ metric: 'auc', minImprovement: 0.01 });
    expect(await gate(mv(2, { auc: 0.91 }), mv(1, { auc: 0.9 }))).toMatchObject({ passed: true });
    expect(await gate(mv(2, { auc: 0.905 }), mv(1, { auc: 0.9 }))).toMatchObject({ passed: false, reasons: [expect.stringContaining('needs >= 0.91')] });
    expect(await gate(mv(2, { auc: 0.5 }), undefined)).toMatchObject({ passed: true });
    expect(await gate(mv(2, {}), mv(1, { auc: 0.9 }))).toMatchObject({ passed: false, reasons: [expect.stringContaining('no metric "auc"')] });
  });
  it('supports lower-is-better metrics and absolute thresholds', async () => {
    const gate = metricGate({ metric: 'rmse', higherIsBetter: false, minImprovement: 0.1, threshold: 2 });
    expect(await gate(mv(2, { rmse: 1.5 }), mv(1, { rmse: 1.7 }))).toMatchObject({ passed: true });
    expect(await gate(mv(2, { rmse: 1.65 }), mv(1, { rmse: 1.7 }))).toMatchObject({ passed: false });
    expect(await gate(mv(2, { rmse: 2.5 }), undefined)).toMatchObject({ passed: false, reasons: expect.arrayContaining([expect.stringContaining('misses the threshold')]) });
    expect(() => metricGate({ metric: '' })).toThrow(/metricGate needs/);
  });
});
