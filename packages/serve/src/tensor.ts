import { InvalidArgumentError } from '@mlops/contracts/errors';
import { type Datatype, type TensorData, datatypeOfArray, isDatatype, storageMatches } from './datatypes.js';

/** A tensor: datatype, row-major shape and flat element storage. */
export interface Tensor {
  /** Open Inference Protocol datatype, e.g. `FP32`. */
  datatype: Datatype;
  /** Row-major shape; the product of the dims equals the number of elements. */
  shape: number[];
  /** Flat row-major elements; see {@link TensorData}. */
  data: TensorData;
}

/** What `infer` accepts for one input: storage and shape, the datatype inferred from the storage when left out. */
export interface TensorInput {
  /** Flat row-major elements. */
  data: TensorData;
  /** Row-major shape. */
  shape: readonly number[];
  /** Needed only where the storage is ambiguous: BOOL (Uint8Array) and FP16 (Uint16Array). */
  datatype?: Datatype;
}

/** Name, datatype and shape of one model input or output, as in OIP model metadata. */
export interface TensorMetadata {
  /** Tensor name in the ONNX graph. */
  name: string;
  /** Element datatype. */
  datatype: Datatype;
  /** Shape with `-1` for every variable dimension. */
  shape: number[];
}

/** Model metadata as served by `GET /v2/models/{name}`. */
export interface ModelMetadata {
  /** Model name. */
  name: string;
  /** Versions available (the one this metadata describes first). */
  versions: string[];
  /** Always `onnx_onnxv1`. */
  platform: string;
  /** Model inputs in graph order. */
  inputs: TensorMetadata[];
  /** Model outputs in graph order. */
  outputs: TensorMetadata[];
}

/**
 * Check one BYTES element: ONNX Runtime's Node binding carries strings as UTF-8 and cuts them
 * at the first NUL, so anything else would come back altered. Refuse it instead (400).
 */
export function checkBytesElement(name: string, i: number, s: string): void {
  if (typeof s !== 'string') throw new InvalidArgumentError(`Input "${name}" is BYTES: every element must be a string; element ${i} is ${typeof s}.`);
  if (s.includes('\0')) {
    throw new InvalidArgumentError(`Input "${name}" is BYTES: element ${i} contains a NUL byte, which ONNX Runtime for Node cannot carry (it truncates the string there). Encode such bytes (base64, hex) before sending.`);
  }
  if (!(s as unknown as { isWellFormed(): boolean }).isWellFormed()) {
    throw new InvalidArgumentError(`Input "${name}" is BYTES: element ${i} is not valid Unicode (a lone surrogate), so it has no exact UTF-8 form. Send valid UTF-8 or encode the bytes (base64, hex).`);
  }
}

export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/**
 * Check caller inputs against the model's metadata and normalise them to {@link Tensor}s.
 * Every problem is an `INVALID_ARGUMENT` naming the input, what was expected and what was found.
 */
export function validateInputs(
  modelName: string,
  specs: readonly TensorMetadata[],
  inputs: Readonly<Record<string, TensorInput>>,
): Map<string, Tensor> {
  if (typeof inputs !== 'object' || inputs === null) {
    throw new InvalidArgumentError(`Model "${modelName}" expects an object of inputs keyed by name; found ${String(inputs)}.`);
  }
  for (const name of Object.keys(inputs)) {
    let known = false;
    for (const s of specs) if (s.name === name) known = true;
    if (!known) {
      throw new InvalidArgumentError(
        `Model "${modelName}" has no input named "${name}"; its inputs are: ${specs.map((s) => s.name).join(', ')}.`,
        { details: { input: name } },
      );
    }
  }
  const out = new Map<string, Tensor>();
  for (const spec of specs) {
    const input = inputs[spec.name];
    if (input === undefined) {
      throw new InvalidArgumentError(
        `Model "${modelName}" needs input "${spec.name}" (${spec.datatype} ${formatShape(spec.shape)}), which is missing from the request.`,
        { details: { input: spec.name } },
      );
    }
    out.set(spec.name, checkTensor(modelName, spec, input));
  }
  return out;
}

function where(modelName: string, spec: TensorMetadata): string {
  return `Input "${spec.name}" of model "${modelName}"`;
}

function checkTensor(modelName: string, spec: TensorMetadata, input: TensorInput): Tensor {
  const data = input.data;
  if (!ArrayBuffer.isView(data) && !Array.isArray(data)) {
    throw new InvalidArgumentError(`${where(modelName, spec)} must carry a typed array or an array of strings; found ${typeof data}.`, {
      details: { input: spec.name },
    });
  }
  if (input.datatype !== undefined && !isDatatype(input.datatype)) {
    throw new InvalidArgumentError(`${where(modelName, spec)} has unknown datatype "${String(input.datatype)}".`, { details: { input: spec.name } });
  }
  const datatype = input.datatype ?? (spec.datatype === 'BOOL' || spec.datatype === 'FP16' ? spec.datatype : datatypeOfArray(data));
  if (datatype !== spec.datatype) {
    throw new InvalidArgumentError(`${where(modelName, spec)} expects datatype ${spec.datatype}; found ${datatype ?? 'an unsupported array type'}.`, {
      details: { input: spec.name, expected: spec.datatype, found: datatype },
    });
  }
  if (!storageMatches(datatype, data)) {
    throw new InvalidArgumentError(`${where(modelName, spec)} is ${datatype} but its data is a ${data.constructor.name}.`, {
      details: { input: spec.name },
    });
  }
  const shape = Array.from(input.shape);
  if (shape.length !== spec.shape.length) {
    throw new InvalidArgumentError(
      `${where(modelName, spec)} expects shape ${formatShape(spec.shape)} (rank ${spec.shape.length}); found ${formatShape(shape)} (rank ${shape.length}).`,
      { details: { input: spec.name, expected: spec.shape, found: shape } },
    );
  }
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i]!;
    const want = spec.shape[i]!;
    if (!Number.isInteger(d) || d < 0 || (want >= 0 && d !== want)) {
      throw new InvalidArgumentError(
        `${where(modelName, spec)} expects shape ${formatShape(spec.shape)} (-1 = any size); found ${formatShape(shape)}: dim ${i} is ${d}.`,
        { details: { input: spec.name, expected: spec.shape, found: shape } },
      );
    }
  }
  const count = elementCount(shape);
  if (Array.isArray(data)) for (let i = 0; i < data.length; i++) checkBytesElement(spec.name, i, data[i]!);
  if (data.length !== count) {
    throw new InvalidArgumentError(
      `${where(modelName, spec)} has shape ${formatShape(shape)}, which needs ${count} elements; found ${data.length}.`,
      { details: { input: spec.name, expectedElements: count, foundElements: data.length } },
    );
  }
  return { datatype, shape, data };
}
