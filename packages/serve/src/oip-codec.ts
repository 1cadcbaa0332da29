// Open Inference Protocol (KServe V2) REST bodies: JSON tensors and the binary tensor data
// extension (Triton `extension_binary_data.md`), both directions.
import { isUtf8 } from 'node:buffer';
import { InvalidArgumentError, MlopsError } from '@mlops/contracts/errors';
import { parseJsonExact } from './exact-json.js';
import {
  type Datatype,
  type TensorData,
  allocateSmall,
  arrayConstructorOf,
  bytesPerElement,
  fromHalf,
  isDatatype,
  toHalf,
} from './datatypes.js';
import type { Tensor, TensorInput, TensorMetadata } from './tensor.js';
import { checkBytesElement, elementCount } from './tensor.js';

/** Scalar parameter values allowed by OIP. */
export type ParameterValue = string | number | boolean;

/** A parsed inference request. */
export interface ParsedInferRequest {
  id: string | undefined;
  parameters: Record<string, ParameterValue>;
  inputs: Record<string, TensorInput>;
  /** Requested outputs (undefined = all), with whether each is wanted in binary. */
  outputs: Array<{ name: string; binary: boolean }> | undefined;
  /** Default for outputs not listed individually: `binary_data_output`. */
  binaryOutputDefault: boolean;
}

const decoder = new TextDecoder('utf-8', { fatal: false });
const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const encoder = new TextEncoder();

