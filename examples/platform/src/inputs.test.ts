import { MlopsError } from '@mlops/contracts';
import { describe, expect, it } from 'vitest';
import { buildScorerModel, scoreReference } from './onnx-model.js';
import { runPlatformFlow } from './platform-flow.js';
import { FEATURE_MEANS, FEATURE_STDS, sampleFeatures } from './seeded-random.js';

describe('example inputs', () => {
  it('rejects bad options with INVALID_ARGUMENT before touching any store', async () => {
    for (const options of [{ requestsPerBatch: 5 }, { rowsPerRequest: 0 }, { concurrency: 1.5 }]) {
      const error: unknown = await runPlatformFlow(options).catch((e: unknown) => e);
      expect(MlopsError.isInstance(error)).toBe(true);
      expect((error as MlopsError).code).toBe('INVALID_ARGUMENT');
    }
  });

  it('refuses a scorer with the wrong number of weights', () => {
    expect(() => buildScorerModel([1, 2, 3], 0)).toThrow(/Expected 4 weights/);
  });

  it('scores like a logistic function', () => {
    // sigmoid(0) = 0.5; sigmoid(1*1 + 2*1 - 3) = 0.5; sigmoid(ln 3) = 0.75.
    const y = scoreReference(Float32Array.of(0, 0, 0, 0, 1, 1, 0, 0), [1, 2, 0, 0], -3);
    expect(y[0]).toBeCloseTo(1 / (1 + Math.exp(3)), 12);
    expect(y[1]).toBeCloseTo(0.5, 12);
  });

  it('draws reproducible features with the declared means and deviations, shifted on request', () => {
    const rows = 20_000;
    const a = sampleFeatures(rows, 1);
    expect(sampleFeatures(rows, 1)).toEqual(a);
    const shifted = sampleFeatures(rows, 1, [2, 0, 0, 0]);
    for (let f = 0; f < 4; f++) {
      let sum = 0;
      let sq = 0;
      for (let r = 0; r < rows; r++) {
        sum += a[r * 4 + f]!;
        sq += a[r * 4 + f]! ** 2;
      }
      const mean = sum / rows;
      const std = Math.sqrt(sq / rows - mean * mean);
      // Standard error of the mean is std / sqrt(20000) ~ 0.7% of std; allow 5 of them.
      expect(Math.abs(mean - FEATURE_MEANS[f]!)).toBeLessThan(0.035 * FEATURE_STDS[f]!);
      expect(std / FEATURE_STDS[f]!).toBeGreaterThan(0.97);
      expect(std / FEATURE_STDS[f]!).toBeLessThan(1.03);
    }
    // Same draws, plus exactly 2 standard deviations on feature 0.
    expect(shifted[0]! - a[0]!).toBeCloseTo(2 * FEATURE_STDS[0], 5);
    expect(shifted[1]).toBe(a[1]);
  });
});
