import { randomBytes } from 'node:crypto';
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline, type Readable, type Writable } from 'node:stream';
import { AwsChunkedDecoder } from './aws-chunked.js';
import { createKeyedLock } from './key-lock.js';

/** Options for {@link startS3ConditionalProxy}. */
export interface S3ConditionalProxyOptions {
  /** Port of the s3rver instance on 127.0.0.1 that the proxy forwards to. */
  upstreamPort: number;
}

/** A running proxy; see {@link startS3ConditionalProxy}. */
export interface S3ConditionalProxy {
  /** Port the proxy listens on (127.0.0.1). */
  port: number;
  /** Stops accepting connections and closes open ones. */
  close(): Promise<void>;
}

// Headers that describe one HTTP hop, never forwarded. `expect` is answered by the proxy
// itself (after the precondition check), so the upstream never sees it.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
]);

const PUMP_BUFFER_BYTES = 4 * 1024 * 1024;

/**
 * Copies `src` into `dst`, pausing only once `dst` buffers more than 4 MiB. `pipe` pauses
 * whenever the 16 KiB socket buffer is full, which costs an event-loop round trip per 64 KiB
 * chunk and made a 64 MiB object take twice as long through the proxy on a busy machine.
 */
function pump(src: Readable, dst: Writable): void {
  const resume = () => src.resume();
  src.on('data', (chunk: Buffer) => {
    if (dst.destroyed) return;
    if (!dst.write(chunk) && dst.writableLength > PUMP_BUFFER_BYTES) {
      src.pause();
      dst.once('drain', resume);
    }
  });
  src.once('end', () => dst.end());
  src.on('error', (err) => dst.destroy(err));
  dst.on('error', () => src.destroy());
  dst.once('close', () => {
    if (!src.readableEnded) src.destroy();
  });
}

type Operation =
  | { kind: 'write'; name: 'PutObject' | 'CopyObject' | 'CompleteMultipartUpload'; bucket: string; key: string }
  | { kind: 'delete'; bucket: string; key: string }
  | { kind: 'read'; bucket: string; key: string }
  | { kind: 'other' };

/** Splits a path-style request into bucket, key and the operation S3 would run. */
function classify(method: string, path: string, url: URL): Operation {
  const slash = path.indexOf('/', 1);
  if (slash === -1 || slash === path.length - 1) return { kind: 'other' };
  const bucket = decodeURIComponent(path.slice(1, slash));
  const key = decodeURIComponent(path.slice(slash + 1));
  const q = url.searchParams;
  const subresource = ['tagging', 'acl', 'uploads', 'partNumber', 'retention', 'legal-hold', 'torrent', 'attributes'].some((p) => q.has(p));
  if (method === 'PUT' && !q.has('uploadId') && !subresource) return { kind: 'write', name: 'PutObject', bucket, key };
  if (method === 'POST' && q.has('uploadId')) return { kind: 'write', name: 'CompleteMultipartUpload', bucket, key };
  if (method === 'DELETE' && !q.has('uploadId') && !subresource) return { kind: 'delete', bucket, key };
  if ((method === 'GET' || method === 'HEAD') && !subresource && !q.has('uploadId')) return { kind: 'read', bucket, key };
  return { kind: 'other' };
}

