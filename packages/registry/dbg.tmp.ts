import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createFileStore } from '@mlops/storage';
import { createRegistry } from './src/index.js';
async function* payload(mib: number, id: number): AsyncGenerator<Uint8Array> {
  const base = new Uint8Array(1 << 20).fill(3);
  for (let c = 0; c < mib; c++) { const x = new Uint8Array(base); x[0] = id; x[1] = c; yield x; }
}
const store = createFileStore({ root: await mkdtemp(path.join(tmpdir(), 'x-')) });
const reg = createRegistry({ store });
for (let i = 0; i < 4; i++) {
  let s = performance.now(); await store.put('raw' + i, payload(64, i)); const raw = performance.now() - s;
  s = performance.now(); await reg.registerModelVersion({ name: 'b', artifacts: { 'm.bin': payload(64, 100 + i) } }); const r = performance.now() - s;
  s = performance.now(); await reg.registerModelVersion({ name: 'b', artifacts: { 'm.bin': payload(64, 200 + i) } }); const r2 = performance.now() - s;
  console.log('raw', raw.toFixed(0), 'reg', r.toFixed(0), r2.toFixed(0));
}
