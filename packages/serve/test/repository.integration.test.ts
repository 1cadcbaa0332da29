// Model repository (directory and ObjectStore prefix), repository endpoints with bearer auth,
// unload with drain, preStopDelayMs, access log and traceparent in the prediction log.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Table } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryStore } from '@mlops/storage';
import { createModelServer, loadModel, type ModelServer } from '../src/index.js';
import { httpRequest, postInfer, sleep } from './helpers.js';
import { brokenModel, centeredModel, linearModel, linearReference, mlpModel, slowModel } from './onnx-models.js';

const TOKEN = 'test-token-123';
const auth = { authorization: `Bearer ${TOKEN}` };
const post = (url: string, body: unknown = {}, headers: Record<string, string> = auth) =>
  httpRequest(url, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });

function put(root: string, key: string, bytes: Uint8Array | string): void {
  mkdirSync(path.dirname(path.join(root, key)), { recursive: true });
  writeFileSync(path.join(root, key), bytes);
}

describe('model repository', () => {
  let dir: string;
  let server: ModelServer;
  let url: string;
  const access: string[] = [];
  const logged: Table[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'serve-repo-'));
    put(dir, 'linear/1/model.onnx', mlpModel([4, 8, 2]));
    put(dir, 'linear/2/model.onnx', linearModel());
    put(dir, 'linear/config.json', JSON.stringify({ max_batch_size: 8, instance_group: [{ count: 1 }], input_map: { x: 'features' }, output_map: { y: 'scores' } }));
    put(dir, 'centered/1/model.onnx', centeredModel('n'));
    put(dir, 'centered/config.json', JSON.stringify({ max_batch_size: 0 }));
    put(dir, 'slow/1/model.onnx', slowModel(1500));
    put(dir, 'slow/config.json', JSON.stringify({ max_batch_size: 1 }));
    put(dir, 'broken/1/model.onnx', brokenModel());
    put(dir, 'notes.txt', 'not a model');
    server = createModelServer({
      repository: dir,
      repositoryLoad: { workers: 1 },
      port: 0,
      auth: { token: TOKEN },
      accessLog: (line) => access.push(line),
      monitor: { observe: (t: Table) => void logged.push(t) },
      predictionLog: { flushRows: 1, flushIntervalMs: 0 },
      onError: () => undefined,
    });
    ({ url } = await server.listen());
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loads every model of the directory per its config.json, and lists them in the index', async () => {
    expect(((await httpRequest(`${url}/v2`)).json() as { extensions: string[] }).extensions).toContain('model_repository');
    const index = await post(`${url}/v2/repository/index`);
    expect(index.status).toBe(200);
    expect(index.json()).toEqual([
      { name: 'broken', state: 'UNAVAILABLE', reason: expect.stringMatching(/could not load model "broken:1"/) },
      { name: 'centered', version: '1', state: 'READY' },
      { name: 'linear', version: '2', state: 'READY' },
      { name: 'slow', version: '1', state: 'READY' },
    ]);
    expect((await post(`${url}/v2/repository/index`, { ready: true })).json()).toHaveLength(3);
    // Latest version only (Triton's default policy), served under the renamed tensors.
    const meta = (await httpRequest(`${url}/v2/models/linear`)).json() as { versions: string[]; inputs: Array<{ name: string }>; outputs: Array<{ name: string }> };
    expect([meta.versions, meta.inputs[0]!.name, meta.outputs[0]!.name]).toEqual([['2'], 'features', 'scores']);
    const r = await postInfer(`${url}/v2/models/linear/infer`, { id: 'r1', inputs: [{ name: 'features', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }] }, { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' });
    expect(r.status).toBe(200);
    expect((r.json() as { outputs: unknown[] }).outputs).toEqual([{ name: 'scores', datatype: 'FP32', shape: [1, 2], data: Array.from(linearReference(new Float32Array([1, 2, 3, 4]))) }]);
    // Access log: one JSON line per request; traceparent reaches the prediction log.
    const line = JSON.parse(access.find((l) => l.includes('"r1"'))!) as Record<string, unknown>;
    expect(line).toMatchObject({ protocol: 'http', id: 'r1', model: 'linear', version: '2', status: 200, batch_rows: 1, traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' });
    for (let i = 0; i < 100 && logged.length === 0; i++) await sleep(10);
    const t = logged.find((x) => x.getChild('request_id')?.get(0) === 'r1')!;
    expect(t.getChild('traceparent')?.get(0)).toBe('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
  });

  it('guards management endpoints with the bearer token', async () => {
    const none = await post(`${url}/v2/repository/index`, {}, {});
    expect([none.status, none.headers['www-authenticate']]).toEqual([401, 'Bearer']);
    expect((await post(`${url}/v2/repository/index`, {}, { authorization: 'Bearer wrong-token-000' })).status).toBe(401);
    // Inference is not guarded with the default scope.
    expect((await postInfer(`${url}/v2/models/centered/infer`, { inputs: [{ name: 'x', shape: [1, 2], datatype: 'FP32', data: [1, 1] }] })).status).toBe(200);
    expect((await httpRequest(`${url}/v2/repository/index`, { headers: auth })).status).toBe(405);
  });

  it('unloads after draining in-flight requests, and loads again from the repository', async () => {
    const x = { inputs: [{ name: 'x', shape: [1, 256], datatype: 'FP32', data: new Array(256).fill(0.1) }] };
    const inflight = Array.from({ length: 3 }, () => postInfer(`${url}/v2/models/slow/infer`, x));
    for (let i = 0; i < 200; i++) {
      if (/mlops_serve_pending_requests\{model="slow",version="1"\} 3/.test(server.metrics())) break;
      await sleep(5);
    }
    const unload = await post(`${url}/v2/repository/models/slow/unload`);
    expect(unload.status).toBe(200);
    expect((await Promise.all(inflight)).map((r) => r.status)).toEqual([200, 200, 200]);
    expect((await postInfer(`${url}/v2/models/slow/infer`, x)).status).toBe(404);
    expect((await post(`${url}/v2/repository/index`)).json()).toContainEqual({ name: 'slow' });
    // A new version appears; load picks it up with no restart.
    put(dir, 'linear/3/model.onnx', mlpModel([4, 16, 2], 5));
    expect((await post(`${url}/v2/repository/models/linear/load`)).status).toBe(200);
    expect(((await httpRequest(`${url}/v2/models/linear`)).json() as { versions: string[] }).versions).toEqual(['3']);
    expect((await post(`${url}/v2/repository/models/slow/load`)).status).toBe(200);
    const missing = await post(`${url}/v2/repository/models/nope/load`);
    expect([missing.status, (missing.json() as { error: string }).error]).toEqual([404, expect.stringMatching(/no directory "nope\/"/)]);
    const broken = await post(`${url}/v2/repository/models/broken/load`);
    expect(broken.status).toBe(400);
  });

  it('reads a repository from an ObjectStore prefix', async () => {
    const store = createMemoryStore();
    await store.put('models/linear/1/model.onnx', linearModel());
    await store.put('models/linear/config.json', new TextEncoder().encode(JSON.stringify({ max_batch_size: 4 })));
    const s = createModelServer({ repository: { store, prefix: 'models' }, repositoryLoad: { workers: 1 }, port: 0 });
    const { url: u } = await s.listen();
    try {
      expect((await post(`${u}/v2/repository/index`, {}, {})).json()).toEqual([{ name: 'linear', version: '1', state: 'READY' }]);
      expect((await postInfer(`${u}/v2/models/linear/infer`, { inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }] })).status).toBe(200);
    } finally {
      await s.close();
    }
  });
});

