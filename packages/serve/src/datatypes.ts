import { InvalidArgumentError } from '@mlops/contracts/errors';

/** Tensor datatypes of the Open Inference Protocol (KServe V2) that ONNX Runtime can carry. */
export type Datatype =
  | 'BOOL'
  | 'UINT8'
  | 'UINT16'
  | 'UINT32'
  | 'UINT64'
  | 'INT8'
  | 'INT16'
  | 'INT32'
  | 'INT64'
  | 'FP16'
  | 'FP32'
  | 'FP64'
  | 'BYTES';

/**
 * The element storage of a tensor. Numeric datatypes use the matching typed array (BOOL is a
 * `Uint8Array` of 0/1, FP16 a `Uint16Array` of IEEE half-precision bit patterns, INT64/UINT64
 * `BigInt64Array`/`BigUint64Array`); BYTES is an array of strings (UTF-8 on the wire).
 */
export type TensorData =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | BigUint64Array
  | BigInt64Array
  | Float32Array
  | Float64Array
  | string[];

/** A typed-array constructor for numeric datatypes. */
export type NumericArrayConstructor =
  | Uint8ArrayConstructor
  | Int8ArrayConstructor
  | Uint16ArrayConstructor
  | Int16ArrayConstructor
  | Uint32ArrayConstructor
  | Int32ArrayConstructor
  | BigUint64ArrayConstructor
  | BigInt64ArrayConstructor
  | Float32ArrayConstructor
  | Float64ArrayConstructor;

/** A numeric (non-string) tensor storage. */
export type NumericArray = Exclude<TensorData, string[]>;

interface DatatypeInfo {
  ort: string;
  bytes: number;
  ctor: NumericArrayConstructor | undefined;
}

const INFO: Record<Datatype, DatatypeInfo> = {
  BOOL: { ort: 'bool', bytes: 1, ctor: Uint8Array },
  UINT8: { ort: 'uint8', bytes: 1, ctor: Uint8Array },
  UINT16: { ort: 'uint16', bytes: 2, ctor: Uint16Array },
  UINT32: { ort: 'uint32', bytes: 4, ctor: Uint32Array },
  UINT64: { ort: 'uint64', bytes: 8, ctor: BigUint64Array },
  INT8: { ort: 'int8', bytes: 1, ctor: Int8Array },
  INT16: { ort: 'int16', bytes: 2, ctor: Int16Array },
  INT32: { ort: 'int32', bytes: 4, ctor: Int32Array },
  INT64: { ort: 'int64', bytes: 8, ctor: BigInt64Array },
  FP16: { ort: 'float16', bytes: 2, ctor: Uint16Array },
  FP32: { ort: 'float32', bytes: 4, ctor: Float32Array },
  FP64: { ort: 'float64', bytes: 8, ctor: Float64Array },
  BYTES: { ort: 'string', bytes: 0, ctor: undefined },
};

/** Every supported datatype, in the order of the OIP table. */
export const DATATYPES = Object.keys(INFO) as Datatype[];

const FROM_ORT = new Map<string, Datatype>(DATATYPES.map((d) => [INFO[d].ort, d]));

export function isDatatype(value: unknown): value is Datatype {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(INFO, value);
}

export function ortTypeOf(datatype: Datatype): string {
  return INFO[datatype].ort;
}

export function datatypeFromOrt(ortType: string): Datatype {
  const d = FROM_ORT.get(ortType);
  if (d === undefined) {
    throw new InvalidArgumentError(
      `ONNX tensor type "${ortType}" has no Open Inference Protocol datatype; supported: ${[...FROM_ORT.keys()].join(', ')}.`,
    );
  }
  return d;
}

/** Bytes per element (0 for BYTES, whose elements are variable-length). */
export function bytesPerElement(datatype: Datatype): number {
  return INFO[datatype].bytes;
}

export function arrayConstructorOf(datatype: Datatype): NumericArrayConstructor | undefined {
  return INFO[datatype].ctor;
}

/** Allocate zero-filled storage for `count` elements of `datatype`. */
export function allocate(datatype: Datatype, count: number): TensorData {
  const ctor = INFO[datatype].ctor;
  return ctor === undefined ? new Array<string>(count).fill('') : new ctor(count);
}

// A typed array over 64 bytes gets its own off-heap backing store, which costs ~300 ns to
// create (V8 keeps smaller ones on the heap); a view into an existing buffer costs ~40 ns. A
// one-row request's tensor is a few hundred bytes, so small request tensors are carved out of
// shared slabs. A slab region is handed out once and never reused (no view can ever see another
// request's bytes), and a slab is freed by the GC once no view into it is left.
const SLAB_BYTES = 8192;
/** Largest tensor (bytes) taken from a slab; bigger ones get their own buffer. */
export const SLAB_MAX_BYTES = 1024;
let slab = new ArrayBuffer(0);
let slabOffset = SLAB_BYTES; // full: the first call allocates a slab

/**
 * Zero-filled storage for `count` elements of a typed array type: a view into a slab when it is
 * at most {@link SLAB_MAX_BYTES}, else its own buffer. Offsets are 8-byte aligned.
 */
export function allocateSmall<T extends ArrayBufferView>(ctor: { new (length: number): T; new (buffer: ArrayBuffer, byteOffset: number, length: number): T; BYTES_PER_ELEMENT: number }, count: number): T {
  const bytes = count * ctor.BYTES_PER_ELEMENT;
  if (bytes > SLAB_MAX_BYTES || bytes <= 64) return new ctor(count);
  if (slabOffset + bytes > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    slabOffset = 0;
  }
  const out = new ctor(slab, slabOffset, count);
  slabOffset += (bytes + 7) & ~7;
  return out;
}

/** The datatype a typed array most naturally carries (Uint8Array -> UINT8, Uint16Array -> UINT16). */
export function datatypeOfArray(data: TensorData): Datatype | undefined {
  if (Array.isArray(data)) return 'BYTES';
  if (data instanceof Float32Array) return 'FP32';
  if (data instanceof Float64Array) return 'FP64';
  if (data instanceof Int32Array) return 'INT32';
  if (data instanceof BigInt64Array) return 'INT64';
  if (data instanceof Uint8Array) return 'UINT8';
  if (data instanceof Int8Array) return 'INT8';
  if (data instanceof Uint16Array) return 'UINT16';
  if (data instanceof Int16Array) return 'INT16';
  if (data instanceof Uint32Array) return 'UINT32';
  if (data instanceof BigUint64Array) return 'UINT64';
  return undefined;
}

/** True when `data` is a storage `datatype` accepts (BOOL and UINT8 share Uint8Array, FP16 and UINT16 Uint16Array). */
export function storageMatches(datatype: Datatype, data: TensorData): boolean {
  const ctor = INFO[datatype].ctor;
  if (ctor === undefined) return Array.isArray(data);
  return data instanceof ctor;
}

// IEEE 754 half <-> single conversion, for FP16 tensors carried as JSON numbers.
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function toHalf(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  let exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0);
  exp = exp - 127 + 15;
  if (exp >= 0x1f) return sign | 0x7c00;
  if (exp <= 0) {
    if (exp < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - exp;
    let half = mant >>> shift;
    // round half to even
    const rem = mant & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rem > halfway || (rem === halfway && (half & 1) === 1)) half++;
    return sign | half;
  }
  let half = sign | (exp << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (half & 1) === 1)) half++;
  return half;
}

export function fromHalf(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant === 0 ? sign * Infinity : NaN;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}