function bad(message: string): InvalidArgumentError {
  return new InvalidArgumentError(message);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// Most requests carry no parameters: share one frozen empty object instead of allocating one.
const NO_PARAMETERS: Record<string, ParameterValue> = Object.freeze({});

function readParameters(v: unknown, where: string): Record<string, ParameterValue> {
  if (v === undefined || v === null) return NO_PARAMETERS;
  if (!isPlainObject(v)) throw bad(`${where} "parameters" must be an object of string, number or boolean values; found ${JSON.stringify(v)}.`);
  for (const [k, val] of Object.entries(v)) {
    const t = typeof val;
    if (t !== 'string' && t !== 'number' && t !== 'boolean') {
      throw bad(`${where} parameter "${k}" must be a string, number or boolean; found ${JSON.stringify(val)}.`);
    }
  }
  return v as Record<string, ParameterValue>;
}

/**
 * Parse an inference request body. `headerLength` is the `Inference-Header-Content-Length`
 * header (undefined when absent: the whole body is JSON). `0` means a raw binary request, only
 * valid for a model with a single input.
 */
export function parseInferRequest(body: Uint8Array, headerLength: number | undefined, specs: readonly TensorMetadata[]): ParsedInferRequest {
  if (headerLength === 0) return parseRawBinary(body, specs);
  const jsonEnd = headerLength ?? body.length;
  if (jsonEnd > body.length) {
    throw bad(`Inference-Header-Content-Length is ${jsonEnd} but the body has only ${body.length} bytes.`);
  }
  let doc: unknown;
  try {
    // Buffer's native UTF-8 slice is cheaper than TextDecoder for small bodies; same replacement rules.
    const head = jsonEnd === body.length ? body : body.subarray(0, jsonEnd);
    // Decoding would silently replace invalid UTF-8 (in a BYTES string, say) with U+FFFD.
    if (!isUtf8(head)) throw bad('The JSON part of the request is not valid UTF-8. Send BYTES that are not UTF-8 text in the binary tensor extension, or encode them (base64, hex).');
    const text = Buffer.isBuffer(body) ? body.toString('utf8', 0, jsonEnd) : decoder.decode(head);
    // Only INT64/UINT64 inputs can hold integers that doubles cannot: other models skip the scan.
    doc = hasBigIntInput(specs) ? parseJsonExact(text) : JSON.parse(text);
  } catch (e) {
    if (MlopsError.isInstance(e)) throw e;
    throw bad(`The request body is not valid JSON (${(e as Error).message}). Send an Open Inference Protocol request: {"inputs": [{"name", "shape", "datatype", "data"}]}.`);
  }
  if (!isPlainObject(doc)) throw bad('The request body must be a JSON object with an "inputs" array.');
  const parameters = readParameters(doc.parameters, 'Request');
  let id: string | undefined;
  if (doc.id !== undefined) {
    if (typeof doc.id !== 'string') throw bad(`Request "id" must be a string; found ${JSON.stringify(doc.id)}.`);
    id = doc.id;
  }
  if (!Array.isArray(doc.inputs) || doc.inputs.length === 0) {
    throw bad('The request needs a non-empty "inputs" array of tensors {name, shape, datatype, data}.');
  }
  const specByName = specIndex(specs);
  const inputs: Record<string, TensorInput> = {};
  let blobOffset = jsonEnd;
  for (const raw of doc.inputs as unknown[]) {
    if (!isPlainObject(raw)) throw bad('Each entry of "inputs" must be an object {name, shape, datatype, data}.');
    const name = raw.name;
    if (typeof name !== 'string') throw bad(`Each input needs a string "name"; found ${JSON.stringify(name)}.`);
    if (inputs[name] !== undefined) throw bad(`Input "${name}" appears twice in the request.`);
    const spec = specByName.get(name);
    if (!spec) throw bad(`The model has no input named "${name}"; its inputs are: ${specs.map((s) => s.name).join(', ')}.`);
    const datatype = raw.datatype;
    if (!isDatatype(datatype)) throw bad(`Input "${name}" has datatype ${JSON.stringify(datatype)}; expected ${spec.datatype}.`);
    if (datatype !== spec.datatype) throw bad(`Input "${name}" has datatype ${datatype}; the model expects ${spec.datatype}.`);
    const shape = raw.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && (d as number) >= 0)) {
      throw bad(`Input "${name}" needs "shape", an array of non-negative integers; found ${JSON.stringify(shape)}.`);
    }
    const count = elementCount(shape as number[]);
    const params = readParameters(raw.parameters, `Input "${name}"`);
    const binarySize = params.binary_data_size;
    let data: TensorData;
    if (binarySize !== undefined) {
      if (typeof binarySize !== 'number' || !Number.isInteger(binarySize) || binarySize < 0) {
        throw bad(`Input "${name}" binary_data_size must be a non-negative integer; found ${JSON.stringify(binarySize)}.`);
      }
      if (headerLength === undefined) {
        throw bad(`Input "${name}" has binary_data_size but the request has no Inference-Header-Content-Length header.`);
      }
      if (raw.data !== undefined) throw bad(`Input "${name}" has both "data" and binary_data_size; send one.`);
      if (blobOffset + binarySize > body.length) {
        throw bad(`Input "${name}" declares ${binarySize} binary bytes but only ${body.length - blobOffset} remain in the body.`);
      }
      data = decodeBinary(name, datatype, body.subarray(blobOffset, blobOffset + binarySize), count);
      blobOffset += binarySize;
    } else {
      if (raw.data === undefined) throw bad(`Input "${name}" has no "data" (nor binary_data_size).`);
      data = decodeJsonData(name, datatype, raw.data, count, (shape as number[]).length);
    }
    inputs[name] = { data, shape: shape as number[], datatype };
  }
  if (blobOffset !== body.length && headerLength !== undefined) {
    throw bad(`The body has ${body.length - blobOffset} bytes after the last binary input; check binary_data_size values.`);
  }
  let outputs: ParsedInferRequest['outputs'];
  const binaryDefault = parameters.binary_data_output === true;
  if (doc.outputs !== undefined) {
    if (!Array.isArray(doc.outputs)) throw bad('"outputs" must be an array of {name, parameters?}.');
    outputs = [];
    for (const o of doc.outputs as unknown[]) {
      if (!isPlainObject(o) || typeof o.name !== 'string') throw bad('Each requested output needs a string "name".');
      const p = readParameters(o.parameters, `Output "${o.name}"`);
      if (p.classification !== undefined) throw bad(`Output "${o.name}": the classification extension is not supported; request raw outputs.`);
      outputs.push({ name: o.name, binary: typeof p.binary_data === 'boolean' ? p.binary_data : binaryDefault });
    }
  }
  return { id, parameters, inputs, outputs, binaryOutputDefault: binaryDefault };
}

const bigIntInputs = new WeakMap<readonly TensorMetadata[], boolean>();
function hasBigIntInput(specs: readonly TensorMetadata[]): boolean {
  let b = bigIntInputs.get(specs);
  if (b === undefined) {
    b = specs.some((t) => t.datatype === 'INT64' || t.datatype === 'UINT64');
    bigIntInputs.set(specs, b);
  }
  return b;
}

