import { describe, expect, it } from 'vitest';
import { usageRecordContract, validateTable } from '@mlops/contracts';
import { createScheduler } from './scheduler.js';
import { toUsageRecordTable } from './usage-records.js';

describe('UsageRecord output', () => {
  it('follows the usageRecordContract of @mlops/contracts (strict), with the documented units', () => {
    const t0 = Date.UTC(2026, 10, 23, 12);
    const s = createScheduler({
      nodes: [
        { id: 'spot-1', gpuModel: 'A100-80GB', gpuCount: 8, cpuMilli: 96000, memoryMiB: 1_048_576, pricing: 'spot', instanceType: 'p4de.24xlarge', region: 'us-east-1' },
        { id: 'od-1', gpuModel: 'T4', gpuCount: 4 },
      ],
      clock: () => t0,
    });
    s.submit({ id: 'train', workers: 2, gpusPerWorker: 2, cpuMilliPerWorker: 8000, memoryMiBPerWorker: 65536, gpuModels: ['A100-80GB'], labels: { team: 'nlp', project: 'llm' } });
    s.submit({ id: 'notebook', gpuMilli: 250, gpuModels: ['T4'], preemptible: false });
    s.schedule(t0);
    s.complete('train', t0 + 3_600_000);
    const table = toUsageRecordTable(s.usage({ nowMs: t0 + 1_800_000 }));
    expect(validateTable(table, usageRecordContract, { strict: true })).toBe(table);
    const rows = table.toArray().map((r) => r.toJSON() as Record<string, unknown>);
    const gpuRows = rows.filter((r) => r.resource_kind === 'gpu');
    expect(gpuRows).toHaveLength(3);
    const nb = gpuRows.find((r) => r.label_job === 'notebook')!;
    expect(nb).toMatchObject({ quantity: 0.25, unit: 'gpu', sku: 'T4', pricing_model: 'on-demand', node: 'od-1', label_team: 'default' });
    expect(nb.interval_end).toBe(t0 + 1_800_000);
    const train = rows.filter((r) => r.label_job === 'train');
    expect(train.map((r) => `${r.resource_kind}:${r.quantity}:${r.unit}`).sort()).toEqual(
      ['cpu:8:vcpu', 'cpu:8:vcpu', 'gpu:2:gpu', 'gpu:2:gpu', 'memory:64:GiB', 'memory:64:GiB'].sort(),
    );
    expect(train[0]).toMatchObject({ label_team: 'nlp', label_project: 'llm', pricing_model: 'spot', instance_type: 'p4de.24xlarge', region: 'us-east-1', sku: 'A100-80GB' });
    expect(train[0]!.interval_end as number).toBe(t0 + 3_600_000);
    expect(String(table.schema.fields.find((f) => f.name === 'interval_start')!.type)).toBe('Timestamp<MILLISECOND, UTC>');
  });

  it('skips empty intervals and can leave out CPU and memory', () => {
    const t = toUsageRecordTable(
      [
        { jobId: 'a', queue: 'q', nodeId: 'n', gpuModel: 'T4', startMs: 5, endMs: 5, gpus: 1, cpuMilli: 0, memoryMiB: 0, pricing: 'on-demand', instanceType: undefined, region: undefined, labels: undefined },
        { jobId: 'b', queue: 'q', nodeId: 'n', gpuModel: 'T4', startMs: 5, endMs: 9, gpus: 1, cpuMilli: 1000, memoryMiB: 1024, pricing: 'on-demand', instanceType: undefined, region: undefined, labels: undefined },
      ],
      { includeCpuAndMemory: false },
    );
    expect(t.numRows).toBe(1);
    expect(validateTable(t, usageRecordContract)).toBe(t);
  });
});
