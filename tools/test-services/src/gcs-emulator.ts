import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ErrorCode, InvalidArgumentError, MlopsError } from '@mlops/contracts';
import { crc32cToBase64 } from './crc32c.js';
import { ResumableUploads } from './gcs-resumable.js';
import {
  GcsApiError,
  GcsState,
  bucketResource,
  checkPreconditions,
  insertMetadataFrom,
  objectEtag,
  objectResource,
  parsePreconditions,
  validateObjectName,
  verifyGoogHash,
  type StoredObject,
} from './gcs-state.js';
import { MultipartRelatedDecoder, multipartBoundary } from './multipart-related.js';

/** Options for {@link startGcsEmulator}. */
export interface GcsEmulatorOptions {
  /** Buckets that exist from the start. Default `['test-bucket']`. More can be created through the API. */
  buckets?: string[];
  /** Project id reported in `projectId` (the emulator accepts any). Default `'test-project'`. */
  projectId?: string;
}

/** A running Cloud Storage emulator; see {@link startGcsEmulator}. */
export interface GcsTestServer {
  /**
   * Base URL, e.g. `http://127.0.0.1:41234`: the value for `apiEndpoint` (or the
   * `STORAGE_EMULATOR_HOST` environment variable).
   */
  host: string;
  /** TCP port on 127.0.0.1. */
  port: number;
  /** Project id to give the client (`new Storage({ apiEndpoint: host, projectId })`). */
  projectId: string;
  /** The first bucket of `options.buckets` (default `test-bucket`). */
  bucket: string;
  /** Stops the server, drops every object and removes the temporary data directory. Safe to call twice. */
  stop(): Promise<void>;
}

const JSON_TYPE = 'application/json; charset=UTF-8';
const MAX_JSON_BODY = 2 * 1024 * 1024;

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_JSON_BODY) throw new GcsApiError(413, 'uploadTooLarge', 'The JSON request body is larger than 2 MiB.');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (!text) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new GcsApiError(400, 'parseError', `Parse Error: the request body is not JSON (${text.slice(0, 60)}).`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new GcsApiError(400, 'invalid', 'The request body must be a JSON object.');
  }
  return parsed as Record<string, unknown>;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function sendError(res: ServerResponse, err: GcsApiError): void {
  if (res.headersSent) {
    res.destroy(err);
    return;
  }
  if (err.status === 304) {
    res.writeHead(304);
    res.end();
    return;
  }
  sendJson(res, err.status, {
    error: {
      code: err.status,
      message: err.message,
      errors: [{ message: err.message, domain: 'global', reason: err.reason, ...err.extra }],
    },
  });
}

/** Parses `Range: bytes=a-b | a- | -n` against an object size. */
function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return 'unsatisfiable';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

function objectHeaders(o: StoredObject): Record<string, string> {
  return {
    etag: objectEtag(o),
    'last-modified': o.updated.toUTCString(),
    'x-goog-generation': String(o.generation),
    'x-goog-metageneration': String(o.metageneration),
    'x-goog-hash': `crc32c=${crc32cToBase64(o.crc32c)},md5=${o.md5.toString('base64')}`,
    'x-goog-stored-content-encoding': o.fields.contentEncoding ?? 'identity',
    'x-goog-stored-content-length': String(o.size),
    'x-goog-storage-class': 'STANDARD',
    'accept-ranges': 'bytes',
  };
}

function intParam(params: URLSearchParams, name: string, fallback: number, max: number): number {
  const raw = params.get(name);
  if (raw === null || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) {
    throw new GcsApiError(400, 'invalid', `Invalid value for ${name}: ${JSON.stringify(raw)}; expected a positive integer.`);
  }
  return Math.min(Number(raw), max);
}