// Model metadata never changes after load: index it once, not per request.
const specIndexes = new WeakMap<readonly TensorMetadata[], Map<string, TensorMetadata>>();
function specIndex(specs: readonly TensorMetadata[]): Map<string, TensorMetadata> {
  let m = specIndexes.get(specs);
  if (m === undefined) {
    m = new Map(specs.map((s) => [s.name, s]));
    specIndexes.set(specs, m);
  }
  return m;
}

function parseRawBinary(body: Uint8Array, specs: readonly TensorMetadata[]): ParsedInferRequest {
  if (specs.length !== 1) {
    throw bad(`A raw binary request (Inference-Header-Content-Length: 0) needs a model with exactly one input; this one has ${specs.length}.`);
  }
  const spec = specs[0]!;
  const variable = spec.shape.filter((d) => d < 0).length;
  if (variable > 1) throw bad(`A raw binary request needs an input with at most one variable dim; "${spec.name}" has shape [${spec.shape.join(', ')}].`);
  let shape: number[];
  if (spec.datatype === 'BYTES') {
    shape = spec.shape.map(() => 1);
  } else {
    // Treated as batch size 1: the variable dim (if any) absorbs the element count.
    const fixed = spec.shape.reduce((a, d) => (d < 0 ? a : a * d), 1);
    const elems = body.length / bytesPerElement(spec.datatype);
    const free = elems / fixed;
    if (!Number.isInteger(free) || (variable === 0 && elems !== fixed)) {
      throw bad(`A raw binary body of ${body.length} bytes does not fit input "${spec.name}" (${spec.datatype} [${spec.shape.join(', ')}]).`);
    }
    shape = spec.shape.map((d) => (d < 0 ? free : d));
  }
  const count = elementCount(shape);
  const data = decodeBinary(spec.name, spec.datatype, body, count);
  return { id: undefined, parameters: {}, inputs: { [spec.name]: { data, shape, datatype: spec.datatype } }, outputs: undefined, binaryOutputDefault: true };
}

/** Most nesting levels of `data` (a tensor of higher rank is sent flat, with its shape). */
export const MAX_DATA_DEPTH = 32;

/**
 * Flatten nested `data` row-major without recursion, refusing (400) anything deeper than the
 * shape's rank (or {@link MAX_DATA_DEPTH}) or holding more than `count` elements, so a hostile
 * body can neither overflow the stack nor make the server copy a huge array.
 */
function flattenData(name: string, raw: unknown[], count: number, rank: number): unknown[] {
  const maxDepth = Math.min(MAX_DATA_DEPTH, Math.max(1, rank));
  const out: unknown[] = [];
  const stack: Array<{ a: unknown[]; i: number }> = [{ a: raw, i: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.i >= top.a.length) {
      stack.pop();
      continue;
    }
    const v = top.a[top.i++];
    if (Array.isArray(v)) {
      if (stack.length >= maxDepth) {
        throw bad(`Input "${name}" has "data" nested deeper than its shape's rank (${maxDepth}); nest it like the shape or send it flat.`);
      }
      stack.push({ a: v, i: 0 });
    } else {
      if (out.length >= count) throw bad(`Input "${name}" has a shape of ${count} elements but "data" holds more.`);
      out.push(v);
    }
  }
  return out;
}

/** Inclusive range of each integer datatype that JSON numbers are checked against. */
const INT_RANGE: Partial<Record<Datatype, readonly [number, number]>> = {
  INT8: [-128, 127],
  UINT8: [0, 255],
  INT16: [-32768, 32767],
  UINT16: [0, 65535],
  INT32: [-2147483648, 2147483647],
  UINT32: [0, 4294967295],
};
const BIG_RANGE = { INT64: [-(2n ** 63n), 2n ** 63n - 1n], UINT64: [0n, 2n ** 64n - 1n] } as const;
const FP32_MAX = 3.4028234663852886e38;
const FP16_MAX = 65504;

