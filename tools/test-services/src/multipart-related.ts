import { Transform, type TransformCallback } from 'node:stream';

const CRLF = Buffer.from('\r\n');
const MAX_METADATA_BYTES = 2 * 1024 * 1024;

/** Reads the boundary out of a `multipart/related; boundary=...` content type. */
export function multipartBoundary(contentType: string | undefined): string | undefined {
  if (!contentType || !/^multipart\/related\s*;/i.test(contentType.trim())) return undefined;
  const match = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return match?.[1] ?? match?.[2];
}

/**
 * Decodes the `multipart/related` body of a Cloud Storage multipart upload: the first part
 * is the object's JSON metadata (kept in {@link metadata}), the second part is the media,
 * which is passed through as the stream's output without ever being held whole.
 *
 * A part's content ends at the delimiter `CRLF--boundary` (RFC 2046 §5.1.1); while
 * scanning, only `delimiter.length - 1` bytes are held back in case a delimiter straddles
 * two chunks.
 */
export class MultipartRelatedDecoder extends Transform {
  /** The first part's body, parsed as JSON, once it has been read. */
  metadata: Record<string, unknown> | undefined;
  /** Content-Type of the media part, as its part header said. */
  mediaContentType: string | undefined;

  private readonly delimiter: Buffer;
  private buffer: Buffer = Buffer.alloc(0);
  private state: 'preamble' | 'headers' | 'body' | 'after-delimiter' | 'done' = 'preamble';
  private part = -1;
  private metadataChunks: Buffer[] = [];
  private metadataBytes = 0;

  constructor(boundary: string) {
    super();
    this.delimiter = Buffer.from(`\r\n--${boundary}`);
    // The first delimiter may start the body without a preceding CRLF.
    this.buffer = Buffer.from(CRLF);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
      this.scan();
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    if (this.state !== 'done' && !(this.state === 'after-delimiter' && this.part >= 1)) {
      callback(new Error(`multipart body ended before its closing delimiter (in part ${this.part + 1}, ${this.state})`));
      return;
    }
    if (this.part < 1) {
      callback(new Error('multipart body has no media part: expected a JSON metadata part followed by the object bytes'));
      return;
    }
    callback();
  }

  private scan(): void {
    for (;;) {
      if (this.state === 'preamble' || this.state === 'body') {
        const at = this.buffer.indexOf(this.delimiter);
        if (at === -1) {
          const keep = Math.min(this.buffer.length, this.delimiter.length - 1);
          if (this.state === 'body') this.emitContent(this.buffer.subarray(0, this.buffer.length - keep));
          this.buffer = this.buffer.subarray(this.buffer.length - keep);
          return;
        }
        if (this.state === 'body') this.emitContent(this.buffer.subarray(0, at));
        this.buffer = this.buffer.subarray(at + this.delimiter.length);
        if (this.state === 'body' && this.part === 0) this.finishMetadata();
        this.state = 'after-delimiter';
      } else if (this.state === 'after-delimiter') {
        if (this.buffer.length < 2) return;
        if (this.buffer[0] === 0x2d && this.buffer[1] === 0x2d) {
          this.state = 'done';
          this.buffer = Buffer.alloc(0);
          return;
        }
        // Transport padding (spaces, tabs) may precede the CRLF after a delimiter.
        const eol = this.buffer.indexOf(CRLF);
        if (eol === -1) return;
        this.buffer = this.buffer.subarray(eol + 2);
        this.part++;
        this.state = 'headers';
      } else if (this.state === 'headers') {
        // A part with no headers starts straight with the blank line.
        const end = this.buffer.subarray(0, 2).equals(CRLF) ? 0 : this.buffer.indexOf('\r\n\r\n');
        if (end === -1) {
          if (this.buffer.length > 64 * 1024) throw new Error('multipart part headers longer than 64 KiB');
          return;
        }
        const headerText = end === 0 ? '' : this.buffer.toString('latin1', 0, end);
        this.buffer = this.buffer.subarray(end === 0 ? 2 : end + 4);
        if (this.part === 1) {
          const type = /^content-type:\s*(.+)$/im.exec(headerText);
          this.mediaContentType = type?.[1]?.trim();
        }
        if (this.part > 1) throw new Error('multipart upload has more than two parts; expected metadata then media');
        this.state = 'body';
      } else {
        // 'done': the epilogue after the closing delimiter is ignored.
        this.buffer = Buffer.alloc(0);
        return;
      }
    }
  }

  private emitContent(bytes: Buffer): void {
    if (bytes.length === 0) return;
    if (this.part === 0) {
      this.metadataBytes += bytes.length;
      if (this.metadataBytes > MAX_METADATA_BYTES) throw new Error('multipart metadata part is larger than 2 MiB');
      this.metadataChunks.push(Buffer.from(bytes));
    } else {
      this.push(bytes);
    }
  }

  private finishMetadata(): void {
    const text = Buffer.concat(this.metadataChunks).toString('utf8').trim();
    this.metadataChunks = [];
    let parsed: unknown = {};
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new Error(`multipart metadata part is not JSON: ${text.slice(0, 80)}`);
      }
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new Error('multipart metadata part must be a JSON object');
    }
    this.metadata = parsed as Record<string, unknown>;
  }
}