/** The request handler of the emulator: routes the JSON API, upload and download paths. */
function createHandler(state: GcsState, uploads: ResumableUploads) {
  async function download(req: IncomingMessage, res: ServerResponse, bucket: string, name: string, params: URLSearchParams): Promise<void> {
    const { object, handle } = await state.openLive(bucket, name);
    try {
      const generation = params.get('generation');
      if (generation && generation !== String(object.generation)) {
        throw new GcsApiError(404, 'notFound', `No such object: ${bucket}/${name}#${generation}`);
      }
      checkPreconditions(object, parsePreconditions(params), 'read');
      const range = parseRange(req.headers.range, object.size);
      const headers: Record<string, string> = {
        ...objectHeaders(object),
        'content-type': object.fields.contentType ?? 'application/octet-stream',
      };
      if (range === 'unsatisfiable') {
        sendJson(res, 416, { error: { code: 416, message: 'The requested range cannot be satisfied.', errors: [{ message: 'The requested range cannot be satisfied.', domain: 'global', reason: 'requestedRangeNotSatisfiable' }] } }, { 'content-range': `bytes */${object.size}` });
        return;
      }
      if (range) {
        headers['content-range'] = `bytes ${range.start}-${range.end}/${object.size}`;
        headers['content-length'] = String(range.end - range.start + 1);
      } else {
        headers['content-length'] = String(object.size);
      }
      res.writeHead(range ? 206 : 200, headers);
      if (req.method === 'HEAD' || object.size === 0) {
        res.end();
        return;
      }
      if (!handle) {
        const data = object.data ?? Buffer.alloc(0);
        res.end(range ? data.subarray(range.start, range.end + 1) : data);
        return;
      }
      const stream = handle.createReadStream(range ? { start: range.start, end: range.end, autoClose: false } : { autoClose: false });
      await pipeline(stream, res).catch(() => undefined);
    } finally {
      await handle?.close();
    }
  }

  async function insert(req: IncomingMessage, res: ServerResponse, baseUrl: string, bucket: string, params: URLSearchParams): Promise<void> {
    const uploadType = params.get('uploadType') ?? 'media';
    const pre = parsePreconditions(params);
    state.bucket(bucket);
    if (uploadType === 'resumable') {
      const body = await readJson(req);
      const name = validateObjectName(params.get('name') ?? (typeof body.name === 'string' ? body.name : null));
      const contentType = req.headers['x-upload-content-type'];
      const meta = insertMetadataFrom(body, typeof contentType === 'string' ? contentType : undefined);
      // Checked now so a doomed upload fails before any bytes are sent, and again at the end.
      checkPreconditions(state.get(bucket, name), pre, 'write');
      const id = await uploads.create(bucket, name, meta, pre);
      const location = `${baseUrl}/upload/storage/v1/b/${encodeURIComponent(bucket)}/o?uploadType=resumable&name=${encodeURIComponent(name)}&upload_id=${id}`;
      res.writeHead(200, { location, 'x-guploader-uploadid': id, 'content-length': '0' });
      res.end();
      return;
    }
    let object: StoredObject;
    if (uploadType === 'multipart') {
      const boundary = multipartBoundary(req.headers['content-type']);
      if (!boundary) {
        throw new GcsApiError(400, 'invalid', `uploadType=multipart needs Content-Type "multipart/related; boundary=..."; found ${JSON.stringify(req.headers['content-type'])}.`);
      }
      const decoder = new MultipartRelatedDecoder(boundary);
      let data;
      try {
        data = await state.writeData(req.pipe(decoder));
      } catch (err) {
        throw new GcsApiError(400, 'invalid', `Malformed multipart upload body: ${(err as Error).message}`);
      }
      const metadata = decoder.metadata ?? {};
      try {
        const name = validateObjectName(params.get('name') ?? (typeof metadata.name === 'string' ? metadata.name : null));
        const hashes = [
          typeof metadata.md5Hash === 'string' ? `md5=${metadata.md5Hash}` : '',
          typeof metadata.crc32c === 'string' ? `crc32c=${metadata.crc32c}` : '',
        ].filter(Boolean);
        verifyGoogHash(hashes.join(','), data.md5, data.crc32c);
        object = await state.commit(bucket, name, data, insertMetadataFrom(metadata, decoder.mediaContentType), pre);
      } catch (err) {
        if (data.path) await rm(data.path, { force: true });
        throw err;
      }
    } else if (uploadType === 'media') {
      const name = validateObjectName(params.get('name'));
      const data = await state.writeData(req);
      const contentType = req.headers['content-type'];
      object = await state.commit(bucket, name, data, insertMetadataFrom(undefined, contentType), pre);
    } else {
      throw new GcsApiError(400, 'invalid', `Unsupported uploadType ${JSON.stringify(uploadType)}; use media, multipart or resumable.`);
    }
    sendJson(res, 200, objectResource(object, baseUrl));
  }

  async function resumableChunk(req: IncomingMessage, res: ServerResponse, baseUrl: string, params: URLSearchParams): Promise<void> {
    const outcome = await uploads.put(params.get('upload_id'), req);
    if (outcome.done) {
      sendJson(res, 200, objectResource(outcome.object, baseUrl));
      return;
    }
    const headers: Record<string, string> = { 'content-length': '0' };
    if (outcome.received > 0) headers.range = `bytes=0-${outcome.received - 1}`;
    res.writeHead(308, headers);
    res.end();
  }

  async function copy(
    req: IncomingMessage,
    res: ServerResponse,
    baseUrl: string,
    params: URLSearchParams,
    source: { bucket: string; name: string },
    target: { bucket: string; name: string },
    verb: string,
  ): Promise<void> {
    const body = await readJson(req);
    const pre = parsePreconditions(params);
    state.bucket(target.bucket);
    const sourceObject = state.getOrThrow(source.bucket, source.name);
    const sourceGeneration = params.get('sourceGeneration') ?? params.get('ifSourceGenerationMatch');
    if (sourceGeneration && sourceGeneration !== String(sourceObject.generation)) {
      throw new GcsApiError(412, 'conditionNotMet', 'At least one of the pre-conditions you specified did not hold.');
    }
    checkPreconditions(state.get(target.bucket, target.name), pre, 'write');
    const data = await state.copyData(sourceObject);
    const meta = Object.keys(body).length
      ? insertMetadataFrom(body)
      : { fields: { ...sourceObject.fields }, customMetadata: sourceObject.customMetadata };
    const object = await state.commit(target.bucket, validateObjectName(target.name), data, meta, pre);
    const resource = objectResource(object, baseUrl);
    if (verb === 'rewriteTo') {
      sendJson(res, 200, {
        kind: 'storage#rewriteResponse',
        totalBytesRewritten: String(object.size),
        objectSize: String(object.size),
        done: true,
        resource,
      });
    } else {
      sendJson(res, 200, resource);
    }
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const params = url.searchParams;
    const baseUrl = `http://${req.headers.host ?? 'localhost'}`;
    const method = req.method ?? 'GET';
    let rawPath = url.pathname;
    let area: 'json' | 'upload' | 'download' = 'json';
    if (rawPath.startsWith('/upload/storage/v1/')) {
      area = 'upload';
      rawPath = rawPath.slice('/upload/storage/v1'.length);
    } else if (rawPath.startsWith('/download/storage/v1/')) {
      area = 'download';
      rawPath = rawPath.slice('/download/storage/v1'.length);
    } else if (rawPath.startsWith('/storage/v1/')) {
      // With STORAGE_EMULATOR_HOST the client calls the JSON API without the /storage/v1 prefix.
      rawPath = rawPath.slice('/storage/v1'.length);
    }
    // Object names arrive percent-encoded as one segment, so splitting on "/" is safe.
    const seg = rawPath.split('/').slice(1).map((s) => decodeURIComponent(s));
    if (seg[0] !== 'b') throw new GcsApiError(404, 'notFound', `Not Found: ${method} ${url.pathname}`);

    if (area === 'upload') {
      if (seg.length !== 3 || seg[2] !== 'o') throw new GcsApiError(404, 'notFound', `Not Found: ${method} ${url.pathname}`);
      if (method === 'POST') return insert(req, res, baseUrl, seg[1]!, params);
      if (method === 'PUT' && params.has('upload_id')) return resumableChunk(req, res, baseUrl, params);
      if (method === 'DELETE' && params.has('upload_id')) {
        await uploads.cancel(params.get('upload_id'));
        // GCS answers a cancelled session with 499 Client Closed Request.
        res.writeHead(499, { 'content-length': '0' });
        res.end();
        return;
      }
      throw new GcsApiError(405, 'methodNotAllowed', `Method ${method} is not allowed on ${url.pathname}.`);
    }

    if (area === 'download') {
      if (seg.length !== 4 || seg[2] !== 'o' || (method !== 'GET' && method !== 'HEAD')) {
        throw new GcsApiError(404, 'notFound', `Not Found: ${method} ${url.pathname}`);
      }
      return download(req, res, seg[1]!, seg[3]!, params);
    }

    // JSON API: /b, /b/{bucket}, /b/{bucket}/o, /b/{bucket}/o/{object}[/{verb}/b/{bucket}/o/{object}]
    if (seg.length === 1) {
      if (method === 'GET') {
        sendJson(res, 200, { kind: 'storage#buckets', items: state.listBuckets().map((b) => bucketResource(b, baseUrl)) });
        return;
      }
      if (method === 'POST') {
        const body = await readJson(req);
        const name = typeof body.name === 'string' ? body.name : params.get('name');
        if (!name) throw new GcsApiError(400, 'required', 'Required field: name (the bucket name).');
        sendJson(res, 200, bucketResource(state.createBucket(name), baseUrl));
        return;
      }
    } else if (seg.length === 2) {
      const bucket = seg[1]!;
      if (method === 'GET' || method === 'PATCH' || method === 'PUT') {
        if (method !== 'GET') req.resume();
        sendJson(res, 200, bucketResource(state.bucket(bucket), baseUrl));
        return;
      }
      if (method === 'DELETE') {
        await state.deleteBucket(bucket);
        res.writeHead(204);
        res.end();
        return;
      }
    } else if (seg.length === 3 && seg[2] === 'o') {
      const bucket = seg[1]!;
      if (method === 'GET') {
        const page = state.list(bucket, {
          prefix: params.get('prefix') ?? '',
          delimiter: params.get('delimiter') ?? '',
          startOffset: params.get('startOffset') ?? '',
          endOffset: params.get('endOffset') ?? '',
          maxResults: intParam(params, 'maxResults', 1000, 1000),
          pageToken: params.get('pageToken') ?? undefined,
          includeTrailingDelimiter: params.get('includeTrailingDelimiter') === 'true',
        });
        // Like GCS, empty `items` / `prefixes` are left out rather than sent as [].
        sendJson(res, 200, {
          kind: 'storage#objects',
          ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}),
          ...(page.prefixes.length ? { prefixes: page.prefixes } : {}),
          ...(page.items.length ? { items: page.items.map((o) => objectResource(o, baseUrl)) } : {}),
        });
        return;
      }
      if (method === 'POST') return insert(req, res, baseUrl, bucket, params);
    } else if (seg.length === 4 && seg[2] === 'o') {
      const bucket = seg[1]!;
      const name = seg[3]!;
      if (method === 'GET' || method === 'HEAD') {
        if (params.get('alt') === 'media') return download(req, res, bucket, name, params);
        const object = state.getOrThrow(bucket, name);
        const generation = params.get('generation');
        if (generation && generation !== String(object.generation)) {
          throw new GcsApiError(404, 'notFound', `No such object: ${bucket}/${name}#${generation}`);
        }
        checkPreconditions(object, parsePreconditions(params), 'read');
        sendJson(res, 200, objectResource(object, baseUrl));
        return;
      }
      if (method === 'DELETE') {
        await state.delete(bucket, name, parsePreconditions(params));
        res.writeHead(204);
        res.end();
        return;
      }
      if (method === 'PATCH' || method === 'PUT') {
        const body = await readJson(req);
        sendJson(res, 200, objectResource(state.patch(bucket, name, body, parsePreconditions(params)), baseUrl));
        return;
      }
    } else if (seg.length === 9 && seg[2] === 'o' && (seg[4] === 'rewriteTo' || seg[4] === 'copyTo') && seg[5] === 'b' && seg[7] === 'o') {
      if (method === 'POST') {
        return copy(req, res, baseUrl, params, { bucket: seg[1]!, name: seg[3]! }, { bucket: seg[6]!, name: seg[8]! }, seg[4]!);
      }
    }
    throw new GcsApiError(404, 'notFound', `Not Found: ${method} ${url.pathname} is not part of the emulated API.`);
  }

  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      await route(req, res);
    } catch (err) {
      const apiError =
        err instanceof GcsApiError ? err : new GcsApiError(500, 'backendError', `Emulator error: ${(err as Error).message ?? String(err)}`);
      // Let the client finish sending before the answer, so it reads the error and not EPIPE.
      if (!req.complete) req.resume();
      sendError(res, apiError);
    }
  };
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/;

