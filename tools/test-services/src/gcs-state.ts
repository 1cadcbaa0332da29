import { createHash, type Hash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { open, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { crc32cToBase64, crc32cUpdate } from './crc32c.js';

/** A Cloud Storage JSON API error: HTTP status, message, and the `reason` clients branch on. */
export class GcsApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly extra: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Objects up to this size stay in memory; larger ones stream to a file. */
const IN_MEMORY_LIMIT_BYTES = 1024 * 1024;

/** Metadata fields a client may set on an object (insert, PATCH). */
const SETTABLE_FIELDS = ['contentType', 'cacheControl', 'contentDisposition', 'contentEncoding', 'contentLanguage'] as const;

/**
 * One live object version. Its bytes are either in memory (`data`, objects up to 1 MiB: no
 * file-system round trips for the small objects tests mostly write) or in `dataPath`, a file
 * never changed after commit.
 */
export interface StoredObject {
  bucket: string;
  name: string;
  generation: number;
  metageneration: number;
  size: number;
  md5: Buffer;
  crc32c: number;
  dataPath: string | undefined;
  data: Buffer | undefined;
  timeCreated: Date;
  updated: Date;
  fields: Partial<Record<(typeof SETTABLE_FIELDS)[number], string>>;
  customMetadata: Record<string, string> | undefined;
}

interface StoredBucket {
  name: string;
  timeCreated: Date;
  objects: Map<string, StoredObject>;
}

/** Preconditions parsed from the query string (`ifGenerationMatch=0` means "only if absent"). */
export interface Preconditions {
  ifGenerationMatch?: number;
  ifGenerationNotMatch?: number;
  ifMetagenerationMatch?: number;
  ifMetagenerationNotMatch?: number;
}

const PRECONDITION_NAMES = ['ifGenerationMatch', 'ifGenerationNotMatch', 'ifMetagenerationMatch', 'ifMetagenerationNotMatch'] as const;

/** Reads the four precondition parameters; a non-integer value is a 400 like on GCS. */
export function parsePreconditions(params: URLSearchParams): Preconditions {
  const out: Preconditions = {};
  for (const name of PRECONDITION_NAMES) {
    const raw = params.get(name);
    if (raw === null || raw === '') continue;
    if (!/^\d+$/.test(raw)) {
      throw new GcsApiError(400, 'invalid', `Invalid argument: ${name} must be a non-negative integer, found ${JSON.stringify(raw)}.`);
    }
    out[name] = Number(raw);
  }
  return out;
}

const CONDITION_NOT_MET = 'At least one of the pre-conditions you specified did not hold.';

/**
 * Checks preconditions against the live object. Writes and deletes fail with 412; reads
 * fail a `...NotMatch` condition with 304 Not Modified, as GCS does.
 */
export function checkPreconditions(current: StoredObject | undefined, pre: Preconditions, kind: 'read' | 'write'): void {
  const fail = (location: string) => {
    throw new GcsApiError(412, 'conditionNotMet', CONDITION_NOT_MET, { locationType: 'header', location });
  };
  const notModified = (location: string) => {
    if (kind === 'read') throw new GcsApiError(304, 'notModified', 'Not Modified', { location });
    fail(location);
  };
  if (pre.ifGenerationMatch !== undefined) {
    if (pre.ifGenerationMatch === 0 ? current !== undefined : current?.generation !== pre.ifGenerationMatch) fail('If-Match');
  }
  if (pre.ifMetagenerationMatch !== undefined && current?.metageneration !== pre.ifMetagenerationMatch) fail('If-Metageneration-Match');
  if (pre.ifGenerationNotMatch !== undefined) {
    const live = current?.generation ?? 0;
    if (live === pre.ifGenerationNotMatch) notModified('If-None-Match');
  }
  if (pre.ifMetagenerationNotMatch !== undefined && current !== undefined && current.metageneration === pre.ifMetagenerationNotMatch) {
    notModified('If-Metageneration-Not-Match');
  }
}

/** Bytes written to a data file, with the hashes GCS reports for them. */
export interface WrittenData {
  path?: string;
  data?: Buffer;
  size: number;
  md5: Buffer;
  crc32c: number;
}

/** Hashes bytes on their way to disk, incrementally (a resumable upload spans many requests). */
export class ObjectHasher {
  private readonly md5: Hash = createHash('md5');
  crc32c = 0;
  size = 0;

  update(bytes: Uint8Array): void {
    this.md5.update(bytes);
    this.crc32c = crc32cUpdate(this.crc32c, bytes);
    this.size += bytes.length;
  }

  /** A transform that hashes what passes through it. */
  transform(): Transform {
    return new Transform({
      transform: (chunk: Buffer, _enc, callback) => {
        this.update(chunk);
        callback(null, chunk);
      },
    });
  }

  digestMd5(): Buffer {
    return this.md5.copy().digest();
  }
}

/** Checks an `X-Goog-Hash` request header (`crc32c=...,md5=...`) against what arrived. */
export function verifyGoogHash(header: string | undefined, md5: Buffer, crc32c: number): void {
  if (!header) return;
  for (const pair of header.split(',')) {
    const at = pair.indexOf('=');
    const kind = pair.slice(0, at).trim().toLowerCase();
    const value = pair.slice(at + 1).trim();
    if (kind === 'md5' && value !== md5.toString('base64')) {
      throw new GcsApiError(400, 'invalid', `Provided MD5 hash "${value}" doesn't match calculated MD5 hash "${md5.toString('base64')}".`);
    }
    if (kind === 'crc32c' && value !== crc32cToBase64(crc32c)) {
      throw new GcsApiError(400, 'invalid', `Provided CRC32C "${value}" doesn't match calculated CRC32C "${crc32cToBase64(crc32c)}".`);
    }
  }
}

/** Validates an object name the way GCS does (1-1024 bytes of UTF-8, no CR/LF). */
export function validateObjectName(name: string | null): string {
  if (!name) throw new GcsApiError(400, 'required', 'Required parameter: name (the object name).');
  if (Buffer.byteLength(name) > 1024) throw new GcsApiError(400, 'invalid', 'The object name is longer than 1024 bytes.');
  if (/[\r\n]/.test(name)) throw new GcsApiError(400, 'invalid', 'The object name must not contain carriage returns or line feeds.');
  if (name === '.' || name === '..') throw new GcsApiError(400, 'invalid', 'The object name must not be "." or "..".');
  return name;
}

/** Options for the object metadata taken from an insert request. */
export interface InsertMetadata {
  fields: StoredObject['fields'];
  customMetadata: Record<string, string> | undefined;
}

/** Picks the settable fields out of a JSON resource body. */
export function insertMetadataFrom(body: Record<string, unknown> | undefined, fallbackContentType?: string): InsertMetadata {
  const fields: StoredObject['fields'] = {};
  for (const field of SETTABLE_FIELDS) {
    const value = body?.[field];
    if (typeof value === 'string') fields[field] = value;
  }
  if (!fields.contentType && fallbackContentType) fields.contentType = fallbackContentType;
  return { fields, customMetadata: customMetadataFrom(body?.metadata, undefined) };
}

function customMetadataFrom(value: unknown, base: Record<string, string> | undefined): Record<string, string> | undefined {
  if (value === undefined) return base;
  if (value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new GcsApiError(400, 'invalid', 'Invalid argument: metadata must be an object of string values.');
  }
  const out: Record<string, string> = { ...base };
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (v === null) delete out[k];
    else out[k] = String(v);
  }
  return Object.keys(out).length ? out : undefined;
}

/** A page of a listing. */
export interface ListPage {
  items: StoredObject[];
  prefixes: string[];
  nextPageToken: string | undefined;
}

/** Options of an object listing, as in the JSON API's `objects.list`. */
export interface ListOptions {
  prefix: string;
  delimiter: string;
  startOffset: string;
  endOffset: string;
  maxResults: number;
  pageToken: string | undefined;
  includeTrailingDelimiter: boolean;
}

/**
 * The emulator's state: buckets, live objects, the generation clock and the data files.
 * Every check-then-commit runs without an `await` between the check and the commit, so
 * preconditions are atomic per object without locks.
 */
export class GcsState {
  private readonly buckets = new Map<string, StoredBucket>();
  private lastGeneration = 0;
  private fileCounter = 0;

  constructor(readonly dataDir: string) {}

  /** A new unique path in the data directory. */
  newDataPath(kind: string): string {
    return path.join(this.dataDir, `${kind}-${process.pid}-${++this.fileCounter}`);
  }

  /** Generations are microseconds since the epoch, like GCS, and strictly increasing. */
  nextGeneration(): number {
    this.lastGeneration = Math.max(this.lastGeneration + 1, Date.now() * 1000);
    return this.lastGeneration;
  }

  createBucket(name: string): StoredBucket {
    if (!/^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/.test(name)) {
      throw new GcsApiError(400, 'invalid', `Invalid bucket name: '${name}'. Use 3-63 lowercase letters, digits, dashes, underscores and dots.`);
    }
    if (this.buckets.has(name)) {
      throw new GcsApiError(409, 'conflict', 'Your previous request to create the named bucket succeeded and you already own it.');
    }
    const bucket = { name, timeCreated: new Date(), objects: new Map<string, StoredObject>() };
    this.buckets.set(name, bucket);
    return bucket;
  }

  listBuckets(): StoredBucket[] {
    return [...this.buckets.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  bucket(name: string): StoredBucket {
    const bucket = this.buckets.get(name);
    if (!bucket) throw new GcsApiError(404, 'notFound', 'The specified bucket does not exist.');
    return bucket;
  }

  async deleteBucket(name: string): Promise<void> {
    const bucket = this.bucket(name);
    if (bucket.objects.size > 0) throw new GcsApiError(409, 'conflict', 'The bucket you tried to delete is not empty.');
    this.buckets.delete(name);
  }

  get(bucketName: string, name: string): StoredObject | undefined {
    return this.bucket(bucketName).objects.get(name);
  }

  getOrThrow(bucketName: string, name: string): StoredObject {
    const object = this.get(bucketName, name);
    if (!object) throw new GcsApiError(404, 'notFound', `No such object: ${bucketName}/${name}`);
    return object;
  }

  /** Streams `body` to a fresh data file, hashing it on the way. */
  async writeData(body: Readable): Promise<WrittenData> {
    const hasher = new ObjectHasher();
    let chunks: Buffer[] = [];
    let file: WriteStream | undefined;
    let dataPath: string | undefined;
    try {
      for await (const chunk of body) {
        const bytes = chunk as Buffer;
        hasher.update(bytes);
        if (file) {
          if (!file.write(bytes)) await once(file, 'drain');
          continue;
        }
        chunks.push(bytes);
        if (hasher.size > IN_MEMORY_LIMIT_BYTES) {
          // Too big to keep in memory: spill what we have and stream the rest to disk.
          dataPath = this.newDataPath('obj');
          file = createWriteStream(dataPath);
          for (const c of chunks) file.write(c);
          chunks = [];
        }
      }
      if (file) {
        file.end();
        await finished(file);
      }
    } catch (err) {
      file?.destroy();
      if (dataPath) await rm(dataPath, { force: true });
      throw err;
    }
    const written = { size: hasher.size, md5: hasher.digestMd5(), crc32c: hasher.crc32c };
    return dataPath ? { ...written, path: dataPath } : { ...written, data: Buffer.concat(chunks) };
  }

  /**
   * Makes written data the live version of an object if the preconditions hold. On failure
   * the data file is removed and nothing visible changes.
   */
  async commit(bucketName: string, name: string, data: WrittenData, meta: InsertMetadata, pre: Preconditions): Promise<StoredObject> {
    let previous: StoredObject | undefined;
    let object: StoredObject;
    try {
      const bucket = this.bucket(bucketName);
      previous = bucket.objects.get(name);
      checkPreconditions(previous, pre, 'write');
      const now = new Date();
      object = {
        bucket: bucketName,
        name,
        generation: this.nextGeneration(),
        metageneration: 1,
        size: data.size,
        md5: data.md5,
        crc32c: data.crc32c,
        dataPath: data.path,
        data: data.data,
        timeCreated: now,
        updated: now,
        fields: { contentType: 'application/octet-stream', ...meta.fields },
        customMetadata: meta.customMetadata,
      };
      bucket.objects.set(name, object);
    } catch (err) {
      if (data.path) await rm(data.path, { force: true });
      throw err;
    }
    // Readers that already opened the old file keep reading it (unlink keeps the inode).
    if (previous?.dataPath) await rm(previous.dataPath, { force: true });
    return object;
  }

  async delete(bucketName: string, name: string, pre: Preconditions): Promise<void> {
    const bucket = this.bucket(bucketName);
    const current = bucket.objects.get(name);
    if (!current) throw new GcsApiError(404, 'notFound', `No such object: ${bucketName}/${name}`);
    checkPreconditions(current, pre, 'write');
    bucket.objects.delete(name);
    if (current.dataPath) await rm(current.dataPath, { force: true });
  }

  /** Applies a PATCH (merge) of settable fields and custom metadata; bumps metageneration. */
  patch(bucketName: string, name: string, body: Record<string, unknown>, pre: Preconditions): StoredObject {
    const current = this.getOrThrow(bucketName, name);
    checkPreconditions(current, pre, 'write');
    const fields = { ...current.fields };
    for (const field of SETTABLE_FIELDS) {
      if (!(field in body)) continue;
      const value = body[field];
      if (value === null) delete fields[field];
      else if (typeof value === 'string') fields[field] = value;
    }
    const updated: StoredObject = {
      ...current,
      fields,
      customMetadata: customMetadataFrom(body.metadata, current.customMetadata),
      metageneration: current.metageneration + 1,
      updated: new Date(),
    };
    this.bucket(bucketName).objects.set(name, updated);
    return updated;
  }

  /**
   * Opens the live version's data file. The object may be replaced between the lookup and
   * the open (its old file is then gone); look it up again, so the bytes served always
   * belong to the metadata served.
   */
  async openLive(bucketName: string, name: string): Promise<{ object: StoredObject; handle: FileHandle | undefined }> {
    for (let attempt = 0; attempt < 100; attempt++) {
      const object = this.getOrThrow(bucketName, name);
      if (!object.dataPath) return { object, handle: undefined };
      try {
        return { object, handle: await open(object.dataPath, 'r') };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    throw new GcsApiError(503, 'backendError', `Object ${bucketName}/${name} changed too often while being opened; retry.`);
  }

  /** Copies an object's bytes to a fresh data file (for rewrite/copy). */
  async copyData(source: StoredObject): Promise<WrittenData> {
    const { handle, object } = await this.openLive(source.bucket, source.name);
    const hashes = { size: object.size, md5: object.md5, crc32c: object.crc32c };
    if (!handle) return { ...hashes, data: object.data ?? Buffer.alloc(0) };
    const target = this.newDataPath('obj');
    try {
      await pipeline(handle.createReadStream(), createWriteStream(target));
    } catch (err) {
      await rm(target, { force: true });
      throw err;
    }
    return { ...hashes, path: target };
  }

  list(bucketName: string, options: ListOptions): ListPage {
    const bucket = this.bucket(bucketName);
    const { prefix, delimiter, startOffset, endOffset, maxResults } = options;
    let after: { kind: 'o' | 'p'; value: string } | undefined;
    if (options.pageToken) {
      try {
        const decoded = JSON.parse(Buffer.from(options.pageToken, 'base64url').toString('utf8')) as { k: 'o' | 'p'; v: string };
        if ((decoded.k === 'o' || decoded.k === 'p') && typeof decoded.v === 'string') after = { kind: decoded.k, value: decoded.v };
      } catch {
        // handled below
      }
      if (!after) throw new GcsApiError(400, 'invalid', `Invalid pageToken ${JSON.stringify(options.pageToken)}: pass back the nextPageToken of the previous page.`);
    }
    // GCS orders names by their UTF-8 bytes.
    const names = [...bucket.objects.keys()]
      .filter((n) => n.startsWith(prefix) && (!startOffset || n >= startOffset) && (!endOffset || n < endOffset))
      .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    const items: StoredObject[] = [];
    const prefixes: string[] = [];
    let last: { k: 'o' | 'p'; v: string } | undefined;
    let truncated = false;
    let lastPrefix: string | undefined;
    for (const name of names) {
      if (after) {
        if (after.kind === 'p' && name.startsWith(after.value)) continue;
        if (Buffer.compare(Buffer.from(name), Buffer.from(after.value)) <= 0) continue;
      }
      let entry: { k: 'o' | 'p'; v: string };
      if (delimiter) {
        const at = name.indexOf(delimiter, prefix.length);
        if (at !== -1) {
          const common = name.slice(0, at + delimiter.length);
          if (common === lastPrefix) continue;
          // With includeTrailingDelimiter, an object named exactly like the prefix is listed too.
          entry = { k: 'p', v: common };
          if (items.length + prefixes.length >= maxResults) {
            truncated = true;
            break;
          }
          lastPrefix = common;
          prefixes.push(common);
          if (options.includeTrailingDelimiter && name === common) items.push(bucket.objects.get(name)!);
          last = entry;
          continue;
        }
      }
      entry = { k: 'o', v: name };
      if (items.length + prefixes.length >= maxResults) {
        truncated = true;
        break;
      }
      items.push(bucket.objects.get(name)!);
      last = entry;
    }
    return {
      items,
      prefixes,
      nextPageToken: truncated && last ? Buffer.from(JSON.stringify(last)).toString('base64url') : undefined,
    };
  }
}

/** The JSON resource of an object, as the JSON API returns it. */
export function objectResource(o: StoredObject, baseUrl: string): Record<string, unknown> {
  const encodedName = encodeURIComponent(o.name);
  return {
    kind: 'storage#object',
    id: `${o.bucket}/${o.name}/${o.generation}`,
    selfLink: `${baseUrl}/storage/v1/b/${o.bucket}/o/${encodedName}`,
    mediaLink: `${baseUrl}/download/storage/v1/b/${o.bucket}/o/${encodedName}?generation=${o.generation}&alt=media`,
    name: o.name,
    bucket: o.bucket,
    generation: String(o.generation),
    metageneration: String(o.metageneration),
    ...o.fields,
    storageClass: 'STANDARD',
    size: String(o.size),
    md5Hash: o.md5.toString('base64'),
    crc32c: crc32cToBase64(o.crc32c),
    etag: objectEtag(o),
    timeCreated: o.timeCreated.toISOString(),
    updated: o.updated.toISOString(),
    timeStorageClassUpdated: o.timeCreated.toISOString(),
    ...(o.customMetadata ? { metadata: o.customMetadata } : {}),
  };
}

/** GCS etags change with generation and metageneration; this one encodes both. */
export function objectEtag(o: StoredObject): string {
  return Buffer.from(`${o.generation}/${o.metageneration}`).toString('base64');
}

/** The JSON resource of a bucket. */
export function bucketResource(b: { name: string; timeCreated: Date }, baseUrl: string): Record<string, unknown> {
  return {
    kind: 'storage#bucket',
    id: b.name,
    selfLink: `${baseUrl}/storage/v1/b/${b.name}`,
    projectNumber: '0',
    name: b.name,
    timeCreated: b.timeCreated.toISOString(),
    updated: b.timeCreated.toISOString(),
    metageneration: '1',
    location: 'US',
    locationType: 'multi-region',
    storageClass: 'STANDARD',
    etag: 'CAE=',
  };
}
