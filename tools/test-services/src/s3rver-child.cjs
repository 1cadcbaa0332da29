// @ts-check
'use strict';
/*
 * Runs the real s3rver 3.7.1 in its own process (started by s3-server.ts with
 * NODE_OPTIONS=--openssl-legacy-provider, which s3rver's DES continuation tokens need, so
 * the test process itself keeps the default OpenSSL providers).
 *
 * Bucket listings (ListObjects v1/v2) are replaced by s3rver-listing.cjs, which follows S3's
 * ordering, delimiter and pagination rules (s3rver's own lost common prefixes).
 *
 * Three patches make s3rver's filesystem store behave like S3 under concurrency:
 * - putObject writes the object, its md5 and its metadata to temporary files and renames
 *   them into place, so a reader never sees a half-written object (s3rver truncates the
 *   live file in place) and an open download keeps reading the old bytes;
 * - the directory walk behind ListObjects tolerates files that vanish between readdir and
 *   stat (a concurrent delete or rename made s3rver answer 500) and skips temporary files;
 * - deleteObject's empty-directory cleanup tolerates a concurrent writer re-filling or
 *   removing the directory.
 *
 * ListMultipartUploads and AbortMultipartUpload, which s3rver lacks, come from s3rver-multipart.cjs.
 *
 * Protocol with the parent (IPC): the child sends { type: 'ready', port } once listening,
 * or { type: 'error', message } if it cannot start. It exits when the parent disconnects.
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { pipeline } = require('node:stream/promises');
const { Transform } = require('node:stream');

const PARTIAL_MARKER = '.mlops-partial-';

/** @param {unknown} err @param {string} code */
function hasCode(err, code) {
  return typeof err === 'object' && err !== null && /** @type {{ code?: unknown }} */ (err).code === code;
}

// Must be patched before s3rver's store module destructures `walk` from utils.
const utils = require('s3rver/lib/utils');
/**
 * @param {string} dir
 * @param {(dirPath: string) => boolean} [recurseFilter]
 * @returns {Generator<string>}
 */
function* tolerantWalk(dir, recurseFilter) {
  /** @type {fs.Dirent[]} */
  let entries;
  try {
    // Entry types come with the directory read, so listings need no stat per file (three
    // files per key); only a filesystem that reports no types costs a stat.
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    if (hasCode(err, 'ENOENT') || hasCode(err, 'ENOTDIR')) return;
    throw err;
  }
  for (const entry of entries) {
    const name = entry.name;
    if (name.includes(PARTIAL_MARKER)) continue;
    const filePath = path.posix.join(dir, name);
    let isDirectory = entry.isDirectory();
    if (!isDirectory && !entry.isFile()) {
      try {
        isDirectory = fs.statSync(filePath).isDirectory();
      } catch (err) {
        if (hasCode(err, 'ENOENT')) continue;
        throw err;
      }
    }
    if (!isDirectory) {
      yield filePath;
    } else if (!recurseFilter || recurseFilter(filePath)) {
      yield* tolerantWalk(filePath, recurseFilter);
    }
  }
}
utils.walk = tolerantWalk;

const FilesystemStore = require('s3rver/lib/stores/filesystem');
const { installListing } = require('./s3rver-listing.cjs');
const { installMultipart } = require('./s3rver-multipart.cjs');
const S3rver = require('s3rver');

/**
 * @typedef {{ bucket: string; key: string; content: Buffer | NodeJS.ReadableStream; metadata: Record<string, string> }} StoredObject
 * @typedef {{ getResourcePath(bucket: string, key: string | undefined, resource: string): string; getBucketPath(bucket: string): string }} StoreLike
 */

/** @param {string} file */
function partialName(file) {
  return `${file}${PARTIAL_MARKER}${crypto.randomBytes(6).toString('hex')}`;
}

/**
 * @this {StoreLike}
 * @param {StoredObject} object
 * @returns {Promise<{ size: number; md5: string }>}
 */
