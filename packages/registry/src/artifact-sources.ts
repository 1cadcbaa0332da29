import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeWebReadableStream } from 'node:stream/web';
import { InvalidArgumentError } from '@mlops/contracts/errors';
import { validateArtifactPath } from './names.js';
import type { ArtifactSource } from './types.js';

/** One file to upload, opened lazily so that nothing is read before it is needed. */
export interface PendingArtifact {
  path: string;
  /** In-memory bytes (hashed before upload, so an already-stored blob is not sent again). */
  bytes?: Uint8Array;
  /** Opens the bytes as a stream of chunks (files, caller streams). */
  open?: () => AsyncIterable<Uint8Array>;
  /** The local file behind `open`, if any: read into shared memory and hashed in place on the worker. */
  localFile?: string;
}

function isAsyncIterable(value: unknown): value is AsyncIterable<Uint8Array> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

function isWebStream(value: unknown): value is ReadableStream<Uint8Array> {
  return typeof value === 'object' && value !== null && typeof (value as { getReader?: unknown }).getReader === 'function';
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) for (const inner of await walk(full)) out.push(`${entry.name}/${inner}`);
    else if (entry.isFile()) out.push(entry.name);
  }
  return out;
}

async function fromLocalPath(prefix: string, localPath: string): Promise<PendingArtifact[]> {
  let info;
  try {
    info = await stat(localPath);
  } catch (error) {
    throw new InvalidArgumentError(
      `Artifact ${prefix ? `"${prefix}" ` : ''}points at the local path "${localPath}", which cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}). ` +
        'Pass an existing file or directory path, or the bytes themselves as a Uint8Array.',
      { cause: error },
    );
  }
  if (info.isFile()) {
    const name = prefix || path.basename(localPath);
    return [{ path: validateArtifactPath(name), localFile: localPath, open: () => createReadStream(localPath, { highWaterMark: 1024 * 1024 }) }];
  }
  if (!info.isDirectory()) throw new InvalidArgumentError(`Artifact path "${localPath}" is neither a file nor a directory.`);
  const files = await walk(localPath);
  return files.map((rel) => {
    const full = path.join(localPath, ...rel.split('/'));
    return {
      path: validateArtifactPath(prefix ? `${prefix}/${rel}` : rel),
      localFile: full,
      open: () => createReadStream(full, { highWaterMark: 1024 * 1024 }),
    };
  });
}

/**
 * Turns the `artifacts` argument into a flat list of files: a string value is a local file or
 * directory path (directories are walked, their files land under the key), bytes are stored as is,
 * streams are read once while uploading. A string `artifacts` is a directory whose contents become
 * the version's files.
 */
export async function collectArtifacts(artifacts: Record<string, ArtifactSource> | string): Promise<PendingArtifact[]> {
  if (typeof artifacts === 'string') return fromLocalPath('', artifacts);
  if (typeof artifacts !== 'object' || artifacts === null) {
    throw new InvalidArgumentError(
      `Expected artifacts to map relative paths to bytes, streams or local file paths (or to be a directory path), found ${artifacts === null ? 'null' : typeof artifacts}.`,
    );
  }
  const out: PendingArtifact[] = [];
  for (const [key, source] of Object.entries(artifacts)) {
    if (typeof source === 'string') {
      out.push(...(await fromLocalPath(validateArtifactPath(key), source)));
      continue;
    }
    validateArtifactPath(key);
    if (source instanceof Uint8Array) out.push({ path: key, bytes: source });
    else if (source instanceof Readable) out.push({ path: key, open: () => source });
    else if (isWebStream(source)) out.push({ path: key, open: () => Readable.fromWeb(source as NodeWebReadableStream<Uint8Array>) });
    else if (isAsyncIterable(source)) out.push({ path: key, open: () => source });
    else if (typeof source === 'object' && source !== null && typeof (source as { file?: unknown }).file === 'string') {
      out.push(...(await fromLocalPath(key, (source as { file: string }).file)));
    } else {
      throw new InvalidArgumentError(
        `Artifact "${key}" is ${source === null ? 'null' : typeof source}; expected a Uint8Array, a stream, an async iterable of bytes, or a local file/directory path string.`,
      );
    }
  }
  if (out.length === 0) {
    throw new InvalidArgumentError('A model version needs at least one artifact file; artifacts was empty (or an empty directory).');
  }
  const seen = new Set<string>();
  for (const artifact of out) {
    if (seen.has(artifact.path)) throw new InvalidArgumentError(`Two artifacts map to the same path "${artifact.path}"; give each file a distinct path.`);
    seen.add(artifact.path);
  }
  return out;
}
