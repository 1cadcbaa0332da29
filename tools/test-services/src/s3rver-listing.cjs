// @ts-check
'use strict';
/*
 * Replaces s3rver 3.7.1's bucket listing (FilesystemStore#listObjects and the GET Bucket
 * controller) with one that follows S3's documented ListObjects / ListObjectsV2 semantics.
 *
 * s3rver walked its directory tree in readdir order, pruned directories below the first
 * delimiter (so "a/models/" vanished when it only held sub-directories), compared keys as
 * file paths (so "a/b" sorted before "a-b"), counted only keys toward MaxKeys and resumed
 * continuation tokens from the last key (so a page ending in a common prefix repeated it).
 *
 * Here every listing collects the bucket's keys under the prefix, sorts them by UTF-8
 * bytes, and walks them once: keys and rolled-up common prefixes form one ordered sequence
 * of entries, MaxKeys counts entries, and StartAfter / Marker / a continuation token all
 * mean "entries strictly after this name" (so resuming after a common prefix skips every
 * key beneath it).
 */
const { format } = require('node:util');
const path = require('node:path');

const S3RVER_OBJECT_SUFFIX = format('%s._S3rver_%s', '', 'object');

/** @param {string} a @param {string} b */
function compareUtf8(a, b) {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * @typedef {{ prefix: string; delimiter: string; startAfter: string; maxKeys: number }} ListOptions
 * @typedef {{ keys: string[]; commonPrefixes: string[]; isTruncated: boolean; lastEntry: string | undefined }} ListPage
 */

/**
 * One page of a listing over `sortedKeys` (all starting with `options.prefix`, in UTF-8
 * byte order).
 * @param {string[]} sortedKeys
 * @param {ListOptions} options
 * @returns {ListPage}
 */
function listPage(sortedKeys, options) {
  const { prefix, delimiter, startAfter, maxKeys } = options;
  const after = Buffer.from(startAfter, 'utf8');
  // First key strictly after startAfter (binary search over the byte order).
  let lo = 0;
  let hi = sortedKeys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (Buffer.compare(Buffer.from(/** @type {string} */ (sortedKeys[mid]), 'utf8'), after) <= 0) lo = mid + 1;
    else hi = mid;
  }
  /** @type {string[]} */
  const keys = [];
  /** @type {string[]} */
  const commonPrefixes = [];
  /** @type {string | undefined} */
  let lastEntry;
  let count = 0;
  let isTruncated = false;
  for (let i = lo; i < sortedKeys.length; i++) {
    const key = /** @type {string} */ (sortedKeys[i]);
    /** @type {string | undefined} */
    let rolledUp;
    if (delimiter) {
      const at = key.indexOf(delimiter, prefix.length);
      if (at !== -1) rolledUp = key.slice(0, at + delimiter.length);
    }
    if (rolledUp !== undefined) {
      // Keys under one common prefix are contiguous in byte order: the first one emits it,
      // the rest (and all of them when the prefix is not after startAfter) are skipped.
      if (rolledUp === lastEntry || compareUtf8(rolledUp, startAfter) <= 0) continue;
    }
    if (count === maxKeys) {
      isTruncated = true;
      break;
    }
    count++;
    if (rolledUp !== undefined) {
      commonPrefixes.push(rolledUp);
      lastEntry = rolledUp;
    } else {
      keys.push(key);
      lastEntry = key;
    }
  }
  return { keys, commonPrefixes, isTruncated, lastEntry };
}

/**
 * Every key of a bucket directory that starts with `prefix`, in UTF-8 byte order.
 * @param {string} bucketPath
 * @param {string} prefix
 * @param {(dir: string, recurse: (dirPath: string) => boolean) => Iterable<string>} walk
 * @param {(keyPath: string) => string} decodeKeyPath
 */
