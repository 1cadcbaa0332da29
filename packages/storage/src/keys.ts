import { InvalidArgumentError } from '@mlops/contracts/errors';

/** Longest key accepted, in UTF-8 bytes (S3's limit; GCS allows 1024 too). */
export const MAX_KEY_BYTES = 1024;

/**
 * Segment prefix reserved for the file store's own temp and lock files. Keys may not use it,
 * so a user object can never collide with (or be mistaken for) store bookkeeping.
 */
export const RESERVED_SEGMENT_PREFIX = '.mlops-';

// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

function fail(key: string, rule: string, fix: string): never {
  throw new InvalidArgumentError(
    `Invalid object key ${JSON.stringify(key)}: ${rule}. ${fix}`,
    { details: { key, rule } },
  );
}

/**
 * Check an object key against the rules every driver shares, and return it unchanged.
 *
 * Keys are `/`-separated relative paths: not empty, at most 1024 UTF-8 bytes, no leading `/`,
 * no empty, `.` or `..` segments, no backslashes, no NUL or other control characters, and no
 * segment starting with `.mlops-`. These rules make a key mean the same object on every
 * backend and make it impossible for a key to address anything outside the store's root.
 *
 * @throws `INVALID_ARGUMENT` naming the rule that was broken.
 */
export function validateKey(key: unknown): string {
  if (typeof key !== 'string') {
    throw new InvalidArgumentError(
      `Invalid object key: expected a string, found ${key === null ? 'null' : typeof key}. Pass a '/'-separated relative path such as "models/fraud/v3.json".`,
      { details: { rule: 'type' } },
    );
  }
  if (key.length === 0) fail(key, 'the key is empty', 'Pass a non-empty relative path such as "models/fraud/v3.json".');
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) {
    fail(key.slice(0, 64) + '…', `it is longer than ${MAX_KEY_BYTES} UTF-8 bytes`, 'Shorten the key.');
  }
  if (key.startsWith('/')) fail(key, 'it starts with "/"', 'Keys are relative to the store root: drop the leading "/".');
  if (key.includes('\\')) fail(key, 'it contains a backslash', 'Use "/" to separate key segments.');
  if (CONTROL_CHARS.test(key)) fail(key, 'it contains a NUL or control character', 'Remove control characters from the key.');
  for (const segment of key.split('/')) {
    if (segment === '') fail(key, 'it has an empty segment ("//" or a trailing "/")', 'Remove the doubled or trailing "/".');
    if (segment === '.' || segment === '..') fail(key, `it has a "${segment}" segment`, 'Keys may not navigate directories; write the path out in full.');
    if (segment.startsWith(RESERVED_SEGMENT_PREFIX)) {
      fail(key, `a segment starts with "${RESERVED_SEGMENT_PREFIX}", which is reserved for the store's own temp and lock files`, 'Rename that segment.');
    }
  }
  return key;
}

/**
 * Check a list prefix or `startAfter` value: like a key, but it may be empty and may end in `/`
 * (a "directory" prefix) or in a partial segment.
 */
export function validateKeyPrefix(value: unknown, what: 'prefix' | 'startAfter'): string {
  if (value === undefined || value === '') return '';
  if (typeof value !== 'string') {
    throw new InvalidArgumentError(`Invalid list ${what}: expected a string, found ${value === null ? 'null' : typeof value}.`, {
      details: { rule: 'type' },
    });
  }
  // A prefix like "models/" is a key with one trailing slash; validate the part before it.
  const body = value.endsWith('/') ? value.slice(0, -1) : value;
  if (body === '') {
    throw new InvalidArgumentError(`Invalid list ${what} "/": keys never start with "/". Use "" to list everything.`, {
      details: { rule: 'leading-slash' },
    });
  }
  try {
    validateKey(body);
  } catch (error) {
    if (error instanceof InvalidArgumentError) {
      throw new InvalidArgumentError(error.message.replace('Invalid object key', `Invalid list ${what}`), {
        details: error.details,
      });
    }
    throw error;
  }
  return value;
}

/** Compare two keys in UTF-8 byte order, the order S3 and GCS list in. */
export function compareKeys(a: string, b: string): number {
  // UTF-16 code-unit order equals UTF-8 byte order except around surrogates; only pay for the
  // byte comparison when a character outside the BMP's lower range is involved.
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca === cb) continue;
    if (ca < 0xd800 && cb < 0xd800) return ca - cb;
    return Buffer.compare(Buffer.from(a.slice(i), 'utf8'), Buffer.from(b.slice(i), 'utf8'));
  }
  return a.length - b.length;
}

/** Normalise a store prefix (S3/GCS): no leading `/`, exactly one trailing `/` unless empty. */
export function normalizeStorePrefix(prefix: string | undefined): string {
  if (prefix === undefined || prefix === '' || prefix === '/') return '';
  const trimmed = prefix.replace(/^\/+/, '').replace(/\/+$/, '');
  if (trimmed === '') return '';
  validateKey(trimmed);
  return `${trimmed}/`;
}
