import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fromHalf, toHalf } from './datatypes.js';

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
