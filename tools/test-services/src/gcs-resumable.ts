import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm, stat, writeFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  GcsApiError,
  ObjectHasher,
  verifyGoogHash,
  type GcsState,
  type InsertMetadata,
  type Preconditions,
  type StoredObject,
} from './gcs-state.js';
import { createKeyedLock } from './key-lock.js';

/** One resumable upload session: bytes so far live in `path`, hashed as they arrive. */
interface Session {
  id: string;
  bucket: string;
  name: string;
  meta: InsertMetadata;
  pre: Preconditions;
  path: string;
  hasher: ObjectHasher;
  result: StoredObject | undefined;
}

/** What a chunk request produced: the upload is done, or more bytes are expected. */
export type ChunkOutcome = { done: true; object: StoredObject } | { done: false; received: number };

/** Parsed `Content-Range` of a resumable PUT: `bytes S-E/T`, `bytes S-*\/T`, `bytes *\/T`. */
interface ContentRange {
  start: number | undefined;
  end: number | '*' | undefined;
  total: number | undefined;
}

function parseContentRange(header: string | undefined): ContentRange | undefined {
  if (header === undefined) return undefined;
  const m = /^bytes\s+(?:(\d+)-(\d+|\*)|\*)\/(\d+|\*|undefined)$/i.exec(header.trim());
  if (!m) {
    throw new GcsApiError(400, 'invalid', `Invalid Content-Range header ${JSON.stringify(header)}; expected "bytes START-END/TOTAL", "bytes START-*/TOTAL" or "bytes */TOTAL".`);
  }
  const total = m[3] !== undefined && /^\d+$/.test(m[3]) ? Number(m[3]) : undefined;
  if (m[1] === undefined) return { start: undefined, end: undefined, total };
  return { start: Number(m[1]), end: m[2] === '*' ? '*' : Number(m[2]), total };
}

/** Drops the first `count` bytes of a stream (bytes of a chunk the server already has). */
function skipBytes(count: number): Transform {
  let toSkip = count;
  return new Transform({
    transform(chunk: Buffer, _enc, callback) {
      if (toSkip >= chunk.length) {
        toSkip -= chunk.length;
        callback();
        return;
      }
      const rest = toSkip ? chunk.subarray(toSkip) : chunk;
      toSkip = 0;
      callback(null, rest);
    },
  });
}

/**
 * Resumable upload sessions (`uploadType=resumable`): initiation returns a session id; each
 * PUT appends a chunk described by `Content-Range` to a temporary file; an incomplete upload
 * answers 308 with `Range: bytes=0-N`; the chunk that reaches the total commits the object
 * (preconditions are checked again at that moment, atomically).
 */
export class ResumableUploads {
  private readonly sessions = new Map<string, Session>();
  private readonly lock = createKeyedLock();

  constructor(private readonly state: GcsState) {}

  async create(bucket: string, name: string, meta: InsertMetadata, pre: Preconditions): Promise<string> {
    const id = randomBytes(16).toString('hex');
    const path = this.state.newDataPath('upload');
    await writeFile(path, Buffer.alloc(0));
    this.sessions.set(id, { id, bucket, name, meta, pre, path, hasher: new ObjectHasher(), result: undefined });
    return id;
  }

  private session(id: string | null): Session {
    const session = id ? this.sessions.get(id) : undefined;
    if (!session) {
      throw new GcsApiError(404, 'notFound', `No such upload session ${JSON.stringify(id)}; it was completed long ago, cancelled, or never created.`);
    }
    return session;
  }

  async cancel(id: string | null): Promise<void> {
    const session = this.session(id);
    this.sessions.delete(session.id);
    if (!session.result) await rm(session.path, { force: true });
  }

  /** Handles one PUT to a session URI: a status query or a chunk of bytes. */
  async put(id: string | null, req: IncomingMessage): Promise<ChunkOutcome> {
    const session = this.session(id);
    const release = await this.lock.acquire(session.id);
    try {
      return await this.putLocked(session, req);
    } finally {
      release();
    }
  }

  private async putLocked(session: Session, req: IncomingMessage): Promise<ChunkOutcome> {
    const range = parseContentRange(req.headers['content-range']);
    if (session.result) {
      req.resume();
      return { done: true, object: session.result };
    }
    let isLast: boolean;
    if (range && range.start === undefined) {
      // Status query (`bytes */T`); a known total that is already reached finishes the upload.
      req.resume();
      isLast = range.total !== undefined && range.total === session.hasher.size;
      if (!isLast) return { done: false, received: session.hasher.size };
    } else {
      const start = range?.start ?? session.hasher.size;
      if (start > session.hasher.size) {
        req.resume();
        throw new GcsApiError(
          400,
          'invalid',
          `Invalid request. According to the Content-Range header, the upload offset is ${start} byte(s), which exceeds already uploaded size of ${session.hasher.size} byte(s).`,
        );
      }
      const before = session.hasher.size;
      try {
        await pipeline(req, skipBytes(before - start), session.hasher.transform(), createWriteStream(session.path, { flags: 'a' }));
      } catch (err) {
        // Part of the chunk may have been hashed but not written: rebuild from the file.
        await this.rehash(session);
        throw new GcsApiError(503, 'backendError', `The chunk upload was interrupted (${(err as Error).message}); query the session and resume.`);
      }
      if (range?.end !== undefined && range.end !== '*' && session.hasher.size < range.end + 1) {
        // The client promised more bytes than it sent (an aborted chunk); ask for the rest.
        return { done: false, received: session.hasher.size };
      }
      if (range === undefined) isLast = true;
      else if (range.total !== undefined) {
        if (session.hasher.size > range.total) {
          throw new GcsApiError(400, 'invalid', `The upload received ${session.hasher.size} bytes, more than the declared total of ${range.total}.`);
        }
        isLast = session.hasher.size === range.total;
      } else {
        // `bytes S-*/*`: a single request carrying the rest of the object.
        isLast = range.end === '*';
      }
      if (!isLast) return { done: false, received: session.hasher.size };
    }
    const md5 = session.hasher.digestMd5();
    const header = req.headers['x-goog-hash'];
    try {
      verifyGoogHash(Array.isArray(header) ? header.join(',') : header, md5, session.hasher.crc32c);
      const object = await this.state.commit(
        session.bucket,
        session.name,
        { path: session.path, size: session.hasher.size, md5, crc32c: session.hasher.crc32c },
        session.meta,
        session.pre,
      );
      session.result = object;
      return { done: true, object };
    } catch (err) {
      // A failed finalisation (bad checksum, precondition) ends the session, as on GCS.
      this.sessions.delete(session.id);
      await rm(session.path, { force: true });
      throw err;
    }
  }

  private async rehash(session: Session): Promise<void> {
    const hasher = new ObjectHasher();
    const { size } = await stat(session.path);
    if (size > 0) {
      for await (const chunk of createReadStream(session.path)) hasher.update(chunk as Buffer);
    }
    session.hasher = hasher;
  }

  /** Removes every unfinished session's temporary file. */
  async clear(): Promise<void> {
    const pending = [...this.sessions.values()].filter((s) => !s.result);
    this.sessions.clear();
    await Promise.all(pending.map((s) => rm(s.path, { force: true })));
  }
}
