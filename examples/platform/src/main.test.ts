import { describe, expect, it } from 'vitest';
import { runPlatformFlow } from './platform-flow.js';
import type { PlatformFlowResult } from './platform-flow.js';
import { formatSummary } from './summary.js';

describe('platform example, end to end', () => {
  let result: PlatformFlowResult;

  it('runs the whole flow', async () => {
    result = await runPlatformFlow({ requestsPerBatch: 150, rowsPerRequest: 2 });
    expect(formatSummary(result)).toContain('dataset drift DETECTED');
  }, 60_000);

  it('registers two versions and moves champion 1 -> 2 through the metric gate', () => {
    expect(result.registeredVersions).toEqual([1, 2]);
    expect(result.promotion.promoted).toBe(true);
    expect(result.championHistory).toEqual([1, 2]);
  });

  it('hot-reloads the server: every request before is answered by v1, every request after by v2', () => {
    expect(result.reloads.map((e) => [e.from, e.to, e.ok])).toEqual([
      [undefined, '1', true],
      ['1', '2', true],
    ]);
    expect(result.before.versions).toEqual({ '1': 150 });
    expect(result.after.versions).toEqual({ '2': 150 });
    // FP32 inference vs. a float64 reference of the same weights.
    expect(result.before.maxAbsError).toBeLessThan(1e-5);
    expect(result.after.maxAbsError).toBeLessThan(1e-5);
  });

  it('keeps answering while v2 is swapped in: no failed request, v1 before the swap and v2 after', () => {
    expect(result.during.failures).toBe(0);
    expect(result.during.versions['1']).toBeGreaterThanOrEqual(10);
    expect(result.during.versions['2']).toBeGreaterThanOrEqual(20);
    expect(result.during.maxAbsError).toBeLessThan(1e-5);
  });

  it('logs one valid PredictionLog row per scored row, under the version that answered', () => {
    const rowsOf = (version: string) =>
      [result.before, result.during, result.after].reduce((s, t) => s + (t.versions[version] ?? 0) * 2, 0);
    expect(result.logRows).toEqual({ '1': rowsOf('1'), '2': rowsOf('2') });
    expect(rowsOf('1') + rowsOf('2')).toBe(result.before.rows + result.during.rows + result.after.rows);
    expect(result.logFiles).toBeGreaterThanOrEqual(2);
  });

  it('detects drift on the shifted batch only, on the shifted columns', () => {
    expect(result.driftUnshifted.comparedColumns).toBe(4);
    expect(result.driftUnshifted.datasetDrift).toBe(false);
    expect(result.driftUnshifted.driftedColumns).toBe(0);
    expect(result.driftShifted.datasetDrift).toBe(true);
    const drifted = result.driftShifted.columns.filter((c) => c.drifted).map((c) => c.column);
    // x_1 is the one feature the second batch does not shift.
    expect(drifted.sort()).toEqual(['input_x_0', 'input_x_2', 'input_x_3']);
    for (const c of result.driftShifted.columns) expect(c.currentSize).toBe(300);
    for (const c of result.driftUnshifted.columns) expect(c.currentSize).toBe(300);
    // The DriftResult table (validated against the contract inside the flow) says the same.
    expect(result.driftShiftedTable.numRows).toBe(4);
    expect(result.driftShiftedTable.getChild('drifted')!.toArray()).toEqual(result.driftShifted.columns.map((c) => c.drifted));
  });

  it('finds the same answer in-process, from the monitor profiles and the reference profile stored with the model', () => {
    expect(Object.keys(result.monitorDrift).sort()).toEqual(['1', '2']);
    expect(result.monitorDrift['1']!.estimate).toBe(true);
    expect(result.monitorDrift['1']!.datasetDrift).toBe(false);
    expect(result.monitorDrift['2']!.datasetDrift).toBe(true);
    expect(result.monitorDrift['1']!.columns[0]!.currentSize).toBe(result.logRows['1']);
  });

  it('schedules the GPU jobs, with the preemption, and the team costs add up to the node cost', () => {
    expect(result.gpu.decisions).toContain('preempt search-finetune');
    expect(result.gpu.usageRows).toBeGreaterThan(0);
    const teams = result.gpu.teams.map((t) => t.team).sort();
    // Idle is shared per node (the jobs hold GPUs only), so the teams carry the whole bill.
    expect(teams).toEqual(['ads', 'fraud', 'search']);
    const parts = result.gpu.teams.reduce((s, t) => s + t.costMicros, 0);
    expect(parts).toBe(result.gpu.totalMicros);
    // 2 x p4d.24xlarge ($32.7726/h) + 1 x g5.12xlarge ($5.672/h), 3 hours, whole micro-dollars.
    expect(result.gpu.expectedNodeMicros).toBe(213_651_600);
    expect(result.gpu.totalMicros).toBe(result.gpu.expectedNodeMicros);
    // Held GPU-hours: gang 2x8 GPUs for 45 min = 12; search-eval 4 GPUs x 2 h = 8; ads 8 x 1.75 h + 0.5 x 3 h; fraud 1 h.
    const gpuHours = Object.fromEntries(result.gpu.teams.map((t) => [t.team, t.gpuHours]));
    expect(gpuHours).toEqual({ search: 20, ads: 15.5, fraud: 1 });
  });
});
