import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SLAB_MAX_BYTES, allocateSmall, fromHalf, toHalf } from './datatypes.js';

describe('FP16 conversion', () => {
  it('matches IEEE 754 half bit patterns (numpy.float16(x).view(uint16))', () => {
    // Reference: numpy 1.24, np.array([1, -2.5, 65504, 6.1035e-05, 5.96e-08, 0.1], np.float16).view(np.uint16)
    expect([1, -2.5, 65504, 6.1035e-5, 5.96e-8, 0.1].map(toHalf)).toEqual([0x3c00, 0xc100, 0x7bff, 0x0400, 0x0001, 0x2e66]);
    expect(toHalf(1e6)).toBe(0x7c00);
    expect(Number.isNaN(fromHalf(toHalf(NaN)))).toBe(true);
  });

  it('round-trips every finite half value exactly', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff }), (bits) => {
        const exp = (bits >>> 10) & 0x1f;
        fc.pre(exp !== 0x1f);
        expect(toHalf(fromHalf(bits))).toBe(bits === 0x8000 ? 0x8000 : bits);
      }),
    );
  });
});

describe('allocateSmall (request tensors carved out of slabs)', () => {
  it('hands out zeroed, 8-byte aligned regions that never overlap, and never reuses one', () => {
    const seen: Array<{ buffer: ArrayBufferLike; start: number; end: number }> = [];
    for (let i = 0; i < 400; i++) {
      const count = 17 + (i % 50);
      const a = i % 3 === 0 ? allocateSmall(Float64Array, count) : allocateSmall(Float32Array, count);
      expect(a.length).toBe(count);
      expect(a.byteOffset % 8).toBe(0);
      expect(Array.from(a).every((v) => v === 0)).toBe(true);
      a.fill(i + 1); // a later region must still read as zero, so no region is shared
      for (const s of seen) {
        if (s.buffer === a.buffer) expect(a.byteOffset >= s.end || a.byteOffset + a.byteLength <= s.start).toBe(true);
      }
      seen.push({ buffer: a.buffer, start: a.byteOffset, end: a.byteOffset + a.byteLength });
    }
  });

  it('gives tiny and large tensors their own buffer', () => {
    const tiny = allocateSmall(Float32Array, 4);
    expect(tiny.byteOffset).toBe(0);
    expect(tiny.buffer.byteLength).toBe(16);
    const large = allocateSmall(Uint8Array, SLAB_MAX_BYTES + 1);
    expect(large.buffer.byteLength).toBe(SLAB_MAX_BYTES + 1);
  });
});
