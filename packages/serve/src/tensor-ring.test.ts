import { describe, expect, it } from 'vitest';
import { RingStatus, tensorRingCodec } from './tensor-ring.js';

describe('tensorRingCodec', () => {
  const codec = tensorRingCodec();

  it('round-trips tensors of every fixed-width type through a shared slot, copying data out', () => {
    const sab = new SharedArrayBuffer(1 << 16);
    const v = codec.views(sab);
    const tensors = [
      { index: 0, type: 'float32', dims: [2, 3], data: Float32Array.from([1.5, -2, 3, 4, 5, 6]) },
      { index: 2, type: 'int64', dims: [3], data: BigInt64Array.from([1n, -(2n ** 40n), 3n]) },
      { index: 1, type: 'bool', dims: [1, 1, 1], data: Uint8Array.from([1]) },
      { index: 3, type: 'float16', dims: [2], data: Uint16Array.from([0x3c00, 0xc000]) },
      { index: 4, type: 'float64', dims: [0, 4], data: new Float64Array(0) },
    ];
    expect(codec.write(v, 1024, 4096, 42, RingStatus.Inline, 1.25, tensors)).toBe(true);
    const rec = codec.read(v, 1024);
    expect(rec).toMatchObject({ id: 42, status: RingStatus.Inline, runMs: 1.25 });
    expect(rec.tensors.map((t) => [t.index, t.type, t.dims])).toEqual(tensors.map((t) => [t.index, t.type, t.dims]));
    for (let i = 0; i < tensors.length; i++) {
      expect(rec.tensors[i]!.data.constructor).toBe(tensors[i]!.data.constructor);
      expect(Array.from(rec.tensors[i]!.data as Float32Array)).toEqual(Array.from(tensors[i]!.data as Float32Array));
      expect(rec.tensors[i]!.data.buffer).not.toBeInstanceOf(SharedArrayBuffer);
    }
    // The slot can be overwritten right away: the read copy is unaffected.
    new Uint8Array(sab).fill(0);
    expect(Array.from(rec.tensors[0]!.data as Float32Array)).toEqual([1.5, -2, 3, 4, 5, 6]);
  });

  it('refuses (writing nothing) what does not fit a slot or has no fixed width', () => {
    const v = codec.views(new SharedArrayBuffer(4096));
    expect(codec.write(v, 0, 4096, 1, RingStatus.Inline, 0, [{ index: 0, type: 'float32', dims: [2000], data: new Float32Array(2000) }])).toBe(false);
    expect(codec.write(v, 0, 4096, 1, RingStatus.Inline, 0, [{ index: 0, type: 'string', dims: [1], data: new Uint8Array(1) }])).toBe(false);
    expect(v.i32[0]).toBe(0);
  });
});