function collectKeys(bucketPath, prefix, walk, decodeKeyPath) {
  const root = path.posix.join(bucketPath, '/').replace(/\/$/, '');
  /** @param {string} p */
  const relative = (p) => decodeKeyPath(p.slice(root.length + 1));
  /** @type {string[]} */
  const keys = [];
  // Only the prefix prunes directories: a directory may hold keys under the prefix at any
  // depth, and delimiter roll-ups need at least one key below each common prefix.
  const recurse = (/** @type {string} */ dirPath) => {
    const dir = `${relative(dirPath)}/`;
    return dir.startsWith(prefix) || prefix.startsWith(dir);
  };
  for (const filePath of walk(root, recurse)) {
    if (!filePath.endsWith(S3RVER_OBJECT_SUFFIX)) continue;
    const key = relative(filePath).slice(0, -S3RVER_OBJECT_SUFFIX.length);
    if (key.startsWith(prefix)) keys.push(key);
  }
  const buffers = new Map(keys.map((k) => [k, Buffer.from(k, 'utf8')]));
  keys.sort((a, b) => Buffer.compare(/** @type {Buffer} */ (buffers.get(a)), /** @type {Buffer} */ (buffers.get(b))));
  return keys;
}

const TOKEN_VERSION = 1;

/** @param {string} bucket @param {string} after */
function encodeContinuationToken(bucket, after) {
  return Buffer.from(JSON.stringify({ v: TOKEN_VERSION, b: bucket, a: after }), 'utf8').toString('base64url');
}

/** @param {string} token @param {string} bucket @returns {string | undefined} */
function decodeContinuationToken(token, bucket) {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (parsed && parsed.v === TOKEN_VERSION && parsed.b === bucket && typeof parsed.a === 'string') return parsed.a;
  } catch {
    // fall through: not one of ours
  }
  return undefined;
}

/**
 * Installs the listing on s3rver's modules. Must run before s3rver's router handles a
 * request (the router looks controllers up per request).
 * @param {{
 *   FilesystemStore: { prototype: Record<string, unknown>; decodeKeyPath(keyPath: string): string };
 *   bucketController: Record<string, unknown>;
 *   S3Error: new (code: string, message: string, detail?: Record<string, unknown>) => Error;
 *   S3Object: new (bucket: string, key: string, content: null, metadata: Record<string, string>) => { key: string; size: number; lastModifiedDate: Date; metadata: Record<string, string> };
 *   DUMMY_ACCOUNT: { id: string; displayName: string };
 *   walk: (dir: string, recurse: (dirPath: string) => boolean) => Iterable<string>;
 * }} s3rver
 */
