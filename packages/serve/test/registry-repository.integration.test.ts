// A model repository backed by a real @mlops/registry on a file store: models served at the
// version an alias points to, reloaded when the alias moves (events from the same registry
// instance at once, moves by another instance through polling), a broken version kept out.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistry, type Registry } from '@mlops/registry';
import { createModelServer, type ModelServer, type ReloadEvent } from '../src/index.js';
import { httpRequest, postInfer, sleep } from './helpers.js';
import { brokenModel, centeredModel, linearModel, linearReference, mlpModel } from './onnx-models.js';

const X = [1, 2, 3, 4];
const inferBody = { inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP32', data: X }] };

async function servedVersion(url: string): Promise<{ version: string; y: number[] }> {
  const r = await postInfer(`${url}/v2/models/linear/infer`, inferBody);
  expect(r.status).toBe(200);
  const doc = r.json() as { model_version: string; outputs: Array<{ data: number[] }> };
  return { version: doc.model_version, y: doc.outputs[0]!.data };
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('model repository backed by @mlops/registry (file store)', () => {
  let dir: string;
  let registry: Registry;
  let other: Registry;
  let server: ModelServer;
  let url: string;
  const reloads: ReloadEvent[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'serve-registry-repo-'));
    registry = createRegistry({ store: dir });
    other = createRegistry({ store: dir }); // another writer, as another process would be
    const v1 = await registry.registerModelVersion({ name: 'linear', artifacts: { 'model.onnx': mlpModel([4, 8, 2]) } });
    await registry.registerModelVersion({ name: 'linear', artifacts: { 'model.onnx': linearModel() } });
    await registry.setAlias('linear', 'champion', v1.version);
    // Serving config travels with the version, as <name>/config.json does in a directory.
    const c = await registry.registerModelVersion({
      name: 'centered',
      artifacts: { 'model.onnx': centeredModel('n'), 'config.json': new TextEncoder().encode(JSON.stringify({ max_batch_size: 0, input_map: { x: 'features' } })) },
    });
    await registry.setAlias('centered', 'champion', c.version);
    await registry.registerModelVersion({ name: 'unaliased', artifacts: { 'model.onnx': linearModel() } });
    server = createModelServer({
      repository: { registry, alias: 'champion', pollIntervalMs: 200 },
      repositoryLoad: { workers: 1 },
      port: 0,
      onReload: (e) => reloads.push(e),
      onError: () => undefined,
    });
    ({ url } = await server.listen());
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await registry?.close();
    await other?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('serves each model at the version its alias points to, with the version config.json applied', async () => {
    const index = (await httpRequest(`${url}/v2/repository/index`, { method: 'POST', body: '{}' })).json();
    expect(index).toEqual([
      { name: 'centered', version: '1', state: 'READY' },
      { name: 'linear', version: '1', state: 'READY' },
    ]);
    expect((await servedVersion(url)).version).toBe('1');
    const meta = (await httpRequest(`${url}/v2/models/centered`)).json() as { inputs: Array<{ name: string }> };
    expect(meta.inputs.map((i) => i.name)).toEqual(['features']);
    // A model without the alias is not served (nor listed).
    expect((await postInfer(`${url}/v2/models/unaliased/infer`, inferBody)).status).toBe(404);
  });

  it('reloads when the alias moves through the same registry instance (event) and through another one (poll)', async () => {
    await registry.setAlias('linear', 'champion', 2);
    await until('version 2 served', async () => (await servedVersion(url)).version === '2');
    const { y } = await servedVersion(url);
    const want = Array.from(linearReference(new Float32Array(X)));
    y.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
    expect(reloads).toContainEqual({ model: 'linear', from: '1', to: '2', ok: true });

    await other.setAlias('linear', 'champion', 1);
    await until('version 1 served again', async () => (await servedVersion(url)).version === '1');
  }, 60_000);

  it('keeps the served version when the alias moves to a version that fails to load, and backs off', async () => {
    const broken = await registry.registerModelVersion({ name: 'linear', artifacts: { 'model.onnx': brokenModel() } });
    await registry.setAlias('linear', 'champion', broken.version);
    await until('the failed reload', async () => reloads.some((e) => e.model === 'linear' && e.to === String(broken.version) && !e.ok));
    await sleep(1000); // five polls: the broken version is not loaded again before its backoff (5 s) ends
    expect(reloads.filter((e) => e.to === String(broken.version) && !e.ok)).toHaveLength(1);
    expect((await servedVersion(url)).version).toBe('1');
    await registry.setAlias('linear', 'champion', 2);
    await until('version 2 served after the fix', async () => (await servedVersion(url)).version === '2');
  }, 60_000);

  it('refuses a registry without the surface it needs, and an alias that is not a name', () => {
    expect(() => createModelServer({ repository: { registry: {} as never } })).toThrow(/listModels/);
    expect(() => createModelServer({ repository: { registry, alias: 'a/b' } })).toThrow(/alias/);
  });
});
