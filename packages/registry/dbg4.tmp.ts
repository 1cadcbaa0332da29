import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { createFileStore } from '@mlops/storage';
import { createRegistry } from './src/index.js';
async function* payload(mib: number, id: number): AsyncGenerator<Uint8Array> {
  const base = new Uint8Array(1 << 20).fill(3);
  for (let c = 0; c < mib; c++) { const x = new Uint8Array(base); x[0] = id; x[1] = c; yield x; }
}
async function* hash(src: AsyncIterable<Uint8Array>) { const h = createHash('sha256'); for await (const c of src) { h.update(c); yield c; } h.digest('hex'); }
const store = createFileStore({ root: await mkdtemp(path.join(tmpdir(), 'x-')) });
const reg = createRegistry({ store });
const res: Record<string, number[]> = { raw: [], rawHash: [], rawHashNested: [], reg: [] };
for (let i = 0; i < 4; i++) {
  const steps: [string, () => Promise<unknown>][] = [
    ['raw', () => store.put('raw' + i, payload(128, i))],
    ['rawHash', () => store.put('rawh' + i, hash(payload(128, 50 + i)))],
    ['rawHashNested', () => store.put(`blobs/data/ab/cd${i}`, hash(payload(128, 70 + i)), { signal: new AbortController().signal, contentType: 'application/octet-stream' })],
    ['reg', () => reg.registerModelVersion({ name: 'b', artifacts: { 'm.bin': payload(128, 100 + i) } })],
  ];
  if (i % 2) steps.reverse();
  for (const [k, f] of steps) { const s = performance.now(); await f(); res[k]!.push(Math.round(performance.now() - s)); }
}
console.log(res);
