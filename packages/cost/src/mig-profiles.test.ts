import { describe, expect, it } from 'vitest';
import { migProfileFraction } from './fractional-gpu.js';

// NVIDIA MIG profile tables (MIG user guide "Supported MIG profiles"; instance counts from
// NVIDIA/mig-parted config-default.yaml): 7 compute slices and 8 memory slices per GPU.
describe('defect 7: MIG fractions from the profile tables', () => {
  it('1g.20gb on an H100 (80GB) holds 2 of 8 memory slices: 0.25, not 0.125', () => {
    expect(migProfileFraction('1g.20gb', { gpuModel: 'H100', basis: 'memory' })).toBe(0.25);
    expect(migProfileFraction('1g.20gb', { gpuModel: 'H100-80GB', basis: 'compute' })).toBeCloseTo(1 / 7, 12);
  });

  it('refuses a profile the GPU does not have: 3g.40gb on an A100-40GB', () => {
    expect(() => migProfileFraction('3g.40gb', { gpuModel: 'A100-40GB' })).toThrow(/3g\.40gb.*A100-40GB.*3g\.20gb/s);
  });

  it('reads every row of the tables', () => {
    const mem = (p: string, g: string) => migProfileFraction(p, { gpuModel: g, basis: 'memory' });
    expect(mem('1g.5gb', 'A100-40GB')).toBe(1 / 8);
    expect(mem('1g.10gb', 'A100-40GB')).toBe(2 / 8);
    expect(mem('1g.10gb', 'A100-80GB')).toBe(1 / 8);
    expect(mem('3g.20gb', 'A100-40GB')).toBe(4 / 8);
    expect(mem('4g.40gb', 'H100')).toBe(4 / 8);
    expect(mem('7g.80gb', 'A100-80GB')).toBe(1);
    expect(mem('1g.18gb', 'H200')).toBe(1 / 8);
    expect(mem('3g.71gb', 'H200-141GB')).toBe(4 / 8);
    expect(migProfileFraction('2g.35gb', { gpuModel: 'NVIDIA H200' })).toBeCloseTo(2 / 7, 12);
    expect(migProfileFraction('nvidia.com/mig-1g.10gb+me', { gpuModel: 'A100-80GB' })).toBeCloseTo(1 / 7, 12);
  });

  it('an A100 of unknown memory resolves by profile name, and refuses when the two tables disagree', () => {
    expect(migProfileFraction('3g.40gb', { gpuModel: 'A100', basis: 'memory' })).toBe(0.5);
    expect(migProfileFraction('1g.10gb', { gpuModel: 'A100' })).toBeCloseTo(1 / 7, 12);
    expect(() => migProfileFraction('1g.10gb', { gpuModel: 'A100', basis: 'memory' })).toThrow(/A100-40GB.*A100-80GB/);
    expect(() => migProfileFraction('1g.5gb', { gpuModel: 'B200' })).toThrow(/B200/);
  });
});
