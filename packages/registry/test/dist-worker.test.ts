// #12 item 18: the hashing worker is a built entry file loaded by URL, from both dist builds.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const packageDir = fileURLToPath(new URL('..', import.meta.url));
let outDir: string | undefined;
afterAll(async () => {
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

const script = (load: string) => `
${load}
const big = new Uint8Array(12 * 1024 * 1024).fill(5);
async function* stream() { for (let i = 0; i < 12; i++) yield big.slice(i * 1048576, (i + 1) * 1048576); }
(async () => {
  const reg = createRegistry({ store: createMemoryStore() });
  const v = await reg.registerModelVersion({ name: 'd', artifacts: { 'a.bin': stream() } });
  console.log(v.artifacts[0].sha256);
  await reg.close();
})();
`;

describe('hash worker from the built package', () => {
  it('runs from the ESM and the CJS build (a 12 MiB stream is hashed on the worker thread)', async () => {
    // Inside the package so the build's imports resolve through the workspace's node_modules.
    outDir = await mkdtemp(path.join(packageDir, '.tmp-dist-'));
    await run(process.execPath, [path.join(packageDir, '../../node_modules/tsup/dist/cli-default.js'), '--out-dir', outDir, '--no-dts', '--silent'], { cwd: packageDir, timeout: 120_000 });
    const expected = createHash('sha256').update(new Uint8Array(12 * 1024 * 1024).fill(5)).digest('hex');
    const esm = path.join(outDir, 'check.mjs');
    await writeFile(esm, script(`import { createRegistry } from './index.js';\nimport { createMemoryStore } from '@mlops/storage';`));
    const cjs = path.join(outDir, 'check.cjs');
    await writeFile(cjs, script(`const { createRegistry } = require('./index.cjs');\nconst { createMemoryStore } = require('@mlops/storage');`));
    for (const file of [esm, cjs]) {
      const { stdout } = await run(process.execPath, [file], { cwd: outDir, timeout: 60_000 });
      expect(stdout.trim()).toBe(expected);
    }
  }, 180_000);
});
