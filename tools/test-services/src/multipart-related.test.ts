import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { MultipartRelatedDecoder, multipartBoundary } from './multipart-related.js';

/** The body @google-cloud/storage (teeny-request) sends for uploadType=multipart. */
function body(boundary: string, metadata: object, media: Buffer, contentType = 'application/octet-stream'): Buffer {
  return Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Type: application/json\r\n\r\n${JSON.stringify(metadata)}\r\n`),
    Buffer.from(`--${boundary}\r\nContent-Type: ${contentType}\r\n\r\n`),
    media,
    Buffer.from(`\r\n--${boundary}--`),
  ]);
}

async function decode(wire: Buffer, boundary: string, pieceSize: number): Promise<{ media: Buffer; decoder: MultipartRelatedDecoder }> {
  const pieces: Buffer[] = [];
  for (let i = 0; i < wire.length; i += pieceSize) pieces.push(wire.subarray(i, i + pieceSize));
  const decoder = new MultipartRelatedDecoder(boundary);
  const out: Buffer[] = [];
  for await (const chunk of Readable.from(pieces).pipe(decoder)) out.push(chunk as Buffer);
  return { media: Buffer.concat(out), decoder };
}

describe('multipartBoundary', () => {
  it('reads quoted and bare boundaries of multipart/related only', () => {
    expect(multipartBoundary('multipart/related; boundary=abc-123')).toBe('abc-123');
    expect(multipartBoundary('multipart/related; boundary="a b"')).toBe('a b');
    expect(multipartBoundary('application/json')).toBeUndefined();
    expect(multipartBoundary(undefined)).toBeUndefined();
  });
});

describe('MultipartRelatedDecoder', () => {
  it('streams the media part and parses the metadata part, at any wire chunking', async () => {
    const boundary = '4f1c3a2b-boundary';
    // Media that contains near-delimiters must pass through untouched.
    const media = Buffer.concat([randomBytes(5000), Buffer.from(`\r\n--${boundary.slice(0, -1)}x`), randomBytes(3000), Buffer.from('\r\n--')]);
    const wire = body(boundary, { name: 'a/b', metadata: { k: 'v' } }, media, 'text/plain');
    for (const pieceSize of [3, 17, 1024, wire.length]) {
      const { media: out, decoder } = await decode(wire, boundary, pieceSize);
      expect(out.equals(media)).toBe(true);
      expect(decoder.metadata).toEqual({ name: 'a/b', metadata: { k: 'v' } });
      expect(decoder.mediaContentType).toBe('text/plain');
    }
  });

  it('accepts empty media', async () => {
    const { media } = await decode(body('b1', {}, Buffer.alloc(0)), 'b1', 3);
    expect(media.length).toBe(0);
  });

  it('rejects bodies without a closing delimiter, without media, or with bad metadata', async () => {
    const wire = body('b2', { name: 'x' }, Buffer.from('data'));
    await expect(decode(wire.subarray(0, wire.length - 6), 'b2', 4)).rejects.toThrow(/closing delimiter/);
    await expect(decode(Buffer.from('--b3\r\nContent-Type: application/json\r\n\r\n{}\r\n--b3--'), 'b3', 4)).rejects.toThrow(/no media part/);
    await expect(decode(Buffer.from('--b4\r\n\r\nnot json\r\n--b4\r\n\r\nx\r\n--b4--'), 'b4', 4)).rejects.toThrow(/not JSON/);
  });
});