function decodeJsonData(name: string, datatype: Datatype, raw: unknown, count: number, rank: number): TensorData {
  let flat: unknown[];
  if (Array.isArray(raw)) {
    if (raw.length > 0 && Array.isArray(raw[0])) flat = flattenData(name, raw, count, rank);
    else flat = raw;
  } else flat = [raw];
  if (flat.length !== count) {
    throw bad(`Input "${name}" has a shape of ${count} elements but "data" holds ${flat.length}.`);
  }
  if (datatype === 'BYTES') {
    for (let i = 0; i < flat.length; i++) {
      const v = flat[i];
      if (typeof v !== 'string') throw bad(`Input "${name}" is BYTES: every element must be a string; element ${i} is ${JSON.stringify(v)}.`);
      checkBytesElement(name, i, v);
    }
    return flat as string[];
  }
  if (datatype === 'BOOL') {
    const out = allocateSmall(Uint8Array, count);
    for (let i = 0; i < count; i++) {
      const v = flat[i];
      if (v === true || v === 1) out[i] = 1;
      else if (v !== false && v !== 0) throw bad(`Input "${name}" is BOOL: elements must be true or false; element ${i} is ${show(v)}.`);
    }
    return out;
  }
  const ctor = arrayConstructorOf(datatype)!;
  if (datatype === 'INT64' || datatype === 'UINT64') {
    const out = datatype === 'INT64' ? allocateSmall(BigInt64Array, count) : allocateSmall(BigUint64Array, count);
    const [lo, hi] = BIG_RANGE[datatype];
    for (let i = 0; i < count; i++) {
      const v = flat[i];
      let b: bigint;
      if (typeof v === 'bigint') b = v;
      else if (typeof v === 'number' && Number.isSafeInteger(v)) b = BigInt(v);
      else if (typeof v === 'number' && Number.isInteger(v)) {
        throw bad(`Input "${name}" is ${datatype}: element ${i} (${v}) is written in a form that is not exact beyond 2^53; write it as a plain integer literal (digits only).`);
      } else throw bad(`Input "${name}" is ${datatype}: elements must be integers; element ${i} is ${show(v)}.`);
      if (b < lo || b > hi) throw bad(`Input "${name}" is ${datatype}: element ${i} is ${b}, outside [${lo}, ${hi}].`);
      out[i] = b;
    }
    return out;
  }
  const out = allocateSmall(ctor as Float64ArrayConstructor, count);
  const range = INT_RANGE[datatype];
  const fmax = datatype === 'FP32' ? FP32_MAX : datatype === 'FP16' ? FP16_MAX : Infinity;
  for (let i = 0; i < count; i++) {
    const v = flat[i];
    if (typeof v !== 'number') throw bad(`Input "${name}" is ${datatype}: elements must be numbers; element ${i} is ${show(v)}.`);
    if (range !== undefined) {
      if (!Number.isInteger(v)) throw bad(`Input "${name}" is ${datatype}: elements must be integers; element ${i} is ${v}.`);
      if (v < range[0] || v > range[1]) throw bad(`Input "${name}" is ${datatype}: element ${i} is ${v}, outside [${range[0]}, ${range[1]}].`);
    } else if (v > fmax || v < -fmax) {
      // Beyond the type's largest finite value the cast would give Infinity: refuse, do not alter.
      throw bad(`Input "${name}" is ${datatype}: element ${i} is ${v}, beyond the largest finite ${datatype} (${fmax}); use FP64 or scale the input.`);
    }
    out[i] = datatype === 'FP16' ? toHalf(v) : v;
  }
  return out as unknown as TensorData;
}

function show(v: unknown): string {
  return typeof v === 'bigint' ? String(v) : JSON.stringify(v);
}

