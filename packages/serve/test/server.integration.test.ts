import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModelServer, decodeInferResponse, encodeBinaryInferRequest, loadModel, type ModelServer } from '../src/index.js';
import { httpRequest, postInfer } from './helpers.js';
import { linearModel, linearReference, mixedTypesModel, slowModel, stringEchoModel } from './onnx-models.js';

describe('Open Inference Protocol server', () => {
  let server: ModelServer;
  let url: string;

  beforeAll(async () => {
    const [linear, mixed, echo, slow] = await Promise.all([
      loadModel({ source: linearModel(), name: 'linear', workers: 1, batching: { maxBatchSize: 32 } }),
      loadModel({ source: mixedTypesModel(), name: 'mixed', workers: 1 }),
      loadModel({ source: stringEchoModel(), name: 'echo', workers: 1 }),
      loadModel({ source: slowModel(1500), name: 'slow', workers: 1, batching: { maxBatchSize: 1, maxQueueSize: 2 } }),
    ]);
    server = createModelServer({ models: [linear, mixed, echo, slow], port: 0, maxBodyBytes: 64 * 1024 });
    ({ url } = await server.listen());
  });
  afterAll(async () => {
    await server.close();
  });

  it('answers health, server metadata, model metadata and readiness', async () => {
    expect((await httpRequest(`${url}/v2/health/live`)).json()).toEqual({ live: true });
    const ready = await httpRequest(`${url}/v2/health/ready`);
    expect([ready.status, ready.json()]).toEqual([200, { ready: true }]);
    const meta = (await httpRequest(`${url}/v2`)).json() as { name: string; extensions: string[] };
    expect(meta.extensions).toContain('binary_tensor_data');
    expect((await httpRequest(`${url}/v2/models/linear`)).json()).toEqual({
      name: 'linear',
      versions: ['1'],
      platform: 'onnx_onnxv1',
      inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 4] }],
      outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 2] }],
    });
    expect((await httpRequest(`${url}/v2/models/linear/versions/1`)).status).toBe(200);
    expect((await httpRequest(`${url}/v2/models/linear/ready`)).json()).toEqual({ name: 'linear', ready: true });
    expect((await httpRequest(`${url}/v2/models/linear/versions/1/ready`)).json()).toEqual({ name: 'linear', ready: true });
  });

  it('returns 404 for unknown models, versions and routes, 405 for wrong methods', async () => {
    const m = await httpRequest(`${url}/v2/models/nope`);
    expect(m.status).toBe(404);
    expect((m.json() as { error: string }).error).toMatch(/No model named "nope".*served models: linear/);
    const v = await postInfer(`${url}/v2/models/linear/versions/9/infer`, { inputs: [] });
    expect(v.status).toBe(404);
    expect((v.json() as { error: string }).error).toMatch(/no version "9"/);
    expect((await httpRequest(`${url}/v2/models/linear/versions/9/ready`)).status).toBe(404);
    expect((await httpRequest(`${url}/v3`)).status).toBe(404);
    expect((await httpRequest(`${url}/v2/models/linear/infer`)).status).toBe(405);
  });

  it('infers with JSON tensors, echoes the id and accepts nested data', async () => {
    const r = await postInfer(`${url}/v2/models/linear/infer`, { id: 'req-1', inputs: [{ name: 'x', shape: [2, 4], datatype: 'FP32', data: [[1, 2, 3, 4], [5, 6, 7, 8]] }] });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json');
    const body = r.json() as { model_name: string; model_version: string; id: string; outputs: Array<{ name: string; datatype: string; shape: number[]; data: number[] }> };
    expect(body.model_name).toBe('linear');
    expect(body.model_version).toBe('1');
    expect(body.id).toBe('req-1');
    expect(body.outputs).toEqual([{ name: 'y', datatype: 'FP32', shape: [2, 2], data: Array.from(linearReference(new Float32Array([1, 2, 3, 4, 5, 6, 7, 8]))) }]);
  });

  it('handles INT64, BOOL and BYTES tensors in JSON and selects requested outputs', async () => {
    const r = await postInfer(`${url}/v2/models/mixed/infer`, {
      inputs: [
        { name: 'a', shape: [1, 3], datatype: 'INT64', data: [1, 2, 3] },
        { name: 'flag', shape: [1, 1], datatype: 'BOOL', data: [true] },
      ],
      outputs: [{ name: 'negated' }, { name: 'doubled' }],
    });
    expect(r.json()).toMatchObject({
      outputs: [
        { name: 'negated', datatype: 'BOOL', shape: [1, 1], data: [false] },
        { name: 'doubled', datatype: 'INT64', shape: [1, 3], data: [2, 4, 6] },
      ],
    });
    const s = await postInfer(`${url}/v2/models/echo/infer`, { inputs: [{ name: 'text', shape: [2], datatype: 'BYTES', data: ['hi', 'ünï'] }] });
    expect((s.json() as { outputs: Array<{ data: string[] }> }).outputs[0]!.data).toEqual(['hi', 'ünï']);
  });

  it('speaks the binary tensor data extension both ways', async () => {
    const x = new Float32Array([1, 2, 3, 4, -1, 0.5, 2, 8]);
    const { body, headerLength } = encodeBinaryInferRequest([{ name: 'x', tensor: { datatype: 'FP32', shape: [2, 4], data: x } }], { id: 'b1', binaryOutput: true });
    const r = await httpRequest(`${url}/v2/models/linear/infer`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(headerLength) },
    });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/octet-stream');
    const hl = Number(r.headers['inference-header-content-length']);
    expect(Number(r.headers['content-length'])).toBe(hl + 16);
    const decoded = decodeInferResponse(new Uint8Array(r.body), hl);
    expect(decoded.id).toBe('b1');
    expect(Array.from(decoded.outputs.y!.data as Float32Array)).toEqual(Array.from(linearReference(x)));

    // BYTES in binary: 4-byte little-endian length prefixes.
    const s = encodeBinaryInferRequest([{ name: 'text', tensor: { datatype: 'BYTES', shape: [2], data: ['ab', 'çd'] } }], { outputs: [{ name: 'echo', binary: true }] });
    const rs = await httpRequest(`${url}/v2/models/echo/infer`, { method: 'POST', body: s.body, headers: { 'inference-header-content-length': String(s.headerLength) } });
    const hs = Number(rs.headers['inference-header-content-length']);
    expect(Array.from(rs.body.subarray(hs, hs + 6))).toEqual([2, 0, 0, 0, 0x61, 0x62]);
    expect(decodeInferResponse(new Uint8Array(rs.body), hs).outputs.echo!.data).toEqual(['ab', 'çd']);

    // Raw binary request: no JSON header at all, all outputs in binary.
    const raw = await httpRequest(`${url}/v2/models/linear/infer`, { method: 'POST', body: new Uint8Array(x.buffer, 0, 16), headers: { 'inference-header-content-length': '0' } });
    expect(raw.status).toBe(200);
    const hr = Number(raw.headers['inference-header-content-length']);
    expect(Array.from(decodeInferResponse(new Uint8Array(raw.body), hr).outputs.y!.data as Float32Array)).toEqual(Array.from(linearReference(x.subarray(0, 4))));
  });

  it('answers 400 naming the problem: wrong name, shape, datatype, element count', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ inputs: [{ name: 'z', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }] }, /no input named "z"; its inputs are: x/],
      [{ inputs: [{ name: 'x', shape: [1, 3], datatype: 'FP32', data: [1, 2, 3] }] }, /expects shape \[-1, 4\].*found \[1, 3\]/],
      [{ inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP64', data: [1, 2, 3, 4] }] }, /datatype FP64; the model expects FP32/],
      [{ inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3] }] }, /shape of 4 elements but "data" holds 3/],
      [{ inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }], outputs: [{ name: 'q' }] }, /no output named "q"/],
      [{ inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }], parameters: { priority: 'high' } }, /"priority" must be a number/],
    ];
    for (const [doc, pattern] of cases) {
      const r = await postInfer(`${url}/v2/models/linear/infer`, doc);
      expect(r.status).toBe(400);
      expect((r.json() as { error: string }).error).toMatch(pattern);
    }
    const notJson = await httpRequest(`${url}/v2/models/linear/infer`, { method: 'POST', body: '{"inputs": [' });
    expect(notJson.status).toBe(400);
  });

  it('answers 413 from the Content-Length header, before reading the body', async () => {
    const started = performance.now();
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${url}/v2/models/linear/infer`, { method: 'POST', headers: { 'content-length': String(100 * 1024 * 1024) }, agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      // Send a few bytes of a declared 100 MiB body and never the rest.
      req.write('{"inputs":[');
    });
    expect(status).toBe(413);
    expect(performance.now() - started).toBeLessThan(5000);
    // A chunked body that grows past the limit is cut off too.
    const big = await httpRequest(`${url}/v2/models/linear/infer`, { method: 'POST', body: 'x'.repeat(100 * 1024), headers: { 'transfer-encoding': 'chunked' } });
    expect(big.status).toBe(413);
  });

  it('answers 429 when the queue is full and 504 when the deadline passes', async () => {
    const doc = { inputs: [{ name: 'x', shape: [1, 256], datatype: 'FP32', data: new Array(256).fill(0.1) }] };
    const responses = await Promise.all(Array.from({ length: 8 }, () => postInfer(`${url}/v2/models/slow/infer`, doc)));
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toContain(200);
    expect(statuses).toContain(429);
    expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
    const body429 = responses.find((r) => r.status === 429)!.json() as { error: string };
    expect(body429.error).toMatch(/maxQueueSize/);

    const busy = postInfer(`${url}/v2/models/slow/infer`, doc);
    const late = await postInfer(`${url}/v2/models/slow/infer`, { ...doc, parameters: { timeout: 1000 } }); // Triton: microseconds
    expect(late.status).toBe(504);
    expect((late.json() as { error: string }).error).toMatch(/deadline/);
    expect((await busy).status).toBe(200);
  });

  it('exposes Prometheus metrics', async () => {
    const r = await httpRequest(`${url}/metrics`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/plain; version=0.0.4/);
    const text = r.body.toString();
    expect(text).toMatch(/mlops_serve_requests_total\{model="linear",status="200",version="1"\} [1-9]/);
    expect(text).toMatch(/mlops_serve_requests_total\{model="slow",status="429",version="1"\} [1-9]/);
    expect(text).toMatch(/mlops_serve_requests_total\{model="slow",status="504",version="1"\} 1/);
    expect(text).toMatch(/mlops_serve_rejected_total\{model="slow",reason="queue_full",version="1"\} [1-9]/);
    expect(text).toContain('mlops_serve_request_duration_seconds_bucket{model="linear",status="200",version="1",le="+Inf"}');
    for (const name of ['mlops_serve_queue_wait_seconds_bucket', 'mlops_serve_inference_duration_seconds_bucket', 'mlops_serve_batch_size_bucket']) {
      expect(text).toContain(`${name}{model="linear",version="1",le="+Inf"}`);
    }
    expect(text).toMatch(/mlops_serve_queue_depth\{model="linear",version="1"\} 0/);
    expect(text).toMatch(/mlops_serve_worker_utilization_ratio\{model="linear",version="1"\} [0-9.e-]+/);
    expect(text).toMatch(/mlops_serve_event_loop_delay_seconds\{stat="max"\} [0-9.e-]+/);
  });
});
