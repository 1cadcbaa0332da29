import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { replay } from './replay.js';

describe('examples/drift-in-express', () => {
  it('adding the monitor took at most 10 added lines', () => {
    const before = new URL('./service-before.ts', import.meta.url).pathname;
    const after = new URL('./service.ts', import.meta.url).pathname;
    const diff = spawnSync('diff', ['-U0', before, after], { encoding: 'utf8' }).stdout;
    const added = diff.split('\n').filter((l) => l.startsWith('+') && !l.startsWith('+++'));
    expect(added.length).toBeLessThanOrEqual(10);
    expect(readFileSync(after, 'utf8')).toContain("from '@mlops/drift'");
  });

  it('the age unit change is flagged on that column only, /metrics shows it, the webhook fires once', async () => {
    const result = await replay(1200);
    const flag = (column: string): string | undefined => result.metrics.match(new RegExp(`^mlops_drift_column_drifted\\{model="churn",column="${column}"\\} (\\d)$`, 'm'))?.[1];
    expect(flag('age')).toBe('1');
    expect(flag('income')).toBe('0');
    expect(flag('plan')).toBe('0');
    expect(result.metrics).toMatch(/^churn_predictions_total 1200$/m);
    expect(result.metrics).toMatch(/^mlops_drift_rows_observed_total\{model="churn"\} 1200$/m);
    expect(result.metrics).toMatch(/^mlops_drift_quality_problem\{model="churn",column="age",check="out_of_range",severity="warning"\} 1$/m);
    expect(result.webhookCalls).toHaveLength(1);
    expect(result.webhookCalls[0]).toMatchObject({ format: 'mlops-retrain-event/v1', consecutiveWindows: 2, report: { driftedColumns: ['age'] } });
    const lint = spawnSync('promtool', ['check', 'metrics'], { input: result.metrics, encoding: 'utf8' });
    expect(`${lint.stdout}${lint.stderr}`).toBe('');
  });
});
