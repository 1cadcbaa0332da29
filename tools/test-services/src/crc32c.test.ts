import { randomBytes } from 'node:crypto';
import { CRC32C } from '@google-cloud/storage';
import { describe, expect, it } from 'vitest';
import { crc32cToBase64, crc32cUpdate } from './crc32c.js';

describe('crc32c', () => {
  it('matches the published check value and RFC 3720 vectors', () => {
    // Check value of CRC-32C ("123456789"), from the CRC catalogue (reveng.sourceforge.io).
    expect(crc32cUpdate(0, Buffer.from('123456789'))).toBe(0xe3069283);
    // RFC 3720 (iSCSI) appendix B.4: 32 bytes of zeros, of 0xff, and an incrementing sequence.
    expect(crc32cUpdate(0, Buffer.alloc(32, 0))).toBe(0x8a9136aa);
    expect(crc32cUpdate(0, Buffer.alloc(32, 0xff))).toBe(0x62a8ab43);
    expect(crc32cUpdate(0, Buffer.from(Array.from({ length: 32 }, (_, i) => i)))).toBe(0x46dd794e);
    expect(crc32cUpdate(0, new Uint8Array(0))).toBe(0);
  });

  it('continues across chunks of any size exactly as over the whole buffer', () => {
    const data = randomBytes(10_007);
    const whole = crc32cUpdate(0, data);
    for (const step of [1, 3, 8, 13, 4096]) {
      let crc = 0;
      for (let i = 0; i < data.length; i += step) crc = crc32cUpdate(crc, data.subarray(i, i + step));
      expect(crc).toBe(whole);
    }
  });

  it('agrees with the CRC32C that @google-cloud/storage validates with, in base64', () => {
    for (const size of [0, 1, 7, 8, 9, 1000, 65_537]) {
      const data = randomBytes(size);
      const reference = new CRC32C();
      reference.update(data);
      expect(crc32cToBase64(crc32cUpdate(0, data))).toBe(reference.toString());
    }
  });
});
