import { fork, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCode, InvalidArgumentError, MlopsError } from '@mlops/contracts';
import { startS3ConditionalProxy, type S3ConditionalProxy } from './s3-conditional-proxy.js';

/** Options for {@link startS3Server}. */
export interface S3TestServerOptions {
  /** Buckets created before the server answers. Default `['test-bucket']`. */
  buckets?: string[];
  /**
   * Directory s3rver keeps its data in. Default: a fresh temporary directory, removed by
   * `stop()`. A directory you pass is kept (and reused: objects already in it are served).
   */
  directory?: string;
  /**
   * `false` serves raw s3rver without the conditional-write layer: it then ignores `If-None-Match`
   * and `If-Match` as s3rver does, for tests of code that must detect such servers. Default `true`.
   */
  conditionalWrites?: boolean;
}

/** A running local S3 server; see {@link startS3Server}. */
export interface S3TestServer {
  /** Base URL, e.g. `http://127.0.0.1:41234`. Path-style addressing only. */
  endpoint: string;
  /** TCP port on 127.0.0.1. */
  port: number;
  /** Region to sign requests for; s3rver accepts any, this is what `clientConfig` uses. */
  region: 'us-east-1';
  /** The first bucket of `options.buckets` (default `test-bucket`). */
  bucket: string;
  /** The only key pair s3rver accepts (`S3RVER` / `S3RVER`). */
  credentials: { accessKeyId: string; secretAccessKey: string };
  /**
   * A plain `S3ClientConfig` for `@aws-sdk/client-s3`: `new S3Client(server.clientConfig)`.
   * It sets `forcePathStyle` (no virtual-host DNS here) and `WHEN_REQUIRED` checksums, the
   * settings a client for most S3-compatible stores uses. (Clients left on the SDK defaults
   * work too: the server decodes their `aws-chunked` uploads.)
   */
  clientConfig: {
    endpoint: string;
    region: string;
    forcePathStyle: true;
    credentials: { accessKeyId: string; secretAccessKey: string };
    requestChecksumCalculation: 'WHEN_REQUIRED';
    responseChecksumValidation: 'WHEN_REQUIRED';
  };
  /** Directory s3rver keeps its data in (removed by `stop()` unless you passed it). */
  directory: string;
  /** Stops the server process and removes its temporary directory. Safe to call twice. */
  stop(): Promise<void>;
}

const S3RVER_KEY = 'S3RVER';
const STARTUP_TIMEOUT_MS = 20_000;
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function validateBuckets(buckets: unknown): string[] {
  if (!Array.isArray(buckets) || buckets.length === 0) {
    throw new InvalidArgumentError(
      `startS3Server: expected options.buckets to be a non-empty array of bucket names, found ${JSON.stringify(buckets)}. ` +
        'Pass e.g. { buckets: ["test-bucket"] } or omit the option.',
    );
  }
  for (const name of buckets) {
    if (typeof name !== 'string' || !BUCKET_NAME.test(name) || name.includes('..')) {
      throw new InvalidArgumentError(
        `startS3Server: bucket name ${JSON.stringify(name)} is not a valid S3 bucket name; expected 3-63 characters of ` +
          'lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit (e.g. "test-bucket").',
      );
    }
  }
  return [...new Set(buckets as string[])];
}

