// Regression tests for issue #15 defects 6, 7, 9 and 10: metric cardinality, load backoff,
// metric types checked by promtool on a real scrape, Retry-After, HEAD, execution providers.
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { MlopsError } from '@mlops/contracts';
import { createModelServer, loadModel, type LoadModelOptions, type Model, type ModelServer } from '../src/index.js';
import { httpRequest, postInfer, sleep } from './helpers.js';
import { InMemoryRegistry } from './in-memory-registry.js';
import { brokenModel, linearModel, slowModel } from './onnx-models.js';

const row = { inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }] };

describe('operations', () => {
  let server: ModelServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('counts unknown models and versions under one label, scrapes pass promtool, process metrics exist', async () => {
    const linear = await loadModel({ source: linearModel(), name: 'linear', workers: 1 });
    server = createModelServer({ models: [linear], port: 0 });
    const { url } = await server.listen();
    for (let i = 0; i < 40; i++) {
      await postInfer(`${url}/v2/models/nope${i}/infer`, row);
      await postInfer(`${url}/v2/models/linear/versions/v${i}/infer`, row);
    }
    await postInfer(`${url}/v2/models/linear/infer`, row);
    await postInfer(`${url}/v2/models/linear/infer`, { inputs: [] });
    const text = (await httpRequest(`${url}/metrics`)).body.toString('utf8');
    expect(text).not.toMatch(/nope\d/);
    expect(text).not.toMatch(/version="v\d/);
    expect(text).toContain('mlops_serve_requests_total{model="_unknown",status="404",version="_unknown"} 40');
    expect(text).toContain('mlops_serve_requests_total{model="linear",status="404",version="_unknown"} 40');
    // Latency for every status, not only 200s.
    expect(text).toMatch(/mlops_serve_request_duration_seconds_count\{model="linear",status="400",version="1"\} 1/);
    expect(text).toMatch(/# TYPE mlops_serve_worker_busy_seconds_total counter/);
    expect(text).toMatch(/^process_cpu_seconds_total \d/m);
    expect(text).toMatch(/^process_resident_memory_bytes \d/m);
    expect(text).toMatch(/^process_start_time_seconds \d/m);
    const lint = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect({ status: lint.status, out: `${lint.stdout}${lint.stderr}` }).toEqual({ status: 0, out: '' });
    // Utilisation is not reset by whoever scrapes: two scrapes in a row agree.
    const util = (t: string): string | undefined => /mlops_serve_worker_utilization_ratio\{[^}]*\} (\S+)/.exec(t)?.[1];
    const a = util(server.metrics());
    const b = util(server.metrics());
    expect(Number(a)).toBeGreaterThan(0);
    expect(Math.abs(Number(b) - Number(a))).toBeLessThan(Number(a) * 0.1);
  });

  it('backs off exponentially when a version fails to load, visibly in metrics and status', async () => {
    const registry = new InMemoryRegistry();
    registry.register('fraud', linearModel());
    registry.register('fraud', brokenModel());
    registry.setAlias('fraud', 'champion', 1);
    let now = 1_000_000;
    const attempts: string[] = [];
    let reloads = 0;
    const load = (o: LoadModelOptions): Promise<Model> => {
      attempts.push(String(o.version));
      return loadModel(o);
    };
    server = createModelServer({
      models: [{ registry, ref: 'fraud@champion', pollIntervalMs: 0, load: { workers: 1 }, loadRetryInitialMs: 1000, loadRetryMaxMs: 4000 }],
      port: 0,
      load,
      clock: () => now,
      onError: () => undefined,
      onReload: () => reloads++,
    });
    const { url } = await server.listen();
    // Wait until the n-th load attempt has reported its outcome.
    const settle = async (n: number): Promise<void> => {
      for (let i = 0; i < 1000 && reloads < n; i++) await sleep(10);
      await sleep(50);
    };
    registry.setAlias('fraud', 'champion', 2);
    await settle(2);
    expect(attempts).toEqual(['1', '2']);
    // Events (or polls) within the backoff do not re-download or re-spawn.
    for (let i = 0; i < 5; i++) registry.setAlias('fraud', 'champion', 2);
    await sleep(100);
    expect(attempts).toEqual(['1', '2']);
    const st = server.status()[0]!;
    expect(st.loadFailure).toMatchObject({ version: '2', attempts: 1, backoffMs: 1000 });
    const meta = (await httpRequest(`${url}/v2/models/fraud`)).json() as { load_failure: Record<string, unknown> };
    expect(meta.load_failure).toMatchObject({ version: '2', attempts: 1, backoff_ms: 1000, retry_in_ms: 1000 });
    expect(server.metrics()).toContain('mlops_serve_model_load_consecutive_failures{model="fraud"} 1');
    // After the backoff: retried, doubled, capped.
    for (const [k, backoff] of [[2, 2000], [3, 4000], [4, 4000]] as const) {
      now += 5000;
      registry.setAlias('fraud', 'champion', 2);
      await settle(k + 1);
      expect(server.status()[0]!.loadFailure).toMatchObject({ attempts: k, backoffMs: backoff });
    }
    expect(server.metrics()).toContain('mlops_serve_model_load_backoff_seconds{model="fraud"} 4');
    // Version 1 kept serving throughout.
    expect((await postInfer(`${url}/v2/models/fraud/infer`, row)).status).toBe(200);
  });

  it('sends Retry-After with 429 and answers HEAD on health endpoints', async () => {
    const slow = await loadModel({ source: slowModel(1500), name: 'slow', workers: 1, batching: { maxBatchSize: 1, maxQueueSize: 1 } });
    server = createModelServer({ models: [slow], port: 0 });
    const { url } = await server.listen();
    const x = { inputs: [{ name: 'x', shape: [1, 256], datatype: 'FP32', data: new Array(256).fill(0.1) }] };
    const results = await Promise.all(Array.from({ length: 5 }, () => postInfer(`${url}/v2/models/slow/infer`, x)));
    const rejected = results.filter((r) => r.status === 429);
    expect(rejected.length).toBeGreaterThan(0);
    for (const r of rejected) expect(r.headers['retry-after']).toBe('1');
    for (const path of ['/v2/health/live', '/v2/health/ready', '/v2/models/slow/ready', '/v2']) {
      const r = await httpRequest(`${url}${path}`, { method: 'HEAD' });
      expect({ path, status: r.status, body: r.body.length }).toEqual({ path, status: 200, body: 0 });
    }
    expect((await httpRequest(`${url}/v2/health/live`, { method: 'DELETE' })).headers.allow).toBe('GET, HEAD');
  });

  it('falls back to CPU with a warning when CUDA is asked for and absent, or fails naming the provider', async () => {
    const warnings: string[] = [];
    const m = await loadModel({ source: linearModel(), name: 'gpu', workers: 1, sessionOptions: { executionProviders: ['cuda'] }, onWarning: (w) => warnings.push(w) });
    try {
      expect(warnings.length === 0 || /execution provider cuda could not be used .*running on CPU instead/.test(warnings[0]!)).toBe(true);
      expect((await m.infer({ x: { data: new Float32Array(4), shape: [1, 4] } })).outputs.y!.shape).toEqual([1, 2]);
    } finally {
      await m.close();
    }
    if (warnings.length === 0) return; // a machine with CUDA: nothing to fall back from
    const err = await loadModel({ source: linearModel(), workers: 1, sessionOptions: { executionProviders: ['cuda'] }, providerFallback: false }).catch((e: unknown) => e);
    expect(MlopsError.isInstance(err, 'UNSUPPORTED')).toBe(true);
    expect((err as Error).message).toMatch(/execution provider cuda .*Install that provider's libraries/);
    expect((err as Error).message).not.toMatch(/valid \.onnx/);
  });
});
