import { seededRandom } from '@mlops/contracts';

export { seededRandom };

/** Standard normal draws (Box–Muller) from a seeded uniform source. */
export function seededNormal(seed: number): () => number {
  const uniform = seededRandom(seed);
  return () => {
    const u = 1 - uniform(); // (0, 1]: log(0) would be -Infinity
    const v = uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
}

/** Per-feature mean and standard deviation of the synthetic customers. */
export const FEATURE_MEANS = [0, 5, -2, 10] as const;
export const FEATURE_STDS = [1, 2, 0.5, 3] as const;
export const FEATURE_COUNT = FEATURE_MEANS.length;

/**
 * `rows` feature vectors, row-major (`rows * 4` values). `shift` is added to each feature's
 * mean, in units of that feature's standard deviation, to simulate traffic that drifted.
 */
export function sampleFeatures(rows: number, seed: number, shift: readonly number[] = [0, 0, 0, 0]): Float32Array {
  const normal = seededNormal(seed);
  const out = new Float32Array(rows * FEATURE_COUNT);
  for (let r = 0; r < rows; r++) {
    for (let f = 0; f < FEATURE_COUNT; f++) {
      const std = FEATURE_STDS[f]!;
      out[r * FEATURE_COUNT + f] = FEATURE_MEANS[f]! + (shift[f] ?? 0) * std + normal() * std;
    }
  }
  return out;
}
