// Development helper (not the benchmark): CPU per request of the main thread's own work on the
// overhead-bound request (one-row FP32 JSON to the small MLP), without the network or workers:
// parse and validate the body, encode the response, against the HTTP ceiling's JSON.parse of the
// same body. HOT_BASELINE=<checkout>/packages/serve/src adds an older checkout's codec, measured
// interleaved in the same process with the same body (before/after).
// Run: npx tsx --conditions=@mlops/source bench/hot-path.ts
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { seededRandom } from '../test/onnx-models.js';

type Codec = {
  parseInferRequest: (body: Uint8Array, headerLength: number | undefined, specs: unknown) => { inputs: Record<string, unknown>; id: string | undefined };
  encodeInferResponse: (env: unknown, outputs: unknown) => { body: Uint8Array | string };
};
type TensorMod = { validateInputs: (name: string, specs: unknown, inputs: unknown) => unknown };

const rand = seededRandom(2);
const body = Buffer.from(JSON.stringify({ inputs: [{ name: 'x', shape: [1, 32], datatype: 'FP32', data: Array.from({ length: 32 }, () => Math.round(rand() * 1000) / 1000) }] }));
const specs = [{ name: 'x', datatype: 'FP32', shape: [-1, 32] }];
const output = { datatype: 'FP32', shape: [1, 2], data: new Float32Array([0.25, 0.75]) };
const N = Number(process.env.HOT_N ?? 200_000);
const ROUNDS = Number(process.env.HOT_ROUNDS ?? 7);

async function load(dir: string): Promise<() => void> {
  const codec = (await import(pathToFileURL(path.join(dir, 'oip-codec.ts')).href)) as Codec;
  const tensor = (await import(pathToFileURL(path.join(dir, 'tensor.ts')).href)) as TensorMod;
  return () => {
    const parsed = codec.parseInferRequest(body, undefined, specs);
    tensor.validateInputs('mlp', specs, parsed.inputs);
    codec.encodeInferResponse({ modelName: 'mlp', modelVersion: '1', id: parsed.id }, [{ name: 'y', tensor: output, binary: false }]);
  };
}

const constant = JSON.stringify({ model_name: 'mlp', model_version: '1', outputs: [{ name: 'y', datatype: 'FP32', shape: [1, 2], data: [0.25, 0.75] }] });
const contenders: Array<{ name: string; run: () => void }> = [
  {
    name: 'ceiling (JSON.parse)',
    run: () => {
      const doc = JSON.parse(body.toString()) as { inputs: unknown };
      if (!Array.isArray(doc.inputs) || constant.length === 0) throw new Error('bad');
    },
  },
  { name: 'serve', run: await load(path.resolve(import.meta.dirname, '../src')) },
];
if (process.env.HOT_BASELINE) contenders.push({ name: `baseline ${process.env.HOT_BASELINE}`, run: await load(path.resolve(process.env.HOT_BASELINE)) });

const results = contenders.map(() => [] as number[]);
for (let r = 0; r < ROUNDS; r++) {
  contenders.forEach((c, i) => {
    const t0 = process.cpuUsage();
    for (let k = 0; k < N; k++) c.run();
    const t = process.cpuUsage(t0);
    if (r > 0) results[i]!.push(((t.user + t.system) * 1000) / N); // first round: warm-up
  });
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
contenders.forEach((c, i) => console.log(`${c.name.padEnd(40)} ${median(results[i]!).toFixed(0).padStart(6)} ns/request (median of ${ROUNDS - 1} rounds; ${results[i]!.map((x) => x.toFixed(0)).join(' ')})`));
