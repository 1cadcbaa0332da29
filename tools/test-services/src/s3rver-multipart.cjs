// @ts-check
'use strict';
/*
 * Adds the two multipart operations s3rver 3.7.1 lacks, on top of its own multipart store
 * (InitiateMultipartUpload / UploadPart / CompleteMultipartUpload keep s3rver's code):
 *
 * - ListMultipartUploads (GET /<bucket>?uploads; s3rver answered 501): the uploads that were
 *   initiated and neither completed nor aborted, ordered by key (UTF-8 bytes) then initiation
 *   time, with prefix, delimiter, key-marker / upload-id-marker and max-uploads as S3 documents;
 * - AbortMultipartUpload (DELETE /<bucket>/<key>?uploadId=…; s3rver answered 405): removes the
 *   upload and its parts, NoSuchUpload (404) for an unknown id or another key's id.
 *
 * It also makes a part upload or a completion against an aborted (or unknown) upload answer
 * NoSuchUpload as S3 does, instead of recreating the upload's directory (UploadPart) or failing
 * with a 500 (CompleteMultipartUpload); a part that was being written while its upload was
 * aborted is removed when it lands.
 *
 * s3rver keeps an upload in <bucket>/._S3rver_uploads/<uploadId>/ with files `key`, `metadata`
 * and one file per part; `key` is written once when the upload is initiated, so its mtime is the
 * upload's initiation time.
 */
const fs = require('node:fs');
const path = require('node:path');
const { compareUtf8 } = require('./s3rver-listing.cjs');

const UPLOAD_ID = /^[0-9a-f]{32}$/;

/** @param {unknown} err @param {string} code */
function hasCode(err, code) {
  return typeof err === 'object' && err !== null && /** @type {{ code?: unknown }} */ (err).code === code;
}

/**
 * @typedef {{ key: string; uploadId: string; initiated: Date }} Upload
 * @typedef {{ getResourcePath(bucket: string, key: string | undefined, resource: string): string }} StoreLike
 */

/**
 * Every open upload of a bucket, ordered by key bytes, then initiation time, then id.
 * @param {StoreLike} store
 * @param {string} bucket
 * @returns {Promise<Upload[]>}
 */
async function openUploads(store, bucket) {
  const root = store.getResourcePath(bucket, undefined, 'uploads');
  /** @type {string[]} */
  let ids;
  try {
    ids = await fs.promises.readdir(root);
  } catch (err) {
    if (hasCode(err, 'ENOENT')) return [];
    throw err;
  }
  /** @type {Upload[]} */
  const uploads = [];
  await Promise.all(
    ids.map(async (uploadId) => {
      if (!UPLOAD_ID.test(uploadId)) return;
      const keyFile = path.join(root, uploadId, 'key');
      try {
        const [key, stat] = await Promise.all([fs.promises.readFile(keyFile, 'utf8'), fs.promises.stat(keyFile)]);
        uploads.push({ key, uploadId, initiated: stat.mtime });
      } catch (err) {
        // Completed or aborted between the readdir and now: S3 would not list it either.
        if (!hasCode(err, 'ENOENT')) throw err;
      }
    }),
  );
  uploads.sort(
    (a, b) => compareUtf8(a.key, b.key) || a.initiated.getTime() - b.initiated.getTime() || (a.uploadId < b.uploadId ? -1 : a.uploadId > b.uploadId ? 1 : 0),
  );
  return uploads;
}

/**
 * One page of ListMultipartUploads over `uploads` (sorted as {@link openUploads} sorts).
 * @param {Upload[]} uploads
 * @param {{ prefix: string; delimiter: string; keyMarker: string; uploadIdMarker: string; maxUploads: number }} options
 */
