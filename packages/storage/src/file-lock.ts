import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode, MlopsError } from '@mlops/contracts/errors';

/** Settings for cross-process lock files. */
export interface FileLockOptions {
  /** A lock older than this is taken to be left behind by a crashed writer and broken. */
  staleMs: number;
  /** Give up waiting for a lock after this long. */
  timeoutMs: number;
}

interface LockOwner {
  pid: number;
  host: string;
  token: string;
}

const host = hostname();

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockOwner>;
    if (typeof value.pid === 'number' && typeof value.host === 'string' && typeof value.token === 'string') {
      return value as LockOwner;
    }
  } catch {
    // Half-written by an owner that is between open() and write(): not parseable yet.
  }
  return undefined;
}

// Lock files are tiny and local: their syscalls run synchronously (microseconds each), which
// costs less than a threadpool round trip per call on the hot path of every write.
function readLock(path: string): { text: string; ageMs: number } | undefined {
  try {
    const text = readFileSync(path, 'utf8');
    return { text, ageMs: Date.now() - statSync(path).mtimeMs };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Remove a stale lock without racing another breaker: only the holder of `<lock>.break` may
 * delete, and only if the lock still holds the very content judged stale (so a fresh lock
 * taken in between is never deleted).
 */
function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

function breakStaleLock(path: string, staleText: string, options: FileLockOptions): void {
  const breaker = `${path}.break`;
  try {
    closeSync(openSync(breaker, 'wx'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const existing = readLock(breaker);
    // A breaker that crashed mid-break would block everyone forever; it is only held for
    // microseconds, so one older than staleMs is abandoned.
    if (existing && existing.ageMs > options.staleMs) unlinkQuietly(breaker);
    return;
  }
  try {
    const current = readLock(path);
    if (current && current.text === staleText) unlinkQuietly(path);
  } finally {
    unlinkQuietly(breaker);
  }
}

function isStale(lock: { text: string; ageMs: number }, options: FileLockOptions): boolean {
  if (lock.ageMs > options.staleMs) return true;
  const owner = parseOwner(lock.text);
  return owner !== undefined && owner.host === host && owner.pid !== process.pid && !isProcessAlive(owner.pid);
}

/**
 * Take an exclusive lock file (created with `O_EXCL`), waiting with jittered backoff while
 * another process holds it, and breaking it if its owner died. Returns the release function.
 */
export async function acquireFileLock(path: string, options: FileLockOptions, signal?: AbortSignal): Promise<() => Promise<void>> {
  const token = randomBytes(8).toString('hex');
  const content = JSON.stringify({ pid: process.pid, host, token, at: new Date().toISOString() });
  const deadline = Date.now() + options.timeoutMs;
  let delayMs = 1;
  while (true) {
    signal?.throwIfAborted();
    try {
      const fd = openSync(path, 'wx');
      try {
        writeSync(fd, content);
      } finally {
        closeSync(fd);
      }
      return async () => {
        // Only remove our own lock: if it was broken as stale and re-taken, it is not ours.
        const current = readLock(path);
        if (current && current.text === content) unlinkQuietly(path);
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const existing = readLock(path);
    if (existing && isStale(existing, options)) {
      breakStaleLock(path, existing.text, options);
      continue;
    }
    if (Date.now() > deadline) {
      throw new MlopsError(
        ErrorCode.Timeout,
        `Timed out after ${options.timeoutMs} ms waiting for the write lock ${path}, held by ${existing?.text ?? 'another writer'}. ` +
          'Another writer holds it; retry, or if no writer is running delete the lock file.',
        { retryable: true, details: { lockPath: path } },
      );
    }
    await sleep(delayMs * (0.5 + Math.random()));
    delayMs = Math.min(delayMs * 2, 25);
  }
}

/**
 * Serialises async work per key inside one process, so the file lock is only contended by
 * other processes rather than polled by many callers of the same process.
 */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    await previous;
    try {
      return await work();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