function installListing(s3rver) {
  const { FilesystemStore, bucketController, S3Error, S3Object, DUMMY_ACCOUNT, walk } = s3rver;

  /**
   * Same contract as s3rver's (deleteBucket and DeleteObjects use it too), plus `lastEntry`.
   * @this {{ getBucketPath(bucket: string): string; getMetadata(bucket: string, key: string): Promise<Record<string, string>> }}
   * @param {string} bucket
   * @param {{ prefix?: string; delimiter?: string; startAfter?: string; maxKeys?: number }} [options]
   */
  async function listObjects(bucket, options = {}) {
    const prefix = options.prefix ?? '';
    const sorted = collectKeys(this.getBucketPath(bucket), prefix, walk, FilesystemStore.decodeKeyPath);
    const page = listPage(sorted, {
      prefix,
      delimiter: options.delimiter ?? '',
      startAfter: options.startAfter ?? '',
      maxKeys: options.maxKeys ?? Infinity,
    });
    const metadata = await Promise.all(
      page.keys.map((key) =>
        this.getMetadata(bucket, key).catch((/** @type {{ code?: string }} */ err) => {
          // Deleted between the walk and now: S3 would not list it either.
          if (err.code === 'ENOENT') return undefined;
          throw err;
        }),
      ),
    );
    /** @type {InstanceType<typeof S3Object>[]} */
    const objects = [];
    page.keys.forEach((key, i) => {
      const m = metadata[i];
      if (m !== undefined) objects.push(new S3Object(bucket, key, null, m));
    });
    return { objects, commonPrefixes: page.commonPrefixes, isTruncated: page.isTruncated, lastEntry: page.lastEntry };
  }
  FilesystemStore.prototype.listObjects = listObjects;

  /**
   * GET Bucket (ListObjects v1 and, with list-type=2, ListObjectsV2).
   * @param {any} ctx koa context
   */
  async function getBucket(ctx) {
    /** @type {Record<string, string | string[] | undefined>} */
    const query = ctx.query;
    /** @param {string} name */
    const param = (name) => {
      const value = query[name];
      return Array.isArray(value) ? value[0] : value;
    };
    const v2 = param('list-type') === '2';
    const bucket = ctx.params.bucket;
    const prefix = param('prefix') ?? '';
    const delimiter = param('delimiter') ?? '';
    const encodingType = param('encoding-type');
    if (encodingType !== undefined && encodingType !== 'url') {
      throw new S3Error('InvalidArgument', 'Invalid Encoding Method specified in Request', {
        ArgumentName: 'encoding-type',
        ArgumentValue: encodingType,
      });
    }
    let maxKeys = 1000;
    const maxKeysParam = param('max-keys');
    if (maxKeysParam !== undefined) {
      if (!/^-?\d+$/.test(maxKeysParam)) {
        throw new S3Error('InvalidArgument', 'Provided max-keys not an integer or within integer range', {
          ArgumentName: 'max-keys',
          ArgumentValue: maxKeysParam,
        });
      }
      const n = Number(maxKeysParam);
      if (n < 0 || n > 2147483647) {
        throw new S3Error('InvalidArgument', 'Argument maxKeys must be an integer between 0 and 2147483647', {
          ArgumentName: 'maxKeys',
          ArgumentValue: n,
        });
      }
      maxKeys = Math.min(1000, n);
    }
    let startAfter = '';
    const token = param('continuation-token');
    if (v2) {
      if ('marker' in query) {
        throw new S3Error('InvalidArgument', 'Marker unsupported with REST.GET.BUCKET in list-type=2', { ArgumentName: 'marker' });
      }
      if (token !== undefined) {
        const after = decodeContinuationToken(token, bucket);
        if (after === undefined) {
          throw new S3Error('InvalidArgument', 'The continuation token provided is incorrect', { ArgumentName: 'continuation-token' });
        }
        startAfter = after;
      } else {
        startAfter = param('start-after') ?? '';
      }
    } else {
      if ('continuation-token' in query) {
        throw new S3Error('InvalidArgument', 'continuation-token only supported in REST.GET.BUCKET with list-type=2', {
          ArgumentName: 'continuation-token',
        });
      }
      if ('start-after' in query) {
        throw new S3Error('InvalidArgument', 'startAfter only supported in REST.GET.BUCKET with list-type=2', {
          ArgumentName: 'start-after',
        });
      }
      startAfter = param('marker') ?? '';
    }
    const result =
      maxKeys === 0
        ? { objects: [], commonPrefixes: [], isTruncated: false, lastEntry: undefined }
        : await ctx.store.listObjects(bucket, { prefix, delimiter, startAfter, maxKeys });
    const fetchOwner = v2 ? param('fetch-owner') === 'true' : true;
    /** @param {string | undefined} value */
    const encode = (value) => (value !== undefined && encodingType === 'url' ? encodeURIComponent(value) : value);
    const nextAfter = result.isTruncated ? result.lastEntry : undefined;
    ctx.body = {
      ListBucketResult: {
        '@': { xmlns: 'http://s3.amazonaws.com/doc/2006-03-01/' },
        Name: bucket,
        Prefix: encode(prefix),
        ...(v2
          ? {
              StartAfter: 'start-after' in query ? encode(param('start-after')) : undefined,
              ContinuationToken: token,
              NextContinuationToken: nextAfter !== undefined ? encodeContinuationToken(bucket, nextAfter) : undefined,
              KeyCount: result.objects.length + result.commonPrefixes.length,
            }
          : {
              Marker: encode(startAfter),
              // S3 sends NextMarker only with a delimiter; otherwise clients resume from the last key.
              NextMarker: delimiter && nextAfter !== undefined ? encode(nextAfter) : undefined,
            }),
        MaxKeys: maxKeysParam ?? 1000,
        Delimiter: delimiter ? encode(delimiter) : undefined,
        EncodingType: encodingType,
        IsTruncated: result.isTruncated,
        Contents: result.objects.map((/** @type {InstanceType<typeof S3Object>} */ object) => ({
          Key: encode(object.key),
          LastModified: object.lastModifiedDate.toISOString(),
          ETag: object.metadata['etag'],
          Size: object.size,
          Owner: fetchOwner ? { ID: DUMMY_ACCOUNT.id, DisplayName: DUMMY_ACCOUNT.displayName } : undefined,
          StorageClass: 'STANDARD',
        })),
        CommonPrefixes: result.commonPrefixes.map((/** @type {string} */ p) => ({ Prefix: encode(p) })),
      },
    };
  }
  bucketController.getBucket = getBucket;
}

module.exports = { installListing, listPage, compareUtf8 };