async function atomicPutObject(object) {
  const objectPath = this.getResourcePath(object.bucket, object.key, 'object');
  const md5Path = this.getResourcePath(object.bucket, object.key, 'object.md5');
  const metadataPath = this.getResourcePath(object.bucket, object.key, 'metadata.json');
  const dir = path.dirname(objectPath);
  const tmpObject = partialName(objectPath);
  const tmpMd5 = partialName(md5Path);
  const tmpMetadata = partialName(metadataPath);
  // A concurrent delete of a sibling key may remove an empty parent directory between our
  // mkdir and open; retry the mkdir a few times rather than fail the upload.
  /** @type {fs.promises.FileHandle} */
  let handle;
  for (let attempt = 0; ; attempt++) {
    await fs.promises.mkdir(dir, { recursive: true });
    try {
      handle = await fs.promises.open(tmpObject, 'w');
      break;
    } catch (err) {
      if (!hasCode(err, 'ENOENT') || attempt >= 5) throw err;
    }
  }
  const hash = crypto.createHash('md5');
  let size = 0;
  try {
    if (Buffer.isBuffer(object.content)) {
      hash.update(object.content);
      size = object.content.length;
      await handle.writeFile(object.content);
      await handle.close();
    } else {
      await pipeline(
        object.content,
        new Transform({
          transform(chunk, _encoding, callback) {
            hash.update(chunk);
            size += chunk.length;
            callback(null, chunk);
          },
        }),
        handle.createWriteStream(),
      );
    }
    const md5 = hash.digest('hex');
    const metadata = object.metadata;
    const json = {};
    for (const name of Object.keys(metadata)) {
      const value = metadata[name];
      if (value !== undefined && (ALLOWED_METADATA.has(name) || name.startsWith('x-amz-meta-'))) {
        /** @type {Record<string, string>} */ (json)[name] = value;
      }
    }
    await Promise.all([
      fs.promises.writeFile(tmpMd5, md5),
      fs.promises.writeFile(tmpMetadata, JSON.stringify(json, null, 2)),
    ]);
    // Object (and metadata) before md5: a reader racing this sees at worst new bytes with
    // the old ETag, which makes an If-Match built from that read fail (safe), never old
    // bytes with the new ETag (which would let a stale compare-and-swap through).
    await Promise.all([fs.promises.rename(tmpMetadata, metadataPath), fs.promises.rename(tmpObject, objectPath)]);
    await fs.promises.rename(tmpMd5, md5Path);
    return { size, md5 };
  } catch (err) {
    await handle.close().catch(() => undefined);
    await Promise.all(
      [tmpObject, tmpMd5, tmpMetadata].map((file) => fs.promises.rm(file, { force: true })),
    );
    throw err;
  }
}

/**
 * @this {StoreLike}
 * @param {string} bucket
 * @param {string} key
 */
async function tolerantDeleteObject(bucket, key) {
  await Promise.all(
    ['object', 'object.md5', 'metadata.json'].map((resource) =>
      fs.promises.rm(this.getResourcePath(bucket, key, resource), { force: true }),
    ),
  );
  const bucketPath = this.getBucketPath(bucket);
  const parts = key.split('/');
  parts.pop();
  while (parts.length) {
    try {
      await fs.promises.rmdir(path.join(bucketPath, ...parts));
    } catch (err) {
      if (hasCode(err, 'ENOTEMPTY') || hasCode(err, 'ENOENT') || hasCode(err, 'EEXIST')) return;
      throw err;
    }
    parts.pop();
  }
}

/**
 * s3rver copies with fs.copy straight onto the destination file (a reader of the
 * destination could see it half-copied); route copies through the atomic putObject.
 * @this {StoreLike & { getMetadata(bucket: string, key: string): Promise<Record<string, string>>; putObject(object: StoredObject): Promise<{ size: number; md5: string }> }}
 * @param {string} srcBucket
 * @param {string} srcKey
 * @param {string} destBucket
 * @param {string} destKey
 * @param {Record<string, string> | undefined} replacementMetadata
 */
async function atomicCopyObject(srcBucket, srcKey, destBucket, destKey, replacementMetadata) {
  const sourceMetadata = await this.getMetadata(srcBucket, srcKey);
  const content = fs.createReadStream(this.getResourcePath(srcBucket, srcKey, 'object'));
  await this.putObject({ bucket: destBucket, key: destKey, content, metadata: replacementMetadata ?? sourceMetadata });
  return this.getMetadata(destBucket, destKey);
}

const S3Object = require('s3rver/lib/models/object');
/** @type {Set<string>} */
const ALLOWED_METADATA = new Set(S3Object.ALLOWED_METADATA);

FilesystemStore.prototype.putObject = atomicPutObject;
installListing({
  FilesystemStore: /** @type {any} */ (FilesystemStore),
  bucketController: require('s3rver/lib/controllers/bucket'),
  S3Error: require('s3rver/lib/models/error'),
  S3Object,
  DUMMY_ACCOUNT: require('s3rver/lib/models/account').DUMMY_ACCOUNT,
  walk: tolerantWalk,
});
FilesystemStore.prototype.deleteObject = tolerantDeleteObject;
installMultipart({
  router: require('s3rver/lib/routes'),
  FilesystemStore: /** @type {any} */ (FilesystemStore),
  bucketExists: require('s3rver/lib/controllers/bucket').bucketExists,
  S3Error: require('s3rver/lib/models/error'),
  DUMMY_ACCOUNT: require('s3rver/lib/models/account').DUMMY_ACCOUNT,
});
FilesystemStore.prototype.copyObject = atomicCopyObject;

async function main() {
  const directory = process.env.MLOPS_S3RVER_DIRECTORY;
  const buckets = JSON.parse(process.env.MLOPS_S3RVER_BUCKETS ?? '[]');
  if (!directory) throw new Error('MLOPS_S3RVER_DIRECTORY is not set');
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    vhostBuckets: false,
    configureBuckets: buckets.map((/** @type {string} */ name) => ({ name })),
  });
  const address = await server.run();
  process.send?.({ type: 'ready', port: address.port });
}

process.on('disconnect', () => process.exit(0));
main().catch((err) => {
  process.send?.({ type: 'error', message: err instanceof Error ? err.stack ?? err.message : String(err) });
  process.exit(1);
});