export function decodeBinary(name: string, datatype: Datatype, bytes: Uint8Array, count: number): TensorData {
  if (datatype === 'BYTES') {
    const out: string[] = [];
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let off = 0;
    while (off < bytes.length) {
      if (off + 4 > bytes.length) throw bad(`Input "${name}" BYTES data ends inside a 4-byte length prefix at byte ${off}.`);
      const len = view.getUint32(off, true);
      off += 4;
      if (off + len > bytes.length) throw bad(`Input "${name}" BYTES element ${out.length} claims ${len} bytes but only ${bytes.length - off} remain.`);
      let text: string;
      try {
        text = strictDecoder.decode(bytes.subarray(off, off + len));
      } catch {
        throw bad(`Input "${name}" is BYTES: element ${out.length} is not valid UTF-8, and ONNX Runtime for Node carries strings as UTF-8 only, so it would come back altered. Encode such bytes (base64, hex) before sending.`);
      }
      checkBytesElement(name, out.length, text);
      out.push(text);
      off += len;
    }
    if (out.length !== count) throw bad(`Input "${name}" has a shape of ${count} elements but its binary data holds ${out.length}.`);
    return out;
  }
  const size = bytesPerElement(datatype);
  if (bytes.length !== count * size) {
    throw bad(`Input "${name}" is ${count} ${datatype} elements = ${count * size} bytes, but binary_data_size is ${bytes.length}.`);
  }
  const ctor = arrayConstructorOf(datatype)!;
  // Copy: the blob may sit at an unaligned offset of the body, and typed arrays need alignment.
  const copy = allocateSmall(Uint8Array, bytes.length);
  copy.set(bytes);
  const out = new (ctor as Float64ArrayConstructor)(copy.buffer as ArrayBuffer, copy.byteOffset, count) as unknown as TensorData;
  if (datatype === 'BOOL') {
    const b = out as Uint8Array;
    for (let i = 0; i < b.length; i++) if (b[i]! > 1) throw bad(`Input "${name}" is BOOL: byte ${i} is ${b[i]}, expected 0 or 1.`);
  }
  return out;
}

/** An encoded response: body bytes plus the headers it needs. */
export interface EncodedResponse {
  body: Uint8Array | string;
  headers: Record<string, string>;
}

/** Options of {@link encodeInferResponse}. */
export interface ResponseEnvelope {
  modelName: string;
  modelVersion: string | undefined;
  id: string | undefined;
  parameters?: Record<string, ParameterValue>;
}

function jsonData(t: Tensor): string {
  const d = t.data;
  if (Array.isArray(d)) return JSON.stringify(d);
  switch (t.datatype) {
    case 'BOOL': {
      const parts = new Array<string>(d.length);
      for (let i = 0; i < d.length; i++) parts[i] = d[i] ? 'true' : 'false';
      return `[${parts.join(',')}]`;
    }
    case 'FP16': {
      const parts = new Array<number>(d.length);
      for (let i = 0; i < d.length; i++) parts[i] = fromHalf(d[i] as number);
      return JSON.stringify(parts);
    }
    case 'FP32':
    case 'FP64': {
      if (d.length <= 64) {
        // Small outputs (the common one-row case): one pass, no join over a typed array, no regex.
        let out = '[';
        for (let i = 0; i < d.length; i++) {
          const v = d[i] as number;
          if (i > 0) out += ',';
          out += Number.isFinite(v) ? v : 'null';
        }
        return `${out}]`;
      }
      const s = `[${Array.prototype.join.call(d, ',')}]`;
      // NaN and Infinity are not JSON: fall back to null for them.
      return /[NI]/.test(s) ? JSON.stringify(Array.from(d as Float32Array, (v) => (Number.isFinite(v) ? v : null))) : s;
    }
    default:
      // INT64 values beyond 2^53 lose precision as JSON numbers; ask for binary output to keep them exact.
      return `[${Array.prototype.join.call(d, ',')}]`;
  }
}

export function binaryBlob(t: Tensor): Uint8Array {
  const d = t.data;
  if (Array.isArray(d)) {
    const parts = d.map((s) => encoder.encode(s));
    let total = 0;
    for (const p of parts) total += 4 + p.length;
    const out = new Uint8Array(total);
    const view = new DataView(out.buffer);
    let off = 0;
    for (const p of parts) {
      view.setUint32(off, p.length, true);
      out.set(p, off + 4);
      off += 4 + p.length;
    }
    return out;
  }
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

/**
 * Encode an inference response: JSON only, or JSON header + binary blobs (with
 * `Inference-Header-Content-Length`) when any output is requested in binary.
 */
export function encodeInferResponse(
  env: ResponseEnvelope,
  outputs: Array<{ name: string; tensor: Tensor; binary: boolean }>,
): EncodedResponse {
  const blobs: Uint8Array[] = [];
  const parts: string[] = [];
  for (const o of outputs) {
    const head = `{"name":${JSON.stringify(o.name)},"datatype":"${o.tensor.datatype}","shape":[${o.tensor.shape.join(',')}]`;
    if (o.binary) {
      const blob = binaryBlob(o.tensor);
      blobs.push(blob);
      parts.push(`${head},"parameters":{"binary_data_size":${blob.length}}}`);
    } else {
      parts.push(`${head},"data":${jsonData(o.tensor)}}`);
    }
  }
  let json = `{"model_name":${JSON.stringify(env.modelName)}`;
  if (env.modelVersion !== undefined) json += `,"model_version":${JSON.stringify(env.modelVersion)}`;
  if (env.id !== undefined) json += `,"id":${JSON.stringify(env.id)}`;
  if (env.parameters && Object.keys(env.parameters).length > 0) json += `,"parameters":${JSON.stringify(env.parameters)}`;
  json += `,"outputs":[${parts.join(',')}]}`;
  if (blobs.length === 0) {
    return { body: json, headers: { 'content-type': 'application/json' } };
  }
  const header = encoder.encode(json);
  let total = header.length;
  for (const b of blobs) total += b.length;
  const body = new Uint8Array(total);
  body.set(header, 0);
  let off = header.length;
  for (const b of blobs) {
    body.set(b, off);
    off += b.length;
  }
  return {
    body,
    headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(header.length) },
  };
}

