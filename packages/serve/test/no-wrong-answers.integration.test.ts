// Regression tests for issue #15 "no silent wrong answers": each reproduced a 200 with altered
// data (or a 500) before its fix.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModelServer, decodeInferResponse, encodeBinaryInferRequest, loadModel, type Model, type ModelServer } from '../src/index.js';
import { httpRequest, postInfer } from './helpers.js';
import { centeredModel, gatherModel, intIdentityModel, linearModel, stringEchoModel } from './onnx-models.js';

function bytesBlob(elements: Uint8Array[]): Uint8Array {
  const total = elements.reduce((a, e) => a + 4 + e.length, 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let off = 0;
  for (const e of elements) {
    view.setUint32(off, e.length, true);
    out.set(e, off + 4);
    off += 4 + e.length;
  }
  return out;
}

function binaryBody(header: unknown, blob: Uint8Array): { body: Uint8Array; headerLength: number } {
  const h = new TextEncoder().encode(JSON.stringify(header));
  const body = new Uint8Array(h.length + blob.length);
  body.set(h);
  body.set(blob, h.length);
  return { body, headerLength: h.length };
}

describe('no silent wrong answers', () => {
  let server: ModelServer;
  let url: string;
  let models: Model[];

  beforeAll(async () => {
    models = await Promise.all([
      loadModel({ source: stringEchoModel(), name: 'echo', workers: 1 }),
      loadModel({ source: intIdentityModel(), name: 'ints', workers: 1 }),
      loadModel({ source: centeredModel('k'), name: 'centered', workers: 1, batching: { maxQueueDelayMs: 20 } }),
      loadModel({ source: centeredModel('n'), name: 'centered_declared', workers: 1, batching: { batchable: false, maxQueueDelayMs: 20 } }),
      loadModel({ source: gatherModel(), name: 'gather', workers: 1, batching: { maxQueueDelayMs: 20 } }),
      loadModel({ source: linearModel(), name: 'linear', workers: 1 }),
    ]);
    server = createModelServer({ models, port: 0 });
    ({ url } = await server.listen());
  });
  afterAll(async () => {
    await server.close();
  });

  describe('1. BYTES', () => {
    it('round-trips UTF-8 byte-exact in JSON and binary, and refuses bytes it cannot carry (never U+FFFD or truncation)', async () => {
      const text = ['héllo', '日本', '', 'a b'];
      const j = await postInfer(`${url}/v2/models/echo/infer`, { inputs: [{ name: 'text', shape: [4], datatype: 'BYTES', data: text }] });
      expect(j.status).toBe(200);
      expect((j.json() as { outputs: Array<{ data: string[] }> }).outputs[0]!.data).toEqual(text);

      const enc = new TextEncoder();
      const elements = text.map((t) => enc.encode(t));
      const { body, headerLength } = binaryBody(
        { inputs: [{ name: 'text', shape: [4], datatype: 'BYTES', parameters: { binary_data_size: bytesBlob(elements).length } }], parameters: { binary_data_output: true } },
        bytesBlob(elements),
      );
      const b = await httpRequest(`${url}/v2/models/echo/infer`, { method: 'POST', body, headers: { 'inference-header-content-length': String(headerLength) } });
      expect(b.status).toBe(200);
      const hdr = Number(b.headers['inference-header-content-length']);
      expect(Buffer.from(b.body.subarray(hdr)).equals(Buffer.from(bytesBlob(elements)))).toBe(true);

      // JPEG magic: not UTF-8. Before: 200 with efbfbd... Now: 400 naming the element.
      const jpeg = bytesBlob([new Uint8Array([0xff, 0xd8, 0xff, 0xe0])]);
      const bad = binaryBody({ inputs: [{ name: 'text', shape: [1], datatype: 'BYTES', parameters: { binary_data_size: jpeg.length } }] }, jpeg);
      const r = await httpRequest(`${url}/v2/models/echo/infer`, { method: 'POST', body: bad.body, headers: { 'inference-header-content-length': String(bad.headerLength) } });
      expect(r.status).toBe(400);
      expect((r.json() as { error: string }).error).toMatch(/"text" is BYTES: element 0 is not valid UTF-8/);

      // "a\u0000b" came back as "a".
      const nul = await postInfer(`${url}/v2/models/echo/infer`, { inputs: [{ name: 'text', shape: [1], datatype: 'BYTES', data: ['a\u0000b'] }] });
      expect(nul.status).toBe(400);
      expect((nul.json() as { error: string }).error).toMatch(/element 0 contains a NUL byte/);
      const surrogate = await postInfer(`${url}/v2/models/echo/infer`, { inputs: [{ name: 'text', shape: [1], datatype: 'BYTES', data: ['\uD800x'] }] });
      expect(surrogate.status).toBe(400);
      // Invalid UTF-8 inside the JSON text itself.
      const raw = Buffer.concat([Buffer.from('{"inputs":[{"name":"text","shape":[1],"datatype":"BYTES","data":["'), Buffer.from([0xff, 0xfe]), Buffer.from('"]}]}')]);
      const rawRes = await httpRequest(`${url}/v2/models/echo/infer`, { method: 'POST', body: raw });
      expect(rawRes.status).toBe(400);
      expect((rawRes.json() as { error: string }).error).toMatch(/not valid UTF-8/);
    });
  });

  describe('2. integer ranges', () => {
    const req = (i32: unknown[], u64: unknown[], i64: unknown[]): string =>
      `{"inputs":[{"name":"i32","shape":[${i32.length}],"datatype":"INT32","data":[${i32.join(',')}]},` +
      `{"name":"u64","shape":[${u64.length}],"datatype":"UINT64","data":[${u64.join(',')}]},` +
      `{"name":"i64","shape":[${i64.length}],"datatype":"INT64","data":[${i64.join(',')}]}]}`;
    const post = (body: string) => httpRequest(`${url}/v2/models/ints/infer`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });

    it('keeps INT64/UINT64 exact beyond 2^53 in JSON, both ways', async () => {
      const r = await post(req([2147483647, -2147483648], ['18446744073709551615', '9007199254740993'], ['9223372036854775807', '-9223372036854775808']));
      expect(r.status).toBe(200);
      const text = r.body.toString('utf8');
      expect(text).toContain('"data":[18446744073709551615,9007199254740993]');
      expect(text).toContain('"data":[9223372036854775807,-9223372036854775808]');
      expect(text).toContain('"data":[2147483647,-2147483648]');
      const decoded = decodeInferResponse(r.body, undefined);
      expect(Array.from(decoded.outputs.oi64!.data as BigInt64Array)).toEqual([9223372036854775807n, -9223372036854775808n]);
    });

    it('answers 400 naming tensor, index and range instead of wrapping', async () => {
      const cases: Array<[string, RegExp]> = [
        [req([0, 3000000000], [1], [1]), /"i32" is INT32: element 1 is 3000000000, outside \[-2147483648, 2147483647\]/],
        [req([0], [1], [1, '9223372036854775808']), /"i64" is INT64: element 1 is 9223372036854775808, outside \[-9223372036854775808, 9223372036854775807\]/],
        [req([0], [-1], [1]), /"u64" is UINT64: element 0 is -1, outside \[0, 18446744073709551615\]/],
        [req([1.5], [1], [1]), /"i32" is INT32: elements must be integers; element 0 is 1.5/],
        [req([0], [1], ['1e19']), /"i64" is INT64: element 0 \(10000000000000000000\) is written in a form that is not exact/],
      ];
      for (const [body, pattern] of cases) {
        const r = await post(body);
        expect(r.status).toBe(400);
        expect((r.json() as { error: string }).error).toMatch(pattern);
      }
    });
  });

  describe('3. batching only when proven safe', () => {
    it('does not concatenate requests for a model whose dim 0 is not a declared batch axis', async () => {
      const m = models.find((x) => x.name === 'centered')!;
      expect(m.batchable).toBe(false);
      expect(models.find((x) => x.name === 'centered_declared')!.batchable).toBe(false);
      expect(models.find((x) => x.name === 'linear')!.batchable).toBe(true);
      for (const name of ['centered', 'centered_declared']) {
        // Each client's rows are centred on its own mean: [[1,1],[3,3]] -> [[-1,-1],[1,1]].
        const results = await Promise.all(
          Array.from({ length: 12 }, (_, k) =>
            postInfer(`${url}/v2/models/${name}/infer`, { inputs: [{ name: 'x', shape: [2, 2], datatype: 'FP32', data: [k, k, k + 2, k + 2] }] }),
          ),
        );
        for (const r of results) {
          expect(r.status).toBe(200);
          expect((r.json() as { outputs: Array<{ shape: number[]; data: number[] }> }).outputs[0]).toMatchObject({ shape: [2, 2], data: [-1, -1, 1, 1] });
        }
      }
    });
  });

  describe('4. one bad request does not fail its batch', () => {
    it('re-runs a failed batch one by one so only the culprit fails', async () => {
      const gather = models.find((x) => x.name === 'gather')!;
      const idx = Array.from({ length: 29 }, (_, i) => (i === 7 ? 50 : i % 10));
      const settled = await Promise.allSettled(idx.map((i) => gather.infer({ idx: { data: new BigInt64Array([BigInt(i)]), shape: [1] } })));
      const failed = settled.flatMap((s, i) => (s.status === 'rejected' ? [i] : []));
      expect(failed).toEqual([7]);
      for (let i = 0; i < idx.length; i++) {
        if (i === 7) continue;
        const s = settled[i] as PromiseFulfilledResult<Awaited<ReturnType<Model['infer']>>>;
        expect(Array.from(s.value.outputs.y!.data as Float32Array)).toEqual([idx[i]! * 10]);
      }
      // Over HTTP, a request failing validation never reaches the batch.
      const bodies = idx.map((i, k) => (k === 3 ? { inputs: [{ name: 'idx', shape: [1], datatype: 'INT64', data: [1.5] }] } : { inputs: [{ name: 'idx', shape: [1], datatype: 'INT64', data: [i] }] }));
      const http = await Promise.all(bodies.map((b) => postInfer(`${url}/v2/models/gather/infer`, b)));
      expect(http.map((r) => r.status)).toEqual(idx.map((_, k) => (k === 3 ? 400 : k === 7 ? 500 : 200)));
    });
  });

  describe('5. hostile bodies and paths', () => {
    it('answers 400 (not 500) for deeply nested data and malformed percent-escapes', async () => {
      const deep = '['.repeat(100_000) + '1' + ']'.repeat(100_000);
      const r = await httpRequest(`${url}/v2/models/linear/infer`, {
        method: 'POST',
        body: `{"inputs":[{"name":"x","shape":[1,4],"datatype":"FP32","data":[${deep}]}]}`,
      });
      expect(r.status).toBe(400);
      expect((r.json() as { error: string }).error).toMatch(/nested deeper than its shape's rank/);
      const big = await postInfer(`${url}/v2/models/linear/infer`, { inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP32', data: [[1, 2, 3, 4, 5, 6], [1]] }] });
      expect(big.status).toBe(400);
      for (const path of ['/v2/models/%E0%A4%A/ready', '/v2/models/%/infer', '/v2/models/linear/versions/%zz']) {
        const u = await httpRequest(`${url}${path}`, { method: path.endsWith('infer') ? 'POST' : 'GET', body: path.endsWith('infer') ? '{}' : undefined });
        expect(u.status).toBe(400);
        expect((u.json() as { error: string }).error).toMatch(/percent-escape/);
      }
    });
  });

  it('the binary request encoder and response decoder keep BYTES exact too', async () => {
    const { body, headerLength } = encodeBinaryInferRequest([{ name: 'text', tensor: { datatype: 'BYTES', shape: [2], data: ['ünï', 'x'] } }], { binaryOutput: true });
    const r = await httpRequest(`${url}/v2/models/echo/infer`, { method: 'POST', body, headers: { 'inference-header-content-length': String(headerLength) } });
    expect(decodeInferResponse(r.body, Number(r.headers['inference-header-content-length'])).outputs.echo!.data).toEqual(['ünï', 'x']);
  });
});
