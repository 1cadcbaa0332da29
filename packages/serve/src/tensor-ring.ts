// A compact binary record of tensors inside a SharedArrayBuffer slot: how batches and their
// results cross between the main thread and a session worker without structured cloning.
// The codec is one self-contained function (no imports, no outer names) because the worker
// script embeds its source text (see session-worker.ts); both sides then share one definition.

/** One tensor of a ring record: its position in the session's input (or output) list, ORT type name, dims and storage. */
export interface RingTensor {
  index: number;
  type: string;
  dims: number[];
  data: ArrayBufferView;
}

/** A decoded record: job id, status (see {@link RingStatus}), `session.run` time and tensors. */
export interface RingRecord {
  id: number;
  status: number;
  runMs: number;
  tensors: RingTensor[];
}

/** Views over one shared buffer, made once per channel. */
export interface RingViews {
  i32: Int32Array;
  f64: Float64Array;
  u8: Uint8Array;
}

/** Encoder/decoder of ring records. */
export interface TensorRingCodec {
  views(sab: SharedArrayBuffer): RingViews;
  /**
   * Write a record at byte `base` (a multiple of 8) into a slot of `slotBytes`. Returns false,
   * writing nothing, when it does not fit or a tensor has no fixed-width storage (BYTES): the
   * caller then sends it as a message instead.
   */
  write(v: RingViews, base: number, slotBytes: number, id: number, status: number, runMs: number, tensors: ReadonlyArray<RingTensor>): boolean;
  /** Read the record at byte `base`. Tensor data is copied out, so the slot can be reused at once. */
  read(v: RingViews, base: number): RingRecord;
}

/** Record status values. */
export const RingStatus = {
  /** A job (main -> worker) or an inline result (worker -> main). */
  Inline: 1,
  /** The result did not fit (or the run failed): it comes as a `postMessage` reply instead. */
  ByMessage: 2,
} as const;

/**
 * Layout (all little-endian, offsets from the record start): int32 id, int32 status, int32
 * tensor count, int32 padding, float64 runMs; then per tensor int32 index, type code, rank,
 * data offset, byte length and `rank` int32 dims; then each tensor's bytes, 8-byte aligned.
 */
export function tensorRingCodec(): TensorRingCodec {
  const TYPES = ['float32', 'float64', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'bool', 'float16'];
  const CTORS = [Float32Array, Float64Array, Int8Array, Uint8Array, Int16Array, Uint16Array, Int32Array, Uint32Array, BigInt64Array, BigUint64Array, Uint8Array, Uint16Array];
  const HEADER = 24;
  return {
    views(sab) {
      return { i32: new Int32Array(sab), f64: new Float64Array(sab, 0, sab.byteLength >> 3), u8: new Uint8Array(sab) };
    },
    write(v, base, slotBytes, id, status, runMs, tensors) {
      let end = HEADER;
      for (let i = 0; i < tensors.length; i++) end += 20 + 4 * tensors[i]!.dims.length;
      end = (end + 7) & ~7;
      const codes: number[] = [];
      const offsets: number[] = [];
      for (let i = 0; i < tensors.length; i++) {
        const t = tensors[i]!;
        const code = TYPES.indexOf(t.type);
        if (code < 0 || !ArrayBuffer.isView(t.data)) return false;
        codes.push(code);
        offsets.push(end);
        end += (t.data.byteLength + 7) & ~7;
      }
      if (end > slotBytes) return false;
      const h = base >> 2;
      v.i32[h] = id;
      v.i32[h + 1] = status;
      v.i32[h + 2] = tensors.length;
      v.f64[(base + 16) >> 3] = runMs;
      let p = h + HEADER / 4;
      for (let i = 0; i < tensors.length; i++) {
        const t = tensors[i]!;
        v.i32[p++] = t.index;
        v.i32[p++] = codes[i]!;
        v.i32[p++] = t.dims.length;
        v.i32[p++] = offsets[i]!;
        v.i32[p++] = t.data.byteLength;
        for (let d = 0; d < t.dims.length; d++) v.i32[p++] = t.dims[d]!;
        v.u8.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), base + offsets[i]!);
      }
      return true;
    },
    read(v, base) {
      const h = base >> 2;
      const count = v.i32[h + 2]!;
      const tensors: RingTensor[] = [];
      let p = h + HEADER / 4;
      for (let i = 0; i < count; i++) {
        const index = v.i32[p++]!;
        const code = v.i32[p++]!;
        const rank = v.i32[p++]!;
        const off = v.i32[p++]!;
        const len = v.i32[p++]!;
        const dims: number[] = [];
        for (let d = 0; d < rank; d++) dims.push(v.i32[p++]!);
        const Ctor = CTORS[code]!;
        // slice() copies into a fresh (non-shared) ArrayBuffer: the slot is free once read.
        const bytes = v.u8.slice(base + off, base + off + len);
        tensors.push({ index, type: TYPES[code]!, dims, data: new Ctor(bytes.buffer, 0, len / Ctor.BYTES_PER_ELEMENT) });
      }
      return { id: v.i32[h]!, status: v.i32[h + 1]!, runMs: v.f64[(base + 16) >> 3]!, tensors };
    },
  };
}