/**
 * Decode a response body (JSON or JSON + binary blobs) into tensors: the client half of the
 * protocol, for tests, benchmarks and Node callers of a remote server. `headerLength` is the
 * response's `Inference-Header-Content-Length` (undefined for a JSON-only body).
 */
export function decodeInferResponse(
  body: Uint8Array,
  headerLength: number | undefined,
): { model_name: string; model_version?: string; id?: string; outputs: Record<string, Tensor> } {
  const jsonEnd = headerLength ?? body.length;
  const doc = parseJsonExact(decoder.decode(body.subarray(0, jsonEnd))) as {
    model_name: string;
    model_version?: string;
    id?: string;
    outputs: Array<{ name: string; datatype: Datatype; shape: number[]; data?: unknown; parameters?: Record<string, ParameterValue> }>;
  };
  const outputs: Record<string, Tensor> = {};
  let off = jsonEnd;
  for (const o of doc.outputs) {
    const count = elementCount(o.shape);
    const size = o.parameters?.binary_data_size;
    if (typeof size === 'number') {
      outputs[o.name] = { datatype: o.datatype, shape: o.shape, data: decodeBinary(o.name, o.datatype, body.subarray(off, off + size), count) };
      off += size;
    } else {
      outputs[o.name] = { datatype: o.datatype, shape: o.shape, data: decodeJsonData(o.name, o.datatype, o.data, count, o.shape.length) };
    }
  }
  return { model_name: doc.model_name, ...(doc.model_version !== undefined ? { model_version: doc.model_version } : {}), ...(doc.id !== undefined ? { id: doc.id } : {}), outputs };
}

/**
 * Encode a request in the binary extension: JSON header listing every input with
 * `binary_data_size`, then the blobs. Returns the body and the header length to send as
 * `Inference-Header-Content-Length`. Options: request `id`, requested `outputs` (each
 * optionally `binary`), `binaryOutput` (= `binary_data_output`: every output in binary) and
 * extra request `parameters` (e.g. `priority`, `timeout`).
 */
export function encodeBinaryInferRequest(
  inputs: Array<{ name: string; tensor: Tensor }>,
  options: { id?: string; outputs?: Array<{ name: string; binary?: boolean }>; binaryOutput?: boolean; parameters?: Record<string, ParameterValue> } = {},
): { body: Uint8Array; headerLength: number } {
  const blobs = inputs.map((i) => binaryBlob(i.tensor));
  const doc: Record<string, unknown> = {
    ...(options.id !== undefined ? { id: options.id } : {}),
    parameters: { ...options.parameters, ...(options.binaryOutput ? { binary_data_output: true } : {}) },
    inputs: inputs.map((i, k) => ({ name: i.name, datatype: i.tensor.datatype, shape: i.tensor.shape, parameters: { binary_data_size: blobs[k]!.length } })),
    ...(options.outputs ? { outputs: options.outputs.map((o) => ({ name: o.name, parameters: o.binary === undefined ? {} : { binary_data: o.binary } })) } : {}),
  };
  const header = encoder.encode(JSON.stringify(doc));
  let total = header.length;
  for (const b of blobs) total += b.length;
  const body = new Uint8Array(total);
  body.set(header);
  let off = header.length;
  for (const b of blobs) {
    body.set(b, off);
    off += b.length;
  }
  return { body, headerLength: header.length };
}