function uploadsPage(uploads, options) {
  const { prefix, delimiter, keyMarker, uploadIdMarker, maxUploads } = options;
  let start = 0;
  if (keyMarker) {
    // With an upload-id-marker: the marker key's uploads after that id; without: keys after the marker.
    const markerAt = uploadIdMarker ? uploads.findIndex((u) => u.key === keyMarker && u.uploadId === uploadIdMarker) : -1;
    start = markerAt !== -1 ? markerAt + 1 : uploads.findIndex((u) => compareUtf8(u.key, keyMarker) > 0);
    if (start === -1) start = uploads.length;
  }
  /** @type {Upload[]} */
  const page = [];
  /** @type {string[]} */
  const commonPrefixes = [];
  /** @type {Upload | undefined} */
  let last;
  let isTruncated = false;
  for (let i = start; i < uploads.length; i++) {
    const upload = /** @type {Upload} */ (uploads[i]);
    if (!upload.key.startsWith(prefix)) continue;
    /** @type {string | undefined} */
    let rolledUp;
    if (delimiter) {
      const at = upload.key.indexOf(delimiter, prefix.length);
      if (at !== -1) rolledUp = upload.key.slice(0, at + delimiter.length);
    }
    if (rolledUp !== undefined && commonPrefixes[commonPrefixes.length - 1] === rolledUp) continue;
    if (page.length + commonPrefixes.length === maxUploads) {
      isTruncated = true;
      break;
    }
    if (rolledUp !== undefined) commonPrefixes.push(rolledUp);
    else page.push(upload);
    last = upload;
  }
  return { uploads: page, commonPrefixes, isTruncated, last };
}

/**
 * Installs ListMultipartUploads, AbortMultipartUpload and NoSuchUpload answers on s3rver's
 * router and filesystem store. Must run before the router handles a request.
 * @param {{
 *   router: { get(path: string, ...middleware: ((ctx: any, next: () => Promise<void>) => unknown)[]): unknown; delete(path: string, ...middleware: ((ctx: any, next: () => Promise<void>) => unknown)[]): unknown; stack: { path: string; methods: string[] }[] };
 *   FilesystemStore: { prototype: Record<string, any> };
 *   bucketExists: (ctx: any, next?: () => Promise<void>) => Promise<void>;
 *   S3Error: new (code: string, message: string, detail?: Record<string, unknown>) => Error;
 *   DUMMY_ACCOUNT: { id: string; displayName: string };
 * }} s3rver
 */
