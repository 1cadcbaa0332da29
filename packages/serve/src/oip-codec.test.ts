import { describe, expect, it } from 'vitest';
import { MlopsError } from '@mlops/contracts';
import { decodeInferResponse, encodeBinaryInferRequest, encodeInferResponse, parseInferRequest } from './oip-codec.js';
import type { TensorMetadata } from './tensor.js';

const enc = new TextEncoder();
const specs: TensorMetadata[] = [{ name: 'x', datatype: 'FP32', shape: [-1, 2] }];
const json = (doc: unknown): Uint8Array => enc.encode(JSON.stringify(doc));

function expectInvalid(fn: () => unknown, pattern: RegExp): void {
  try {
    fn();
  } catch (e) {
    expect(MlopsError.isInstance(e, 'INVALID_ARGUMENT')).toBe(true);
    expect((e as Error).message).toMatch(pattern);
    return;
  }
  throw new Error('expected an INVALID_ARGUMENT error');
}

describe('parseInferRequest (JSON)', () => {
  it('accepts flat and nested data, echoes id and reads parameters and outputs', () => {
    const flat = parseInferRequest(json({ id: 'r1', parameters: { priority: 1 }, inputs: [{ name: 'x', shape: [2, 2], datatype: 'FP32', data: [1, 2, 3, 4] }] }), undefined, specs);
    const nested = parseInferRequest(json({ inputs: [{ name: 'x', shape: [2, 2], datatype: 'FP32', data: [[1, 2], [3, 4]] }], outputs: [{ name: 'y', parameters: { binary_data: true } }] }), undefined, specs);
    expect(flat.id).toBe('r1');
    expect(flat.parameters.priority).toBe(1);
    expect(Array.from(flat.inputs.x!.data as Float32Array)).toEqual([1, 2, 3, 4]);
    expect(flat.inputs.x!.data).toBeInstanceOf(Float32Array);
    expect(Array.from(nested.inputs.x!.data as Float32Array)).toEqual([1, 2, 3, 4]);
    expect(nested.outputs).toEqual([{ name: 'y', binary: true }]);
  });

  it('converts every datatype from JSON', () => {
    const all: TensorMetadata[] = [
      { name: 'b', datatype: 'BOOL', shape: [2] },
      { name: 'i64', datatype: 'INT64', shape: [2] },
      { name: 'u8', datatype: 'UINT8', shape: [2] },
      { name: 'h', datatype: 'FP16', shape: [2] },
      { name: 's', datatype: 'BYTES', shape: [2] },
    ];
    const r = parseInferRequest(
      json({
        inputs: [
          { name: 'b', shape: [2], datatype: 'BOOL', data: [true, false] },
          { name: 'i64', shape: [2], datatype: 'INT64', data: [-3, 9007199254740991] },
          { name: 'u8', shape: [2], datatype: 'UINT8', data: [0, 255] },
          { name: 'h', shape: [2], datatype: 'FP16', data: [1, -2.5] },
          { name: 's', shape: [2], datatype: 'BYTES', data: ['héllo', ''] },
        ],
      }),
      undefined,
      all,
    );
    expect(Array.from(r.inputs.b!.data as Uint8Array)).toEqual([1, 0]);
    expect(Array.from(r.inputs.i64!.data as BigInt64Array)).toEqual([-3n, 9007199254740991n]);
    expect(Array.from(r.inputs.h!.data as Uint16Array)).toEqual([0x3c00, 0xc100]);
    expect(r.inputs.s!.data).toEqual(['héllo', '']);
  });

  it('names the problem for bad names, datatypes, shapes and element counts', () => {
    expectInvalid(() => parseInferRequest(json({ inputs: [{ name: 'z', shape: [1, 2], datatype: 'FP32', data: [1, 2] }] }), undefined, specs), /no input named "z"; its inputs are: x/);
    expectInvalid(() => parseInferRequest(json({ inputs: [{ name: 'x', shape: [1, 2], datatype: 'INT32', data: [1, 2] }] }), undefined, specs), /datatype INT32; the model expects FP32/);
    expectInvalid(() => parseInferRequest(json({ inputs: [{ name: 'x', shape: [1, 2], datatype: 'FP32', data: [1, 2, 3] }] }), undefined, specs), /shape of 2 elements but "data" holds 3/);
    expectInvalid(() => parseInferRequest(json({ inputs: [{ name: 'x', shape: [1, -2], datatype: 'FP32', data: [1] }] }), undefined, specs), /non-negative integers/);
    expectInvalid(() => parseInferRequest(json({ inputs: [{ name: 'x', shape: [2], datatype: 'FP32', data: ['a', 2] }] }), undefined, specs), /must be numbers; element 0/);
    expectInvalid(() => parseInferRequest(enc.encode('{nope'), undefined, specs), /not valid JSON/);
    expectInvalid(() => parseInferRequest(json({ inputs: [] }), undefined, specs), /non-empty "inputs"/);
  });
});