/**
 * Starts an in-process emulator of the Cloud Storage JSON API surface that
 * `@google-cloud/storage` 7 uses, on a free port of 127.0.0.1: buckets; media, multipart and
 * resumable uploads; downloads with ranges and `x-goog-hash`; metadata get/patch; listing
 * with prefix, delimiter, offsets and pagination; delete; rewrite/copy; and generation
 * preconditions (`ifGenerationMatch=0` = create only if absent), answered with GCS's
 * JSON errors. Object bytes are kept in a temporary directory, metadata in memory.
 *
 * Construct the client against it without credentials (no auth is attempted for a custom
 * endpoint unless `useAuthWithCustomEndpoint: true`):
 *
 * @example
 * ```ts
 * const gcs = await startGcsEmulator();
 * const storage = new Storage({ apiEndpoint: gcs.host, projectId: gcs.projectId });
 * await storage.bucket(gcs.bucket).file('a.txt').save('hello', { preconditionOpts: { ifGenerationMatch: 0 } });
 * await gcs.stop();
 * ```
 * Alternatively set `process.env.STORAGE_EMULATOR_HOST = gcs.host` before `new Storage()`.
 */
export async function startGcsEmulator(options: GcsEmulatorOptions = {}): Promise<GcsTestServer> {
  const buckets = options.buckets ?? ['test-bucket'];
  if (!Array.isArray(buckets) || buckets.length === 0) {
    throw new InvalidArgumentError(
      `startGcsEmulator: expected options.buckets to be a non-empty array of bucket names, found ${JSON.stringify(buckets)}. ` +
        'Pass e.g. { buckets: ["test-bucket"] } or omit the option.',
    );
  }
  for (const name of buckets) {
    if (typeof name !== 'string' || !BUCKET_NAME.test(name)) {
      throw new InvalidArgumentError(
        `startGcsEmulator: bucket name ${JSON.stringify(name)} is not a valid Cloud Storage bucket name; expected 3-63 ` +
          'lowercase letters, digits, dashes, underscores and dots, starting and ending with a letter or digit (e.g. "test-bucket").',
      );
    }
  }
  const projectId = options.projectId ?? 'test-project';
  if (typeof projectId !== 'string' || projectId === '') {
    throw new InvalidArgumentError(`startGcsEmulator: expected options.projectId to be a non-empty string, found ${JSON.stringify(projectId)}.`);
  }

  const directory = await mkdtemp(path.join(os.tmpdir(), 'mlops-gcs-'));
  const state = new GcsState(directory);
  for (const name of new Set(buckets)) state.createBucket(name);
  const uploads = new ResumableUploads(state);
  const handler = createHandler(state, uploads);
  const server = http.createServer({ keepAliveTimeout: 30_000 }, (req, res) => void handler(req, res));
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
  } catch (err) {
    await rm(directory, { recursive: true, force: true });
    throw new MlopsError(ErrorCode.ServiceUnavailable, `startGcsEmulator: could not listen on 127.0.0.1: ${(err as Error).message}`, {
      cause: err,
      retryable: true,
    });
  }
  const { port } = server.address() as AddressInfo;
  let stopped: Promise<void> | undefined;
  return {
    host: `http://127.0.0.1:${port}`,
    port,
    projectId,
    bucket: buckets[0]!,
    stop: () => {
      stopped ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await uploads.clear();
        await rm(directory, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}