function installMultipart(s3rver) {
  const { router, FilesystemStore, bucketExists, S3Error, DUMMY_ACCOUNT } = s3rver;

  /** @param {string} uploadId */
  const noSuchUpload = (uploadId) =>
    new S3Error('NoSuchUpload', 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.', {
      UploadId: uploadId,
    });

  /** @param {StoreLike} store @param {string} bucket @param {string} uploadId */
  const uploadDir = (store, bucket, uploadId) => path.join(store.getResourcePath(bucket, undefined, 'uploads'), uploadId);

  /** @param {StoreLike} store @param {string} bucket @param {unknown} uploadId @returns {Promise<string | undefined>} the upload's key */
  async function uploadKey(store, bucket, uploadId) {
    if (typeof uploadId !== 'string' || !UPLOAD_ID.test(uploadId)) return undefined;
    try {
      return await fs.promises.readFile(path.join(uploadDir(store, bucket, uploadId), 'key'), 'utf8');
    } catch (err) {
      if (hasCode(err, 'ENOENT')) return undefined;
      throw err;
    }
  }

  /** @param {any} ctx koa context */
  async function listMultipartUploads(ctx) {
    await bucketExists(ctx);
    /** @param {string} name */
    const param = (name) => {
      const value = ctx.query[name];
      return Array.isArray(value) ? value[0] : value;
    };
    const encodingType = param('encoding-type');
    if (encodingType !== undefined && encodingType !== 'url') {
      throw new S3Error('InvalidArgument', 'Invalid Encoding Method specified in Request', { ArgumentName: 'encoding-type', ArgumentValue: encodingType });
    }
    let maxUploads = 1000;
    const maxParam = param('max-uploads');
    if (maxParam !== undefined) {
      if (!/^\d+$/.test(maxParam) || Number(maxParam) > 2147483647) {
        throw new S3Error('InvalidArgument', 'Argument max-uploads must be an integer between 0 and 2147483647', {
          ArgumentName: 'max-uploads',
          ArgumentValue: maxParam,
        });
      }
      maxUploads = Math.min(1000, Number(maxParam));
    }
    const prefix = param('prefix') ?? '';
    const delimiter = param('delimiter') ?? '';
    const keyMarker = param('key-marker') ?? '';
    const uploadIdMarker = param('upload-id-marker') ?? '';
    const bucket = ctx.params.bucket;
    const all = await openUploads(ctx.store, bucket);
    const page = uploadsPage(all, { prefix, delimiter, keyMarker, uploadIdMarker, maxUploads });
    /** @param {string | undefined} value */
    const encode = (value) => (value !== undefined && encodingType === 'url' ? encodeURIComponent(value) : value);
    const owner = { ID: DUMMY_ACCOUNT.id, DisplayName: DUMMY_ACCOUNT.displayName };
    ctx.body = {
      ListMultipartUploadsResult: {
        '@': { xmlns: 'http://s3.amazonaws.com/doc/2006-03-01/' },
        Bucket: bucket,
        KeyMarker: encode(keyMarker),
        UploadIdMarker: uploadIdMarker,
        NextKeyMarker: page.isTruncated && page.last ? encode(page.last.key) : undefined,
        NextUploadIdMarker: page.isTruncated && page.last ? page.last.uploadId : undefined,
        Prefix: encode(prefix),
        Delimiter: delimiter ? encode(delimiter) : undefined,
        MaxUploads: maxUploads,
        EncodingType: encodingType,
        IsTruncated: page.isTruncated,
        Upload: page.uploads.map((u) => ({
          Key: encode(u.key),
          UploadId: u.uploadId,
          Initiator: owner,
          Owner: owner,
          StorageClass: 'STANDARD',
          Initiated: u.initiated.toISOString(),
        })),
        CommonPrefixes: page.commonPrefixes.map((p) => ({ Prefix: encode(p) })),
      },
    };
  }

  /** @param {any} ctx koa context */
  async function abortMultipartUpload(ctx) {
    const uploadId = ctx.query.uploadId;
    const key = await uploadKey(ctx.store, ctx.params.bucket, uploadId);
    if (key === undefined || key !== ctx.params.key) throw noSuchUpload(String(uploadId));
    await fs.promises.rm(uploadDir(ctx.store, ctx.params.bucket, uploadId), { recursive: true, force: true });
    ctx.status = 204;
    ctx.body = '';
  }

  // Each handler runs in a layer placed just before s3rver's own layer for that route, and passes
  // every other request on to it.
  /**
   * @param {'get' | 'delete'} method
   * @param {string} routePath
   * @param {(ctx: any) => boolean} matches
   * @param {(ctx: any) => Promise<void>} handler
   */
  function addBefore(method, routePath, matches, handler) {
    const original = router.stack.findIndex((layer) => layer.path === routePath && layer.methods.includes(method.toUpperCase()));
    if (original === -1) throw new Error(`s3rver-multipart: no ${method.toUpperCase()} ${routePath} route to extend (s3rver changed?)`);
    router[method](routePath, (/** @type {any} */ ctx, /** @type {() => Promise<void>} */ next) => (matches(ctx) ? handler(ctx) : next()));
    const added = /** @type {{ path: string; methods: string[] }} */ (router.stack.pop());
    router.stack.splice(original, 0, added);
  }
  addBefore('get', '/:bucket', (ctx) => ctx.params.queryMethod === 'uploads', listMultipartUploads);
  addBefore('delete', '/:bucket/:key+', (ctx) => ctx.params.queryMethod === 'uploadId', abortMultipartUpload);

  const putPart = FilesystemStore.prototype.putPart;
  /**
   * @this {StoreLike}
   * @param {string} bucket @param {string} uploadId @param {string} partNumber @param {NodeJS.ReadableStream} content
   */
  FilesystemStore.prototype.putPart = async function checkedPutPart(bucket, uploadId, partNumber, content) {
    if ((await uploadKey(this, bucket, uploadId)) === undefined) {
      // Drain the body so the client reads the error instead of a reset connection.
      content.resume();
      throw noSuchUpload(uploadId);
    }
    const result = await putPart.call(this, bucket, uploadId, partNumber, content);
    if ((await uploadKey(this, bucket, uploadId)) === undefined) {
      // Aborted while this part was written: s3rver's mkdirp recreated the directory for it.
      await fs.promises.rm(uploadDir(this, bucket, uploadId), { recursive: true, force: true });
      throw noSuchUpload(uploadId);
    }
    return result;
  };

  const putObjectMultipart = FilesystemStore.prototype.putObjectMultipart;
  /** @this {StoreLike} @param {string} bucket @param {string} uploadId @param {unknown} parts */
  FilesystemStore.prototype.putObjectMultipart = async function checkedComplete(bucket, uploadId, parts) {
    if ((await uploadKey(this, bucket, uploadId)) === undefined) throw noSuchUpload(uploadId);
    return putObjectMultipart.call(this, bucket, uploadId, parts);
  };
}

module.exports = { installMultipart, uploadsPage };
