/** A tiny seeded xorshift32 generator: sketches stay deterministic and reproducible. */
export function nextRandom(state: { seed: number }): number {
  let x = state.seed | 0 || 0x9e3779b9;
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  state.seed = x >>> 0;
  return state.seed;
}