function xmlEscape(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Writes an S3-shaped XML error, the way S3 answers a failed request. */
function sendS3Error(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  fields: Record<string, string> = {},
): void {
  const requestId = randomBytes(8).toString('hex').toUpperCase();
  const extra = Object.entries(fields)
    .map(([name, value]) => `<${name}>${xmlEscape(value)}</${name}>`)
    .join('');
  const body =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message>${extra}` +
    `<RequestId>${requestId}</RequestId><HostId>${requestId}</HostId></Error>`;
  res.writeHead(status, {
    'content-type': 'application/xml',
    'content-length': Buffer.byteLength(body),
    'x-amz-request-id': requestId,
  });
  res.end(body);
}

/** S3 compares ETags without their quotes (and a weak `W/` prefix means nothing for S3). */
function normalizeEtag(etag: string): string {
  return etag.trim().replace(/^W\//, '').replace(/"/g, '');
}

function forwardableHeaders(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name)) continue;
    out[name] = value;
  }
  return out;
}

function isAwsChunked(headers: IncomingHttpHeaders): boolean {
  const encoding = headers['content-encoding'] ?? '';
  const sha = headers['x-amz-content-sha256'];
  return /(^|,)\s*aws-chunked\s*(,|$)/i.test(encoding) || (typeof sha === 'string' && sha.startsWith('STREAMING-'));
}

/**
 * Rewrites `x-amz-copy-source` for s3rver. S3 reads it as a URL-encoded `bucket/key` with an
 * optional `?versionId=`; s3rver runs `decodeURI` on it, which leaves reserved characters
 * encoded, so a source key with `?`, `#`, `+`, `&`, `=`... (sent as `%3F`, `%23`, `%2B`...)
 * was not found. Decoding the S3 way and re-encoding with `encodeURI` makes s3rver's
 * `decodeURI` return the exact key. (There is no versioning here, so a versionId is dropped.)
 */
function copySourceForS3rver(value: string): string {
  const query = value.indexOf('?');
  try {
    return encodeURI(decodeURIComponent(query === -1 ? value : value.slice(0, query)));
  } catch {
    return value; // malformed escapes: let s3rver answer as it would
  }
}

/** Rewrites the headers of an aws-chunked upload to describe the decoded body. */
function decodedHeaders(headers: Record<string, string | string[]>): Record<string, string | string[]> {
  const out = { ...headers };
  const decodedLength = out['x-amz-decoded-content-length'];
  delete out['content-length'];
  if (typeof decodedLength === 'string' && /^\d+$/.test(decodedLength)) out['content-length'] = decodedLength;
  const encoding = typeof out['content-encoding'] === 'string' ? out['content-encoding'] : '';
  const rest = encoding
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e && e.toLowerCase() !== 'aws-chunked');
  if (rest.length) out['content-encoding'] = rest.join(', ');
  else delete out['content-encoding'];
  delete out['x-amz-decoded-content-length'];
  delete out['x-amz-trailer'];
  out['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
  return out;
}

/**
 * Starts the thin HTTP layer in front of s3rver that gives it the consistency real S3 has:
 *
 * - `If-None-Match: *` and `If-Match: <etag>` on PutObject, CopyObject and
 *   CompleteMultipartUpload, and `If-Match` on DeleteObject, answered with S3's
 *   `412 PreconditionFailed` XML error when they do not hold;
 * - every write and the header phase of every read of one key run one at a time, so
 *   check-then-write is atomic and a reader never sees a write half-done;
 * - `aws-chunked` upload bodies (SDK streaming with trailing checksums) are decoded, so the
 *   stored object is the payload, not the framing.
 *
 * Bodies are streamed in both directions, never buffered.
 */
export async function startS3ConditionalProxy(options: S3ConditionalProxyOptions): Promise<S3ConditionalProxy> {
  const { upstreamPort } = options;
  const lock = createKeyedLock();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

  /** The current ETag and size of a key, or undefined when it does not exist. */
  function currentState(rawPath: string): Promise<{ etag: string; size: number } | undefined> {
    return new Promise((resolve, reject) => {
      const head = http.request({ host: '127.0.0.1', port: upstreamPort, method: 'HEAD', path: rawPath, agent }, (res) => {
        res.resume();
        const etag = res.headers.etag;
        if (res.statusCode === 200 && typeof etag === 'string') resolve({ etag: normalizeEtag(etag), size: Number(res.headers['content-length'] ?? 0) });
        else if (res.statusCode === 404) resolve(undefined);
        else reject(new Error(`HEAD ${rawPath} on s3rver answered ${res.statusCode}`));
      });
      head.on('error', reject);
      head.end();
    });
  }

  /** Returns the failing precondition's name, or undefined when the request may proceed. */
  function failedPrecondition(req: IncomingMessage, etag: string | undefined): 'If-None-Match' | 'If-Match' | undefined {
    const ifNoneMatch = req.headers['if-none-match'];
    const ifMatch = req.headers['if-match'];
    if (ifNoneMatch !== undefined && etag !== undefined) {
      if (ifNoneMatch.trim() === '*' || ifNoneMatch.split(',').some((e) => normalizeEtag(e) === etag)) return 'If-None-Match';
    }
    if (ifMatch !== undefined) {
      if (etag === undefined) return 'If-Match';
      if (ifMatch.trim() !== '*' && !ifMatch.split(',').some((e) => normalizeEtag(e) === etag)) return 'If-Match';
    }
    return undefined;
  }

  function forward(req: IncomingMessage, res: ServerResponse, release: () => void): void {
    // The client may have gone away while this request waited for its key; its 'close'
    // events have fired already, so nothing below would ever release the key.
    if (req.destroyed || res.destroyed) {
      release();
      return;
    }
    let headers = forwardableHeaders(req.headers);
    const decode = req.method === 'PUT' && isAwsChunked(req.headers);
    if (decode) headers = decodedHeaders(headers);
    const copySource = headers['x-amz-copy-source'];
    if (req.method === 'PUT' && typeof copySource === 'string') headers['x-amz-copy-source'] = copySourceForS3rver(copySource);
    const upstream = http.request({
      host: '127.0.0.1',
      port: upstreamPort,
      method: req.method,
      path: req.url,
      headers,
      agent,
    });
    upstream.on('response', (upstreamRes) => {
      // s3rver answers a write only after it is stored, and a read only after the object
      // file is open, so the key is free for the next writer from here on.
      release();
      res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.statusMessage, forwardableHeaders(upstreamRes.headers));
      pump(upstreamRes, res);
    });
    upstream.on('error', (err) => {
      release();
      if (!res.headersSent) sendS3Error(res, 502, 'InternalError', `the local s3rver did not answer: ${err.message}`);
      else res.destroy(err);
    });
    res.on('close', () => {
      release();
      if (!res.writableFinished) upstream.destroy();
    });
    if (decode) {
      const decoder = new AwsChunkedDecoder();
      pipeline(req, decoder, upstream, (err) => {
        if (err && !res.headersSent) {
          release();
          sendS3Error(res, 400, 'IncompleteBody', `could not decode the aws-chunked request body: ${err.message}`);
        }
      });
    } else {
      pump(req, upstream);
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse, expectsContinue: boolean): Promise<void> {
    // The raw path, not URL's: WHATWG URL parsing would resolve "." and ".." segments, which
    // are legal inside S3 keys and which s3rver keeps.
    const rawPath = (req.url ?? '/').split('?', 1)[0]!;
    const url = new URL(req.url ?? '/', 'http://localhost');
    const op = classify(req.method ?? 'GET', rawPath, url);
    if (op.kind === 'other') {
      if (expectsContinue) res.writeContinue();
      forward(req, res, () => undefined);
      return;
    }
    const release = await lock.acquire(`${op.bucket}/${op.key}`);
    try {
      if (op.kind === 'read') {
        const suffix = /^bytes=-(\d+)$/.exec(req.headers.range?.trim() ?? '');
        if (req.headers['if-match'] !== undefined || suffix) {
          const current = await currentState(rawPath);
          if (current && req.headers['if-match'] !== undefined && failedPrecondition(req, current.etag) === 'If-Match') {
            release();
            sendS3Error(res, 412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', {
              Condition: 'If-Match',
              Key: op.key,
            });
            return;
          }
          // s3rver reads "bytes=-N" as "bytes=0-N"; S3 means the last N bytes.
          if (current && suffix && current.size > 0) {
            const start = Math.max(0, current.size - Number(suffix[1]));
            req.headers.range = `bytes=${start}-${current.size - 1}`;
          }
        }
        forward(req, res, release);
        return;
      }
      const conditional = req.headers['if-none-match'] !== undefined || req.headers['if-match'] !== undefined;
      if (conditional) {
        if (op.kind === 'write' && req.headers['if-none-match'] !== undefined && req.headers['if-none-match'].trim() !== '*') {
          release();
          sendS3Error(res, 501, 'NotImplemented', 'A header you provided implies functionality that is not implemented', {
            Header: 'If-None-Match',
            additionalMessage: 'We don\'t accept the provided value of If-None-Match header for this API',
          });
          return;
        }
        const failed = failedPrecondition(req, (await currentState(rawPath))?.etag);
        if (failed) {
          release();
          // Answered before any `100 Continue`, so a client that asked for one sends no body.
          sendS3Error(res, 412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', {
            Condition: failed,
            Key: op.key,
          });
          return;
        }
      }
      if (expectsContinue) res.writeContinue();
      forward(req, res, release);
    } catch (err) {
      release();
      if (!res.headersSent) sendS3Error(res, 500, 'InternalError', (err as Error).message);
      else res.destroy();
    }
  }

  const server = http.createServer({ keepAliveTimeout: 30_000, highWaterMark: 1024 * 1024 });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => void handle(req, res, false));
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => void handle(req, res, true));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        agent.destroy();
      }),
  };
}