describe('binary tensor data extension', () => {
  it('round-trips binary inputs, including BYTES with 4-byte length prefixes', () => {
    const s: TensorMetadata[] = [
      { name: 'x', datatype: 'FP32', shape: [-1, 2] },
      { name: 't', datatype: 'BYTES', shape: [-1] },
    ];
    const { body, headerLength } = encodeBinaryInferRequest([
      { name: 'x', tensor: { datatype: 'FP32', shape: [2, 2], data: new Float32Array([1.5, 2, 3, 4]) } },
      { name: 't', tensor: { datatype: 'BYTES', shape: [2], data: ['ab', 'ünï'] } },
    ]);
    const r = parseInferRequest(body, headerLength, s);
    expect(Array.from(r.inputs.x!.data as Float32Array)).toEqual([1.5, 2, 3, 4]);
    expect(r.inputs.t!.data).toEqual(['ab', 'ünï']);
  });

  it('rejects a binary_data_size that does not match the shape', () => {
    const { body, headerLength } = encodeBinaryInferRequest([{ name: 'x', tensor: { datatype: 'FP32', shape: [1, 2], data: new Float32Array([1, 2]) } }]);
    const text = new TextDecoder().decode(body.subarray(0, headerLength)).replace('"shape":[1,2]', '"shape":[2,2]');
    const header = enc.encode(text);
    const fixed = new Uint8Array(header.length + 8);
    fixed.set(header);
    fixed.set(body.subarray(headerLength), header.length);
    expectInvalid(() => parseInferRequest(fixed, header.length, specs), /4 FP32 elements = 16 bytes, but binary_data_size is 8/);
  });

  it('parses a raw binary request (header length 0) as batch size 1', () => {
    const r = parseInferRequest(new Uint8Array(new Float32Array([7, 8]).buffer), 0, specs);
    expect(r.inputs.x!.shape).toEqual([1, 2]);
    expect(r.binaryOutputDefault).toBe(true);
  });

  it('encodes mixed JSON/binary responses that decode back', () => {
    const e = encodeInferResponse({ modelName: 'm', modelVersion: '2', id: 'q' }, [
      { name: 'a', tensor: { datatype: 'FP32', shape: [2], data: new Float32Array([0.5, -1]) }, binary: true },
      { name: 'b', tensor: { datatype: 'BOOL', shape: [2], data: new Uint8Array([1, 0]) }, binary: false },
      { name: 'c', tensor: { datatype: 'BYTES', shape: [1], data: ['xyz'] }, binary: true },
    ]);
    const hl = Number(e.headers['inference-header-content-length']);
    expect(e.headers['content-type']).toBe('application/octet-stream');
    const head = JSON.parse(new TextDecoder().decode((e.body as Uint8Array).subarray(0, hl))) as { outputs: Array<{ parameters?: { binary_data_size: number }; data?: unknown }> };
    expect(head.outputs[0]!.parameters!.binary_data_size).toBe(8);
    expect(head.outputs[1]!.data).toEqual([true, false]);
    expect(head.outputs[2]!.parameters!.binary_data_size).toBe(7);
    const d = decodeInferResponse(e.body as Uint8Array, hl);
    expect(d.model_version).toBe('2');
    expect(d.id).toBe('q');
    expect(Array.from(d.outputs.a!.data as Float32Array)).toEqual([0.5, -1]);
    expect(d.outputs.c!.data).toEqual(['xyz']);
  });

  it('writes NaN as null in JSON, since JSON has no NaN', () => {
    const e = encodeInferResponse({ modelName: 'm', modelVersion: undefined, id: undefined }, [
      { name: 'a', tensor: { datatype: 'FP32', shape: [2], data: new Float32Array([NaN, 1]) }, binary: false },
    ]);
    expect(JSON.parse(e.body as string)).toEqual({ model_name: 'm', outputs: [{ name: 'a', datatype: 'FP32', shape: [2], data: [null, 1] }] });
  });
});