/** Starts the s3rver child process and resolves with its port once it listens (internal; the bench uses it as the no-proxy peer). */
export function spawnS3rver(directory: string, buckets: string[]): Promise<{ child: ChildProcess; port: number }> {
  const childPath = fileURLToPath(new URL('./s3rver-child.cjs', import.meta.url));
  const child = fork(childPath, [], {
    // The parent may run under tsx or vitest loaders; the child is plain CommonJS.
    execArgv: [],
    env: {
      ...process.env,
      NODE_OPTIONS: '--openssl-legacy-provider',
      MLOPS_S3RVER_DIRECTORY: directory,
      MLOPS_S3RVER_BUCKETS: JSON.stringify(buckets),
    },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  return new Promise((resolve, reject) => {
    const fail = (why: string, cause?: unknown) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(
        new MlopsError(ErrorCode.ServiceUnavailable, `startS3Server: s3rver did not start: ${why}${stderr ? `\n${stderr}` : ''}`, {
          cause,
          retryable: true,
        }),
      );
    };
    const timer = setTimeout(() => fail(`no answer within ${STARTUP_TIMEOUT_MS} ms`), STARTUP_TIMEOUT_MS);
    child.once('error', (err) => fail(err.message, err));
    child.once('exit', (code, signal) => fail(`the process exited (code ${code}, signal ${signal})`));
    child.on('message', (message: unknown) => {
      const m = message as { type?: string; port?: number; message?: string };
      if (m.type === 'ready' && typeof m.port === 'number') {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve({ child, port: m.port });
      } else if (m.type === 'error') {
        fail(m.message ?? 'unknown error');
      }
    });
  });
}

/** Resolves once `HEAD /<bucket>` through the proxy answers 200. */
function probe(port: number, bucket: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'HEAD', path: `/${bucket}`, agent: false }, (res) => {
      res.resume();
      if (res.statusCode === 200) resolve();
      else reject(new Error(`HEAD /${bucket} answered ${res.statusCode}`));
    });
    req.on('error', reject);
    req.end();
  });
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Starts a real S3 server for tests: s3rver 3.7.1 in a child process on a free port of
 * 127.0.0.1, behind a thin proxy that adds S3's conditional writes (`If-None-Match: *`,
 * `If-Match`), per-key atomicity and `aws-chunked` decoding.
 *
 * @example
 * ```ts
 * const s3 = await startS3Server();
 * const client = new S3Client(s3.clientConfig);
 * await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'a', Body: 'x', IfNoneMatch: '*' }));
 * await s3.stop();
 * ```
 */
export async function startS3Server(options: S3TestServerOptions = {}): Promise<S3TestServer> {
  const buckets = validateBuckets(options.buckets ?? ['test-bucket']);
  if (options.directory !== undefined && (typeof options.directory !== 'string' || options.directory === '')) {
    throw new InvalidArgumentError(
      `startS3Server: expected options.directory to be a directory path, found ${JSON.stringify(options.directory)}. ` +
        'Omit it to use a fresh temporary directory.',
    );
  }
  const ownsDirectory = options.directory === undefined;
  const directory = ownsDirectory
    ? await mkdtemp(path.join(os.tmpdir(), 'mlops-s3rver-'))
    : path.resolve(options.directory as string);
  if (!ownsDirectory) await mkdir(directory, { recursive: true });

  let child: ChildProcess | undefined;
  let proxy: S3ConditionalProxy | undefined;
  let rawPort = 0;
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      await proxy?.close();
      if (child) {
        const exited = waitForExit(child, 5_000);
        child.kill('SIGTERM');
        await exited;
      }
      if (ownsDirectory) await rm(directory, { recursive: true, force: true });
    })();
    return stopped;
  };

  try {
    const started = await spawnS3rver(directory, buckets);
    rawPort = started.port;
    child = started.child;
    // The child exits when its IPC channel closes, so it never outlives this process; it
    // must not keep this process alive either.
    child.unref();
    child.channel?.unref();
    if (options.conditionalWrites !== false) proxy = await startS3ConditionalProxy({ upstreamPort: started.port });
    await probe(proxy?.port ?? started.port, buckets[0]!);
  } catch (err) {
    await stop();
    if (MlopsError.isInstance(err)) throw err;
    throw new MlopsError(ErrorCode.ServiceUnavailable, `startS3Server: the server started but did not answer: ${(err as Error).message}`, {
      cause: err,
      retryable: true,
    });
  }

  const port = proxy?.port ?? rawPort;
  const endpoint = `http://127.0.0.1:${port}`;
  const credentials = { accessKeyId: S3RVER_KEY, secretAccessKey: S3RVER_KEY };
  return {
    endpoint,
    port,
    region: 'us-east-1',
    bucket: buckets[0]!,
    credentials,
    clientConfig: {
      endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { ...credentials },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    },
    directory,
    stop,
  };
}
