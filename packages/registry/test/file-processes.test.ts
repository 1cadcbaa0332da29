import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createFileStore } from '@mlops/storage';
import { afterAll, describe, expect, it } from 'vitest';
import { createRegistry } from '../src/index.js';

const run = promisify(execFile);
const writer = fileURLToPath(new URL('./fixtures/register-writer.ts', import.meta.url));
let root: string | undefined;
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe('registry on the file store across processes', () => {
  it('4 processes x 4 registrations get versions 1..16 and a linear alias history', async () => {
    root = await mkdtemp(path.join(tmpdir(), 'registry-procs-'));
    const outputs = await Promise.all(
      [0, 1, 2, 3].map((id) =>
        run(process.execPath, ['--conditions=@mlops/source', '--import', 'tsx', writer, root!, 'shared', '4', String(id)], {
          cwd: path.dirname(writer),
          timeout: 90_000,
        }),
      ),
    );
    const results = outputs.map(({ stdout }) => JSON.parse(stdout) as { versions: number[]; conflicts: number });
    const all = results.flatMap((r) => r.versions).sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    const registry = createRegistry({ store: createFileStore({ root }) });
    for (const v of await registry.listModelVersions('shared')) {
      const manifest = await registry.getModelVersion(`shared/${v.version}`);
      const chunks: Buffer[] = [];
      for await (const c of await registry.openArtifact(`shared/${v.version}`, 'model.bin')) chunks.push(c as Buffer);
      expect(Buffer.concat(chunks).toString()).toBe(`process ${manifest.params.writer} item ${manifest.params.item}`);
    }
    const history = await registry.getAliasHistory('shared', 'prod');
    expect(history).toHaveLength(4);
    for (let i = 1; i < history.length; i++) expect(history[i]!.from).toBe(history[i - 1]!.to);
    expect(history.map((h) => h.to).sort()).toEqual(results.map((r) => r.versions[0]).sort());
    expect((await registry.getEvents('shared')).map((e) => e.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  }, 120_000);
});
