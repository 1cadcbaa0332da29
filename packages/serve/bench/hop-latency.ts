// Development helper (not the benchmark): round-trip time of one-row `model.infer` calls made
// one after another, i.e. the cost of the main thread -> worker -> main thread hop with no
// batching and no HTTP. Arguments: package directories to compare (default: this one), e.g. an
// older commit exported with `git archive` next to this checkout.
//   npx tsx --conditions=@mlops/source bench/hop-latency.ts [dir ...]
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as Serve from '../src/index.js';
import type * as Models from '../test/onnx-models.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const dirs = process.argv.slice(2).length > 0 ? process.argv.slice(2) : [path.join(here, '..')];
for (const dir of dirs) {
  const { loadModel } = (await import(path.resolve(dir, 'src/index.ts'))) as typeof Serve;
  const { mlpModel } = (await import(path.resolve(dir, 'test/onnx-models.ts'))) as typeof Models;
  const model = await loadModel({ source: mlpModel([32, 256, 256, 2]), workers: 1 });
  const x = new Float32Array(32).fill(0.5);
  const lat: number[] = [];
  for (let i = 0; i < 3000; i++) {
    const t = performance.now();
    await model.infer({ x: { data: x, shape: [1, 32] } });
    lat.push(performance.now() - t);
    // Every third call, let the worker go idle, as between requests of a lightly loaded server.
    if (i % 3 === 0) await new Promise((r) => setTimeout(r, 1));
  }
  lat.sort((a, b) => a - b);
  const q = (p: number): string => lat[Math.floor(p * lat.length)]!.toFixed(3);
  console.log(`${dir}: infer round trip p50 ${q(0.5)} ms, p90 ${q(0.9)} ms, p99 ${q(0.99)} ms`);
  await model.close();
}
