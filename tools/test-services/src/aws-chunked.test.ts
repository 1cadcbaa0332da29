import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AwsChunkedDecoder } from './aws-chunked.js';

function encode(payload: Buffer, chunkSize: number, signed: boolean): Buffer {
  const parts: Buffer[] = [];
  const ext = signed ? ';chunk-signature=' + 'a'.repeat(64) : '';
  for (let i = 0; i < payload.length; i += chunkSize) {
    const chunk = payload.subarray(i, i + chunkSize);
    parts.push(Buffer.from(`${chunk.length.toString(16)}${ext}\r\n`), chunk, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`0${ext}\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n`));
  return Buffer.concat(parts);
}

async function decode(wire: Buffer, pieceSize: number): Promise<{ body: Buffer; decoder: AwsChunkedDecoder }> {
  const pieces: Buffer[] = [];
  for (let i = 0; i < wire.length; i += pieceSize) pieces.push(wire.subarray(i, i + pieceSize));
  const decoder = new AwsChunkedDecoder();
  const out: Buffer[] = [];
  for await (const chunk of Readable.from(pieces).pipe(decoder)) out.push(chunk as Buffer);
  return { body: Buffer.concat(out), decoder };
}

describe('AwsChunkedDecoder', () => {
  it('recovers the payload whatever the chunking of frames and of the wire', async () => {
    const payload = randomBytes(70_001);
    for (const signed of [false, true]) {
      for (const [chunkSize, pieceSize] of [
        [8192, 13],
        [65_536, 7],
        [1000, 4096],
        [70_001, 70_001 * 2],
      ] as const) {
        const { body, decoder } = await decode(encode(payload, chunkSize, signed), pieceSize);
        expect(body.equals(payload)).toBe(true);
        expect(decoder.trailers.get('x-amz-checksum-crc32')).toBe('AAAAAA==');
      }
    }
  });

  it('decodes an empty payload', async () => {
    const { body } = await decode(Buffer.from('0\r\n\r\n'), 3);
    expect(body.length).toBe(0);
  });

  it('fails on a truncated body or a malformed chunk header', async () => {
    const wire = encode(Buffer.from('hello world'), 4, false);
    await expect(decode(wire.subarray(0, wire.length - 10), 5)).rejects.toThrow(/ended early/);
    await expect(decode(Buffer.from('zz\r\nabc\r\n0\r\n\r\n'), 5)).rejects.toThrow(/not hex-size/);
  });
});
