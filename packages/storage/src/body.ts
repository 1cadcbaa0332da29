import { Readable } from 'node:stream';
import { InvalidArgumentError } from '@mlops/contracts/errors';
import type { PutBody } from './types.js';

const encoder = new TextEncoder();

/** A put body, split into the two shapes drivers handle differently. */
export type NormalizedBody = { kind: 'bytes'; bytes: Uint8Array } | { kind: 'stream'; chunks: AsyncIterable<Uint8Array> };

function isAsyncIterable(value: object): value is AsyncIterable<unknown> {
  return typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function';
}

function isWebReadableStream(value: object): value is ReadableStream<Uint8Array> {
  return typeof (value as { getReader?: unknown }).getReader === 'function';
}

async function* chunksOf(source: AsyncIterable<unknown>): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    if (chunk instanceof Uint8Array) yield chunk;
    else if (typeof chunk === 'string') yield encoder.encode(chunk);
    else if (ArrayBuffer.isView(chunk)) yield new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    else if (chunk instanceof ArrayBuffer) yield new Uint8Array(chunk);
    else {
      throw new InvalidArgumentError(
        `Invalid put body: a stream yielded a ${chunk === null ? 'null' : typeof chunk} chunk, expected Uint8Array/Buffer chunks. ` +
          'Make the stream yield bytes (for object-mode streams, map items to Buffers first).',
      );
    }
  }
}

async function* webChunks(stream: ReadableStream<Uint8Array>): AsyncGenerator<unknown> {
  const reader = stream.getReader();
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

/**
 * Sort a `put` body into bytes (known size, can be sent in one request) or a chunk stream.
 *
 * @throws `INVALID_ARGUMENT` for anything that is not a {@link PutBody}.
 */
export function normalizeBody(body: PutBody): NormalizedBody {
  if (typeof body === 'string') return { kind: 'bytes', bytes: encoder.encode(body) };
  if (body instanceof Uint8Array) return { kind: 'bytes', bytes: body };
  if (typeof body === 'object' && body !== null) {
    if (isAsyncIterable(body)) return { kind: 'stream', chunks: chunksOf(body) };
    if (isWebReadableStream(body)) return { kind: 'stream', chunks: chunksOf(webChunks(body)) };
  }
  throw new InvalidArgumentError(
    `Invalid put body: expected a Uint8Array, a string, a Node Readable, a web ReadableStream or an async iterable of Uint8Array; found ${
      body === null ? 'null' : typeof body
    }.`,
  );
}

/** Read a whole chunk stream into one buffer (only where the backend needs the bytes in hand). */
export async function collect(chunks: AsyncIterable<Uint8Array>, signal?: AbortSignal): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of chunks) {
    signal?.throwIfAborted();
    parts.push(chunk);
    size += chunk.byteLength;
  }
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

/** A Node Readable over bytes held in memory. */
export function readableOf(bytes: Uint8Array): Readable {
  return Readable.from([bytes], { objectMode: false });
}

/** Read a Node readable to the end into one buffer. */
export async function readAll(stream: Readable): Promise<Uint8Array> {
  return collect(chunksOf(stream));
}
