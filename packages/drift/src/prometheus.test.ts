import { spawnSync } from 'node:child_process';
import { tableFromArrays } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { compare } from './compare.js';
import { createDriftMonitor } from './drift-monitor.js';
import { toPrometheus } from './prometheus.js';

// promtool (Debian package `prometheus`) lints exposition text: names, types, _total on counters.
function promtool(text: string): { status: number | null; output: string } {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (r.error) throw r.error;
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

const n = 2000;
const reference = tableFromArrays({
  age: Float64Array.from({ length: n }, (_, i) => 20 + (i % 50)),
  plan: Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 'pro' : 'free')),
});

describe('toPrometheus', () => {
  it('a monitor passes promtool check metrics, with per-column, dataset, quality and counter series', () => {
    const m = createDriftMonitor({ reference, window: { rows: 1000 } });
    m.observe(Array.from({ length: 1000 }, (_, i) => ({ age: (20 + (i % 50)) * 12, plan: i % 7 === 0 ? 'enterprise "gold"\\x' : 'free' })));
    const text = toPrometheus(m, { labels: { model: 'churn' } });
    const lint = promtool(text);
    expect(lint.output).toBe('');
    expect(lint.status).toBe(0);
    expect(text).toContain('mlops_drift_column_drifted{model="churn",column="age"} 1');
    expect(text).toContain('# TYPE mlops_drift_rows_observed_total counter');
    expect(text).toContain('mlops_drift_rows_observed_total{model="churn"} 1000');
    expect(text).toMatch(/mlops_drift_quality_problem\{model="churn",column="age",check="out_of_range",severity="warning"\} 1/);
    expect(text).toMatch(/mlops_drift_dataset_drifted_share\{model="churn"\} 1\n/);
  });

  it('a compare() report exports column and dataset gauges only', () => {
    const text = toPrometheus(compare(reference, reference));
    expect(promtool(text).status).toBe(0);
    expect(text).not.toContain('_total');
    expect(text).toContain('mlops_drift_dataset_drift 0');
  });

  it('rejects bad prefixes and label names', () => {
    expect(() => toPrometheus(compare(reference, reference), { prefix: '9bad' })).toThrowError(/prefix/);
    expect(() => toPrometheus(compare(reference, reference), { labels: { 'a-b': 'x' } })).toThrowError(/label names/);
    expect(() => toPrometheus({} as never)).toThrowError(/drift report/);
  });
});
