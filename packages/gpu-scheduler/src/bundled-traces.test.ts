import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { bundledTrace, bundledTraceFiles } from './bundled-traces.js';
import { simulate } from './simulator.js';
import { fifoOrdering } from './ordering-policies.js';

describe('traces shipped in the package', () => {
  it('philly: all 82,247 jobs from the gzip file, on 480 GPUs by default', () => {
    const t = bundledTrace('philly');
    expect(t.jobs).toHaveLength(82_247);
    expect(t.nodes.reduce((a, n) => a + n.gpuCount, 0)).toBe(480);
    // The CSV inside the gzip has one header and one line per job.
    const lines = gunzipSync(readFileSync(bundledTraceFiles().philly)).toString('utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('timestamp,duration,num_gpus,gpu_time,cluster');
    expect(lines).toHaveLength(82_248);
    expect(t.jobs.filter((j) => (j.workers ?? 1) * (j.gpusPerWorker ?? 1) === 1)).toHaveLength(76_627);
  });

  it('alibaba: 8,152 pods and 1,213 GPU nodes with 6,212 GPUs', () => {
    const t = bundledTrace('alibaba');
    expect(t.jobs).toHaveLength(8_152);
    expect(t.nodes).toHaveLength(1_213);
    expect(t.nodes.reduce((a, n) => a + n.gpuCount, 0)).toBe(6_212);
    expect(t.jobs.filter((j) => j.gpuMilli !== undefined)).toHaveLength(3_078);
  });

  it('simulate({ trace: name }) runs the bundled trace on its default cluster', () => {
    const r = simulate({ trace: 'philly', policy: { ordering: fifoOrdering() }, until: Date.UTC(2017, 9, 5), usage: false });
    expect(r.jobs).toBe(82_247);
    expect(r.completed).toBeGreaterThan(1000);
    expect(r.rejected).toBe(0);
  });

  it('the npm tarball carries Philly and its provenance but not the research-only Alibaba files', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { files: string[] };
    expect(pkg.files).toEqual(['dist', 'traces/philly-jobs.csv.gz', 'traces/PROVENANCE.md']);
  });

  it('unknown names are refused with the names that exist', () => {
    expect(() => bundledTrace('helios' as 'philly')).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('philly, alibaba') }));
    expect(() => simulate({ trace: 'helios' as 'philly' })).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining("'philly' or 'alibaba'") }));
  });
});

describe('named policies (for the CLI)', () => {
  it('fifo, las, tiresias, sjf and drf resolve; anything else is refused', async () => {
    const { namedPolicy, POLICY_NAMES } = await import('./named-policies.js');
    expect(POLICY_NAMES.map((n) => [n, namedPolicy(n).ordering!.name, namedPolicy(n).preemption ?? false])).toEqual([
      ['fifo', 'fifo', false],
      ['las', 'tiresias-las', true],
      ['tiresias', 'tiresias-las', true],
      ['sjf', 'sjf', false],
      ['drf', 'fair-share', false],
    ]);
    expect(namedPolicy('tiresias').ordering!.starvationFactor).toBe(8);
    expect(() => namedPolicy('random' as 'fifo')).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});
