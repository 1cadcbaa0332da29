import { tableFromArrays } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { MlopsError } from '@mlops/contracts';
import { gpuMilliFraction, migProfileFraction, timeSliceFraction } from './fractional-gpu.js';
import { findPrice, loadPriceCatalog, samplePriceCatalog } from './price-catalog.js';
import { resourceShares } from './split-methods.js';

describe('split methods (reference examples)', () => {
  it('AWS split weights: p3.16xlarge at $10/h -> GPU $0.504, vCPU $0.0504, GiB $0.0056 per hour', () => {
    // AWS "Improve cost visibility of ML workloads on EKS with split cost allocation data":
    // GPU 9, vCPU 0.9, GB 0.1 -> unit = 10 / (72 + 57.6 + 48.8).
    const [g, c, m] = resourceShares('aws-split', { gpu: 8, vcpu: 64, memoryGiB: 488 });
    expect((10 * g) / 8).toBeCloseTo(0.504, 3);
    expect((10 * c) / 64).toBeCloseTo(0.0504, 4);
    expect((10 * m) / 488).toBeCloseTo(0.0056, 4);
    expect(g + c + m).toBeCloseTo(1, 12);
  });

  it('AWS split weights on CPU nodes: m5.xlarge at $1/h -> $0.17/vCPU-h, $0.02/GiB-h', () => {
    const [g, c, m] = resourceShares('aws-split', { gpu: 0, vcpu: 4, memoryGiB: 16 });
    expect(g).toBe(0);
    expect(c / 4).toBeCloseTo(0.173, 3);
    expect(m / 16).toBeCloseTo(0.0192, 4);
  });

  it('OpenCost ratios: the spec example $35 node (1 GPU, 1 CPU, 1 GB) with base $30/$30/$10 -> $15/$15/$5', () => {
    const [g, c, m] = resourceShares({ weights: { gpu: 30, cpu: 30, memory: 10 } }, { gpu: 1, vcpu: 1, memoryGiB: 1 });
    expect([35 * g, 35 * c, 35 * m].map((x) => Number(x.toFixed(6)))).toEqual([15, 15, 5]);
  });
});

describe('fractional GPUs', () => {
  it('MIG profiles by compute slices and by memory slices', () => {
    expect(migProfileFraction('1g.10gb')).toBeCloseTo(1 / 7, 12);
    expect(migProfileFraction('3g.40gb')).toBeCloseTo(3 / 7, 12);
    expect(migProfileFraction('7g.80gb')).toBe(1);
    expect(migProfileFraction('3g.40gb', { basis: 'memory' })).toBe(0.5);
    expect(migProfileFraction('2g.12gb', { gpuModel: 'A30' })).toBe(0.5);
    expect(() => migProfileFraction('9g.90gb')).toThrow(/does not exist on A100-40GB or A100-80GB/);
    expect(() => migProfileFraction('big')).toThrow(/should look like/);
  });

  it('time slicing and gpu_milli', () => {
    expect(timeSliceFraction(4)).toBe(0.25);
    expect(gpuMilliFraction(460)).toBe(0.46);
    expect(() => timeSliceFraction(0)).toThrow(MlopsError);
    expect(() => gpuMilliFraction(-1)).toThrow(MlopsError);
  });
});

describe('price catalogs', () => {
  it('ships a dated sample with its source', () => {
    const c = samplePriceCatalog();
    expect(c.asOf).toBe('2024-06-01');
    expect(c.source).toMatch(/public list prices/);
    expect(c.currency).toBe('USD');
    const p4d = findPrice(c, 'p4d.24xlarge', 'us-east-1');
    expect('entry' in p4d && p4d.entry.price).toBe(32.7726);
  });

  it('loads SkyPilot CSV (quoted fields, extra columns) and lets custom prices override the base', () => {
    const csv = 'InstanceType,AcceleratorName,AcceleratorCount,vCPUs,MemoryGiB,GpuInfo,Price,SpotPrice,Region,AvailabilityZone\n' +
      'p4d.24xlarge,A100,8,96,1152,"{""Name"": ""A100""}",20.5,,us-east-1,us-east-1a\n';
    const c = loadPriceCatalog(csv, { base: samplePriceCatalog() });
    const p = findPrice(c, 'p4d.24xlarge', 'us-east-1');
    expect('entry' in p && p.entry.price).toBe(20.5);
    const untouched = findPrice(c, 'g5.xlarge', 'us-east-1');
    expect('entry' in untouched && untouched.entry.price).toBe(1.006);
  });

  it('loads an Arrow table and flags ambiguous regions', () => {
    const t = tableFromArrays({
      InstanceType: ['x', 'x'],
      AcceleratorCount: new Float64Array([1, 1]),
      vCPUs: new Float64Array([4, 4]),
      MemoryGiB: new Float64Array([16, 16]),
      Price: new Float64Array([1, 2]),
      Region: ['r1', 'r2'],
    });
    const c = loadPriceCatalog(t);
    expect(findPrice(c, 'x', null)).toEqual({ missing: 'ambiguous', regions: ['r1', 'r2'] });
    expect(findPrice(c, 'x', 'r2')).toMatchObject({ entry: { price: 2 } });
  });

  it('rejects malformed rows in one error listing them all', () => {
    let err: MlopsError | undefined;
    try {
      loadPriceCatalog('InstanceType,AcceleratorCount,vCPUs,MemoryGiB,Price\na,0,4,16,-1\nb,0,x,16,1\n');
    } catch (e) {
      err = e as MlopsError;
    }
    expect(err?.code).toBe('INVALID_CATALOG');
    expect(err?.message).toMatch(/row 1 \(a\)/);
    expect(err?.message).toMatch(/row 2 \(b\)/);
  });
});
