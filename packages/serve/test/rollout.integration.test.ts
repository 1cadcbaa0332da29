import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tableFromIPC, type Table } from 'apache-arrow';
import { predictionLogContract, validateTable } from '@mlops/contracts';
import { createFileStore } from '@mlops/storage';
import { createModelServer, loadModel, type ModelServer, type ReloadEvent } from '../src/index.js';
import { httpRequest, postInfer, sleep } from './helpers.js';
import { InMemoryRegistry } from './in-memory-registry.js';
import { brokenModel, linearModel, linearReference, mlpModel } from './onnx-models.js';

const X = [1, 2, 3, 4];
const doc = (id?: string) => ({ ...(id ? { id } : {}), inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP32', data: X }] });
type Resp = { model_version: string; outputs: Array<{ data: number[] }> };

describe('versions, rollouts and reloads', () => {
  let server: ModelServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('splits traffic by weight (canary), sticky by header hash, and honours explicit versions', async () => {
    const [v1, v2] = await Promise.all([
      loadModel({ source: linearModel(), name: 'm', version: '1', workers: 1 }),
      loadModel({ source: mlpModel([4, 8, 2]), name: 'm', version: '2', workers: 1 }),
    ]);
    server = createModelServer({ models: [{ versions: [v1, v2], traffic: { '1': 80, '2': 20 }, stickyHeader: 'x-user' }], port: 0 });
    const { url } = await server.listen();
    const n = 400;
    const versions: string[] = [];
    for (let i = 0; i < n; i += 20) {
      const batch = await Promise.all(Array.from({ length: 20 }, () => postInfer(`${url}/v2/models/m/infer`, doc())));
      for (const r of batch) versions.push((r.json() as Resp).model_version);
    }
    const canary = versions.filter((v) => v === '2').length;
    // Binomial(400, 0.2): mean 80, sd 8; +-4 sd.
    expect(canary).toBeGreaterThanOrEqual(48);
    expect(canary).toBeLessThanOrEqual(112);
    const sticky = new Set<string>();
    for (let i = 0; i < 15; i++) sticky.add(((await postInfer(`${url}/v2/models/m/infer`, doc(), { 'x-user': 'alice' })).json() as Resp).model_version);
    expect(sticky.size).toBe(1);
    const pinned = await postInfer(`${url}/v2/models/m/versions/2/infer`, doc());
    expect((pinned.json() as Resp).model_version).toBe('2');
    const meta = (await httpRequest(`${url}/v2/models/m`)).json() as { versions: string[] };
    expect(meta.versions.sort()).toEqual(['1', '2']);
  });

  it('mirrors shadow traffic without affecting responses, logs and compares it', async () => {
    const [v1, v2] = await Promise.all([
      loadModel({ source: linearModel(), name: 'm', version: '1', workers: 1 }),
      loadModel({ source: mlpModel([4, 8, 2]), name: 'm', version: '2', workers: 1 }),
    ]);
    const dir = mkdtempSync(path.join(tmpdir(), 'serve-log-'));
    const store = createFileStore({ root: dir, fsync: false });
    const observed: Table[] = [];
    server = createModelServer({
      models: [{ versions: [v1, v2], defaultVersion: '1', shadow: { version: '2', percent: 100 } }],
      port: 0,
      predictionLog: { store, flushRows: 10, flushIntervalMs: 0 },
      monitor: { observe: (t) => observed.push(t) },
    });
    const { url } = await server.listen();
    const expected = Array.from(linearReference(new Float32Array(X)));
    for (let i = 0; i < 25; i++) {
      const r = (await postInfer(`${url}/v2/models/m/infer`, doc(`r${i}`))).json() as Resp;
      expect(r.model_version).toBe('1');
      r.outputs[0]!.data.forEach((v, k) => expect(v).toBeCloseTo(expected[k]!, 4));
    }
    await sleep(50);
    const metrics = server.metrics();
    expect(metrics).toMatch(/mlops_serve_shadow_total\{model="m",result="mismatch",version="2"\} 25/);
    await server.close();
    server = undefined;
    // Every request logged twice (primary + shadow), in files of at most 10 rows.
    const tables: Table[] = [];
    for await (const page of store.list({ prefix: 'predictions/m/' })) {
      for (const o of page.objects) tables.push(tableFromIPC((await store.get(o.key)).body));
    }
    expect(tables.length).toBeGreaterThanOrEqual(5);
    const rows = tables.reduce((a, t) => a + t.numRows, 0);
    expect(rows).toBe(50);
    for (const t of tables) {
      validateTable(t, predictionLogContract({ inputs: ['x_0', 'x_1', 'x_2', 'x_3'], outputs: ['y_0', 'y_1'] }));
      expect(t.numRows).toBeLessThanOrEqual(10);
    }
    const all = tables.flatMap((t) => t.toArray() as Array<{ request_id: string; model_version: string; shadow: boolean; input_x_2: number; output_y_0: number }>);
    const primary = all.filter((r) => !r.shadow);
    expect(primary).toHaveLength(25);
    expect(primary.every((r) => r.model_version === '1' && r.input_x_2 === 3)).toBe(true);
    expect(primary[0]!.output_y_0).toBeCloseTo(expected[0]!, 4);
    expect(all.filter((r) => r.shadow).every((r) => r.model_version === '2')).toBe(true);
    expect(new Set(primary.map((r) => r.request_id)).size).toBe(25);
    expect(observed.reduce((a, t) => a + t.numRows, 0)).toBe(50);
  });

  it('reloads when the alias moves with zero failed requests, and keeps serving when the new version is broken', async () => {
    const registry = new InMemoryRegistry();
    registry.register('fraud', linearModel());
    registry.register('fraud', mlpModel([4, 16, 2]));
    registry.register('fraud', brokenModel());
    registry.setAlias('fraud', 'champion', 1);
    const reloads: ReloadEvent[] = [];
    const errors: unknown[] = [];
    server = createModelServer({
      models: [{ registry, ref: 'fraud@champion', pollIntervalMs: 0, load: { workers: 1 } }],
      port: 0,
      onReload: (e) => reloads.push(e),
      onError: (e) => errors.push(e),
    });
    const { url } = await server.listen();
    expect(((await postInfer(`${url}/v2/models/fraud/infer`, doc())).json() as Resp).model_version).toBe('1');

    // Hammer the server while the alias moves; every request must succeed.
    let stop = false;
    const statuses: number[] = [];
    const seen = new Set<string>();
    const clients = Array.from({ length: 4 }, async () => {
      while (!stop) {
        const r = await postInfer(`${url}/v2/models/fraud/infer`, doc());
        statuses.push(r.status);
        if (r.status === 200) seen.add((r.json() as Resp).model_version);
      }
    });
    await sleep(30);
    registry.setAlias('fraud', 'champion', 2);
    for (let i = 0; i < 200 && !reloads.some((e) => e.ok && e.to === '2'); i++) await sleep(10);
    await sleep(30);
    stop = true;
    await Promise.all(clients);
    // The initial load is reported too, then the move.
    expect(reloads.filter((e) => e.ok)).toEqual([
      { model: 'fraud', from: undefined, to: '1', ok: true },
      { model: 'fraud', from: '1', to: '2', ok: true },
    ]);
    expect(statuses.length).toBeGreaterThan(20);
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect([...seen].sort()).toEqual(['1', '2']);
    expect(((await postInfer(`${url}/v2/models/fraud/infer`, doc())).json() as Resp).model_version).toBe('2');

    // A broken version: the load fails, v2 keeps serving, the failure is visible.
    registry.setAlias('fraud', 'champion', 3);
    for (let i = 0; i < 200 && !reloads.some((e) => !e.ok); i++) await sleep(10);
    expect(reloads.find((e) => !e.ok)).toMatchObject({ model: 'fraud', from: '2', to: '3', ok: false });
    expect(errors.length).toBe(1);
    const after = await postInfer(`${url}/v2/models/fraud/infer`, doc());
    expect([after.status, (after.json() as Resp).model_version]).toEqual([200, '2']);
    expect(server.status()[0]).toMatchObject({ name: 'fraud', versions: ['2'], defaultVersion: '2' });
    expect(server.status()[0]!.lastReloadError).toMatch(/could not load model/);
    expect(server.metrics()).toMatch(/mlops_serve_reloads_total\{model="fraud",result="failure"\} 1/);
    expect(server.metrics()).toMatch(/mlops_serve_reloads_total\{model="fraud",result="success"\} 2/);
    expect((await httpRequest(`${url}/v2/health/ready`)).status).toBe(200);
  });

  it('is live but not ready (503) while a registry-bound model loads', async () => {
    const registry = new InMemoryRegistry();
    registry.register('fraud', linearModel());
    registry.setAlias('fraud', 'champion', 1);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    server = createModelServer({
      models: [{ registry, ref: 'fraud@champion', pollIntervalMs: 0, load: { workers: 1 } }],
      port: 0,
      load: async (o) => {
        await gate;
        return loadModel(o);
      },
    });
    const listening = server.listen();
    let url: string | undefined;
    for (let i = 0; i < 200 && !(url = server.url); i++) await sleep(5);
    expect((await httpRequest(`${url}/v2/health/live`)).status).toBe(200);
    expect((await httpRequest(`${url}/v2/health/ready`)).status).toBe(503);
    expect((await httpRequest(`${url}/v2/models/fraud/ready`)).json()).toEqual({ name: 'fraud', ready: false });
    expect((await postInfer(`${url}/v2/models/fraud/infer`, doc())).status).toBe(503);
    release();
    await listening;
    expect((await httpRequest(`${url}/v2/health/ready`)).status).toBe(200);
    expect((await postInfer(`${url}/v2/models/fraud/infer`, doc())).status).toBe(200);
  });
});
