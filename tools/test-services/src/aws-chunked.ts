import { Transform, type TransformCallback } from 'node:stream';

/**
 * Decodes an `aws-chunked` request body (`Content-Encoding: aws-chunked`, used by the AWS
 * SDKs for streamed uploads with trailing checksums or chunk signatures) into the plain
 * object bytes, so s3rver stores the object and not the framing.
 *
 * Frame grammar: `hex-size[;chunk-signature=...]\r\n<size bytes>\r\n`, repeated, ending with
 * a zero-size chunk followed by optional trailer lines (`x-amz-checksum-crc32:...`) and an
 * empty line. The decoder is incremental: it never holds more than one pending header line
 * plus the current input buffer.
 */
export class AwsChunkedDecoder extends Transform {
  private pending: Buffer = Buffer.alloc(0);
  private remaining = 0;
  private state: 'header' | 'data' | 'data-crlf' | 'trailer' | 'done' = 'header';
  /** Trailer headers seen after the last chunk (lower-cased names), e.g. the checksum. */
  readonly trailers = new Map<string, string>();

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.consume(chunk);
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    if (this.state === 'trailer' && this.pending.length === 0) this.state = 'done';
    if (this.state !== 'done') {
      callback(new Error(`aws-chunked body ended early (in ${this.state}); the upload was truncated`));
      return;
    }
    callback();
  }

  private consume(input: Buffer): void {
    const buf = this.pending.length ? Buffer.concat([this.pending, input]) : input;
    this.pending = Buffer.alloc(0);
    let offset = 0;
    while (offset < buf.length) {
      if (this.state === 'data') {
        const take = Math.min(this.remaining, buf.length - offset);
        this.push(buf.subarray(offset, offset + take));
        offset += take;
        this.remaining -= take;
        if (this.remaining === 0) this.state = 'data-crlf';
        continue;
      }
      const lineEnd = buf.indexOf('\r\n', offset);
      if (lineEnd === -1) {
        if (buf.length - offset > 64 * 1024) throw new Error('aws-chunked header line longer than 64 KiB');
        this.pending = Buffer.from(buf.subarray(offset));
        return;
      }
      const line = buf.toString('latin1', offset, lineEnd);
      offset = lineEnd + 2;
      if (this.state === 'data-crlf') {
        if (line !== '') throw new Error('aws-chunked chunk data not followed by CRLF');
        this.state = 'header';
      } else if (this.state === 'header') {
        const sizeText = line.split(';', 1)[0]!.trim();
        if (!/^[0-9a-fA-F]+$/.test(sizeText)) throw new Error(`aws-chunked chunk header "${line.slice(0, 80)}" is not hex-size[;ext]`);
        this.remaining = parseInt(sizeText, 16);
        this.state = this.remaining === 0 ? 'trailer' : 'data';
      } else if (this.state === 'trailer') {
        if (line === '') {
          this.state = 'done';
        } else {
          const colon = line.indexOf(':');
          if (colon > 0) this.trailers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
        }
      } else {
        // 'done': ignore anything after the final empty line.
        offset = buf.length;
      }
    }
  }
}
