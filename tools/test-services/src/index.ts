/**
 * Real local servers for integration tests, started on free ports of 127.0.0.1:
 * {@link startS3Server} (s3rver with S3's conditional writes), `startGcsEmulator`
 * (the Cloud Storage JSON API that `@google-cloud/storage` speaks), `startRedisServer`
 * (Debian's redis-server) and `startPrometheus` (Debian's prometheus on a TSDB that promtool
 * backfilled).
 *
 * @packageDocumentation
 */
export { startS3Server, type S3TestServer, type S3TestServerOptions } from './s3-server.js';
export { startGcsEmulator, type GcsEmulatorOptions, type GcsTestServer } from './gcs-emulator.js';
export { startRedisServer, type RedisTestServer } from './redis-server.js';
export { startPrometheus, type TestPrometheus } from './prometheus-server.js';
export { freePort } from './free-port.js';