describe('shutdown behind Kubernetes', () => {
  it('reports not ready during preStopDelayMs while still serving, then drains', async () => {
    const m = await loadModel({ source: linearModel(), name: 'linear', workers: 1 });
    const s = createModelServer({ models: [m], port: 0, preStopDelayMs: 600 });
    const { url } = await s.listen();
    expect((await httpRequest(`${url}/v2/health/ready`)).status).toBe(200);
    const closed = s.close();
    await sleep(50);
    expect((await httpRequest(`${url}/v2/health/ready`)).status).toBe(503);
    expect((await postInfer(`${url}/v2/models/linear/infer`, { inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }] })).status).toBe(200);
    await closed;
    await expect(httpRequest(`${url}/v2/health/live`)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('guards every endpoint but health with scope "all"', async () => {
    const m = await loadModel({ source: linearModel(), name: 'linear', workers: 1 });
    const s = createModelServer({ models: [m], port: 0, auth: { token: TOKEN, scope: 'all' } });
    const { url } = await s.listen();
    try {
      expect((await httpRequest(`${url}/v2/health/ready`)).status).toBe(200);
      expect((await httpRequest(`${url}/v2/models/linear`)).status).toBe(401);
      expect((await httpRequest(`${url}/metrics`)).status).toBe(401);
      expect((await httpRequest(`${url}/v2/models/linear`, { headers: auth })).status).toBe(200);
    } finally {
      await s.close();
    }
  });
});
