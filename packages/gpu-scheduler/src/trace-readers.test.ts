import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseCsv, readAlibabaNodes, readAlibabaPods, readPhillyTrace } from './trace-readers.js';

const fixture = (name: string): string => fileURLToPath(new URL(`../test/fixtures/${name}`, import.meta.url));

describe('Philly job table', () => {
  it('maps columns to jobs: UTC submit time, ms durations, 8-GPU gangs, virtual clusters as queues', () => {
    const jobs = readPhillyTrace({
      text: 'timestamp,duration,num_gpus,gpu_time,cluster\n2017-10-09 07:01:55,66.0,1,66.0,11cb48\n2017-10-03 00:00:00,10.0,32,320.0,6214e9\n2017-10-04 00:00:00,1.0,12,12.0,6214e9\n',
    });
    expect(jobs.map((j) => j.id)).toEqual(['philly-1', 'philly-2', 'philly-0']);
    expect(jobs[0]).toMatchObject({ submitMs: Date.UTC(2017, 9, 3), durationMs: 10_000, workers: 4, gpusPerWorker: 8, queue: 'vc-6214e9', estimatedDurationMs: 10_000, checkpointable: true });
    expect(jobs[1]).toMatchObject({ workers: 12, gpusPerWorker: 1 });
    expect(jobs[2]).toMatchObject({ submitMs: Date.UTC(2017, 9, 9, 7, 1, 55), durationMs: 66_000, workers: 1, gpusPerWorker: 1 });
    expect(readPhillyTrace({ text: 'timestamp,duration,num_gpus,gpu_time,cluster\n2017-10-09 07:01:55,66.0,1,66.0,a\n', estimates: 'none' })[0]!.estimatedDurationMs).toBeUndefined();
  });

  it('reads the committed slice of the real trace', () => {
    const jobs = readPhillyTrace({ path: fixture('philly-slice.csv') });
    expect(jobs).toHaveLength(400);
    for (let i = 1; i < jobs.length; i++) expect(jobs[i]!.submitMs).toBeGreaterThanOrEqual(jobs[i - 1]!.submitMs);
    expect(new Set(jobs.map((j) => j.queue)).size).toBeGreaterThan(3);
  });

  it('reports malformed input with the line and what was expected', () => {
    expect(() => readPhillyTrace({ text: 'a,b\n1,2\n' })).toThrowError(expect.objectContaining({ code: 'DATA_CORRUPTED', message: expect.stringContaining('missing column(s) timestamp') }));
    expect(() => readPhillyTrace({ text: 'timestamp,duration,num_gpus,gpu_time,cluster\nyesterday,1,1,1,a\n' })).toThrow(/line 2: timestamp/);
    expect(() => readPhillyTrace({ text: 'timestamp,duration,num_gpus,gpu_time,cluster\n2017-10-09 07:01:55,x,1,1,a\n' })).toThrow(/duration must be a number/);
    expect(() => readPhillyTrace({})).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => parseCsv('a,b\n1\n', 'x.csv')).toThrow(/line 2 has 1 fields, expected 2/);
  });
});

describe('Alibaba GPU v2023', () => {
  it('nodes: sn, cpu_milli, memory_mib, gpu, model', () => {
    const nodes = readAlibabaNodes({ path: fixture('alibaba-nodes-slice.csv') });
    expect(nodes).toHaveLength(41);
    expect(nodes[0]).toEqual({ id: 'openb-node-0000', gpuModel: 'P100', gpuCount: 2, cpuMilli: 64000, memoryMiB: 262144 });
  });

  it('pods: fractions of a GPU, CPU-only pods, QoS as priority, run time from scheduled to deleted', () => {
    const pods = readAlibabaPods({
      text:
        'name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time\n' +
        'p0,12000,16384,1,1000,,LS,Running,0,12537496,0\n' +
        'p1,6000,12288,1,460,V100M16|V100M32,BE,Running,427061,12902960,427070\n' +
        'p2,4000,8192,0,0,,Burstable,Pending,500000,500100,\n' +
        'p3,32000,65536,8,1000,G2,LS,Running,600000,700000,600010\n',
    });
    expect(pods.map((p) => p.id)).toEqual(['p0', 'p1', 'p2', 'p3']);
    expect(pods[0]).toMatchObject({ gpusPerWorker: 1, priority: 2, preemptible: false, durationMs: 12_537_496_000 });
    expect(pods[1]).toMatchObject({ gpuMilli: 460, gpuModels: ['V100M16', 'V100M32'], priority: 0, preemptible: true, submitMs: 427_061_000, durationMs: (12902960 - 427070) * 1000 });
    expect(pods[1]!.gpusPerWorker).toBeUndefined();
    expect(pods[2]).toMatchObject({ gpusPerWorker: 0, priority: 1, durationMs: 100_000 });
    expect(pods[3]).toMatchObject({ gpusPerWorker: 8, gpuModels: ['G2'], cpuMilliPerWorker: 32000, memoryMiBPerWorker: 65536 });
  });

  it('reads the committed slice of the real pod list', () => {
    const pods = readAlibabaPods({ path: fixture('alibaba-pods-slice.csv') });
    expect(pods).toHaveLength(300);
    expect(pods.some((p) => p.gpuMilli !== undefined)).toBe(true);
  });
});
