import type * as RedisApi from 'redis';
import { MlopsError, loadOptionalPeer } from '@mlops/contracts/errors';
import type { OnlineRecord, OnlineStoreV1, OnlineValue, OnlineWriteOptions, OnlineWriteRow } from './online-store.js';

/** The few node-redis client methods the driver uses (node-redis 6 `createClient()` fits). */
export interface RedisClientLike {
  /** Sends one raw command (auto-pipelined with others sent in the same tick). */
  sendCommand(args: readonly string[]): Promise<unknown>;
  /** Opens the connection. */
  connect(): Promise<unknown>;
  /** Closes after pending replies. */
  close(): Promise<unknown>;
  /** Closes at once. */
  destroy(): void;
  /** Connection errors (a dropped socket fails the calls in flight). */
  on(event: 'error', listener: (error: unknown) => void): unknown;
  /** Whether the connection is open. */
  readonly isOpen: boolean;
}

/** Options of {@link createRedisOnlineStore}. */
export interface RedisOnlineStoreOptions {
  /** `redis://host:port[/db]`. Default `redis://127.0.0.1:6379`. Ignored when `client` is given. */
  url?: string;
  /** A node-redis client you created (connected or not); the store closes it only if it created it. */
  client?: RedisClientLike;
  /** Prefix of every key, e.g. `mlops:prod:`. Default `mlops:`. */
  keyPrefix?: string;
  /** A command (or pipelined batch) that takes longer fails with `TIMEOUT` (retryable). Default 2000 ms. */
  commandTimeoutMs?: number;
  /** Connection attempt timeout. Default 2000 ms. */
  connectTimeoutMs?: number;
  /**
   * Let Redis delete entity keys whose values are all past their view's TTL (like Feast's
   * `key_ttl_seconds`, but per view and from the event time). Each write sets the key's expiry
   * to `event time + view ttlMs + expiryGraceMs` when that is later than the expiry it has; a
   * write of a view without a TTL makes the key persistent, so a hash shared by several views
   * lives as long as its longest-lived value. Reads still enforce the TTL: a value past its TTL
   * that Redis has not dropped yet is `OUTSIDE_TTL`, one it dropped is `NOT_FOUND`. A row whose
   * expiry is already past when written is not kept. Default `false`.
   */
  expireKeys?: boolean;
  /** With `expireKeys`: extra time a key is kept past its values' TTL, e.g. to keep `OUTSIDE_TTL` visible for a while. Default 0. */
  expiryGraceMs?: number;
}

// Atomic per entity key: write only when (ts, created) beats the stored pair for this view.
// KEYS[1] entity hash; ARGV: view, ts, created ('' = none), expiry ('' = leave the key's expiry
// alone, '0' = persistent, else epoch ms: only ever moved later), then field/value pairs.
const WRITE_SCRIPT = `
local view = ARGV[1]
local ts = tonumber(ARGV[2])
local cr = nil
if ARGV[3] ~= '' then cr = tonumber(ARGV[3]) end
local stored = redis.call('HMGET', KEYS[1], '_ts:' .. view, '_cr:' .. view)
if stored[1] then
  local sts = tonumber(stored[1])
  if ts < sts then return 0 end
  if ts == sts then
    if cr == nil then return 0 end
    if stored[2] and stored[2] ~= '' and cr <= tonumber(stored[2]) then return 0 end
  end
end
local exp = ARGV[4]
local pttl = -2
local now = 0
if exp ~= '' and exp ~= '0' then
  pttl = redis.call('PTTL', KEYS[1])
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
redis.call('HSET', KEYS[1], '_ts:' .. view, ARGV[2], '_cr:' .. view, ARGV[3], unpack(ARGV, 5))
if exp == '0' then
  redis.call('PERSIST', KEYS[1])
elseif exp ~= '' then
  local at = tonumber(exp)
  if pttl == -2 or (pttl >= 0 and at > now + pttl) then redis.call('PEXPIREAT', KEYS[1], exp) end
end
return 1
`;

/** Encodes a value so its type survives the trip: `n:` number, `s:` string, `b:` bool, `i:` bigint, `z` null. */
export function encodeOnlineValue(value: OnlineValue): string {
  if (value === null || value === undefined) return 'z';
  switch (typeof value) {
    case 'number':
      return `n:${value}`;
    case 'string':
      return `s:${value}`;
    case 'boolean':
      return value ? 'b:1' : 'b:0';
    case 'bigint':
      return `i:${value}`;
    default:
      throw new MlopsError('INVALID_ARGUMENT', `Online values must be numbers, strings, booleans, bigints or null, found ${typeof value}.`);
  }
}

/** Inverse of {@link encodeOnlineValue}; a missing field reads as null. */
export function decodeOnlineValue(raw: string | null | undefined): OnlineValue {
  if (raw === null || raw === undefined || raw === 'z') return null;
  // Tag by char code: no substring for the tag on every value read.
  if (raw.charCodeAt(1) === 58) {
    switch (raw.charCodeAt(0)) {
      case 110: // n
        return Number(raw.slice(2));
      case 115: // s
        return raw.slice(2);
      case 98: // b
        return raw.length === 3 && raw.charCodeAt(2) === 49;
      case 105: // i
        return BigInt(raw.slice(2));
    }
  }
  throw new MlopsError('DATA_CORRUPTED', `Redis online store: a field holds ${JSON.stringify(raw.slice(0, 40))}, which this driver did not write. Check that no other writer uses the key prefix.`);
}

function toMlopsError(error: unknown, what: string): MlopsError {
  if (MlopsError.isInstance(error)) return error;
  const name = (error as { name?: string } | null)?.name ?? '';
  const message = (error as Error | null)?.message ?? String(error);
  if (name === 'ErrorReply' || name === 'SimpleError' || name === 'BlobError') {
    return new MlopsError('SERVICE_UNAVAILABLE', `Redis refused ${what}: ${message}.`, { cause: error, retryable: /^(LOADING|BUSY|TRYAGAIN|CLUSTERDOWN|MASTERDOWN)/.test(message) });
  }
  return new MlopsError('SERVICE_UNAVAILABLE', `Redis is unreachable during ${what}: ${message}. Check the server; the call can be retried.`, { cause: error, retryable: true });
}

/**
 * The Redis online store (`@mlops/features/redis`; needs the optional peer `redis`, node-redis 6).
 *
 * Layout: one hash per entity key, `<prefix>{<entityKey>}` (e.g. `mlops:{driver_id=1001}`), the
 * entity key as hash tag, shared by every view keyed by those join keys. Per view the hash holds
 * `_ts:<view>` (event time, epoch ms), `_cr:<view>` (created time or empty) and one field
 * `<view>:<feature>` per feature (`n:`/`s:`/`b:`/`i:` typed text, `z` = null). Watermarks live in
 * `<prefix>{__meta}` as `watermark:<view>`. Writes are one Lua script per entity key (the
 * newer-wins check and the write are atomic, and touch one key: cluster-safe); reads are one
 * HMGET per key, all pipelined in one round trip.
 */
export function createRedisOnlineStore(options: RedisOnlineStoreOptions = {}): OnlineStoreV1 {
  const prefix = options.keyPrefix ?? 'mlops:';
  const timeoutMs = options.commandTimeoutMs ?? 2000;
  const expireKeys = options.expireKeys === true;
  const graceMs = options.expiryGraceMs ?? 0;
  if (!Number.isFinite(graceMs) || graceMs < 0) throw new MlopsError('INVALID_ARGUMENT', `createRedisOnlineStore: expiryGraceMs must be a finite number >= 0, found ${String(options.expiryGraceMs)}.`);
  let client: Promise<RedisClientLike> | undefined;
  let owned = false;
  let scriptSha: string | undefined;
  let closed = false;
  const inflight = new Set<(error: unknown) => void>();

  const getClient = () =>
    (client ??= (async () => {
      let c = options.client;
      if (!c) {
        const redis: typeof RedisApi = await loadOptionalPeer('redis', 'createRedisOnlineStore', () => import('redis'));
        c = redis.createClient({
          url: options.url ?? 'redis://127.0.0.1:6379',
          disableOfflineQueue: true,
          // withTimeout bounds each pipelined batch; node-redis's own per-command timeout (5 s by
          // default) costs an AbortSignal and a timer per command, ~20% of a 100-key read's CPU.
          commandOptions: { timeout: 0 },
          socket: { connectTimeout: options.connectTimeoutMs ?? 2000, reconnectStrategy: (retries: number) => (retries > 20 ? false : Math.min(50 * 2 ** retries, 1000)) },
        }) as unknown as RedisClientLike;
        owned = true;
      }
      // A dropped connection fails every call in flight at once (node-redis would keep them
      // waiting for a reconnect); without a listener node-redis would crash the process.
      c.on('error', (error) => {
        for (const fail of inflight) fail(error);
      });
      if (!c.isOpen) {
        // node-redis keeps retrying a first connect through its reconnect strategy: bound it.
        const connectMs = options.connectTimeoutMs ?? 2000;
        let timer: NodeJS.Timeout | undefined;
        const opened = c;
        try {
          await Promise.race([
            opened.connect(),
            new Promise<never>((_, reject) => {
              timer = setTimeout(() => reject(new Error(`no connection within ${connectMs} ms`)), connectMs);
            }),
          ]);
        } catch (error) {
          if (owned) opened.destroy();
          throw error;
        } finally {
          clearTimeout(timer);
        }
      }
      return c;
    })().catch((error: unknown) => {
      client = undefined;
      throw toMlopsError(error, 'connect');
    }));

  const withTimeout = async <T>(what: string, run: (c: RedisClientLike) => Promise<T>): Promise<T> => {
    if (closed) throw new MlopsError('INVALID_ARGUMENT', 'The Redis online store is closed; create a new one.');
    let timer: NodeJS.Timeout | undefined;
    let rejectTimeout: () => void = () => undefined;
    let failNow: (error: unknown) => void = () => undefined;
    const timeout = new Promise<never>((_, reject) => {
      failNow = reject;
      rejectTimeout = () => reject(new MlopsError('TIMEOUT', `Redis did not answer ${what} within ${timeoutMs} ms. Check the server; the call can be retried.`, { retryable: true }));
    });
    try {
      // Connecting has its own bound (connectTimeoutMs); the command timeout starts after it.
      const c = await getClient();
      timer = setTimeout(() => rejectTimeout(), timeoutMs);
      inflight.add(failNow);
      return await Promise.race([run(c), timeout]);
    } catch (error) {
      throw toMlopsError(error, what);
    } finally {
      inflight.delete(failNow);
      clearTimeout(timer);
    }
  };

  const entityHash = (entityKey: string) => `${prefix}{${entityKey}}`;
  const metaHash = `${prefix}{__meta}`;

  const evalWrite = async (c: RedisClientLike, args: string[]): Promise<number> => {
    scriptSha ??= (await c.sendCommand(['SCRIPT', 'LOAD', WRITE_SCRIPT])) as string;
    try {
      return Number(await c.sendCommand(['EVALSHA', scriptSha, '1', ...args]));
    } catch (error) {
      if (!String((error as Error)?.message).startsWith('NOSCRIPT')) throw error;
      scriptSha = (await c.sendCommand(['SCRIPT', 'LOAD', WRITE_SCRIPT])) as string;
      return Number(await c.sendCommand(['EVALSHA', scriptSha, '1', ...args]));
    }
  };

  return {
    specificationVersion: 'v1',
    kind: 'redis',
    async writeRows(view: string, rows: readonly OnlineWriteRow[], writeOptions: OnlineWriteOptions = {}) {
      if (rows.length === 0) return { written: 0, skipped: 0 };
      const ttlMs = writeOptions.ttlMs ?? 0;
      const expiry = (row: OnlineWriteRow) => (!expireKeys ? '' : ttlMs > 0 ? String(Math.floor(row.eventTimestampMs + ttlMs + graceMs)) : '0');
      const args = rows.map((row) => {
        const out = [entityHash(row.entityKey), view, String(row.eventTimestampMs), row.createdTimestampMs === undefined ? '' : String(row.createdTimestampMs), expiry(row)];
        for (const [feature, value] of Object.entries(row.values)) out.push(`${view}:${feature}`, encodeOnlineValue(value));
        return out;
      });
      const results = await withTimeout(`writing ${rows.length} rows of view "${view}"`, async (c) => {
        scriptSha ??= (await c.sendCommand(['SCRIPT', 'LOAD', WRITE_SCRIPT])) as string;
        // Sent in one pipeline, executed in order: rows for the same key keep their batch order.
        return Promise.all(args.map((a) => evalWrite(c, a)));
      });
      const written = results.reduce((sum, r) => sum + r, 0);
      return { written, skipped: rows.length - written };
    },
    async readRows(view: string, entityKeys: readonly string[], features: readonly string[]) {
      if (entityKeys.length === 0) return [];
      const fields = [`_ts:${view}`, `_cr:${view}`, ...features.map((f) => `${view}:${f}`)];
      const replies = await withTimeout(`reading ${entityKeys.length} keys of view "${view}"`, (c) =>
        Promise.all(entityKeys.map((k) => c.sendCommand(['HMGET', entityHash(k), ...fields]) as Promise<(string | null)[]>)),
      );
      return replies.map((reply): OnlineRecord | undefined => {
        if (!reply || reply[0] === null || reply[0] === undefined) return undefined;
        const values: Record<string, OnlineValue> = {};
        for (let i = 0; i < features.length; i++) values[features[i]!] = decodeOnlineValue(reply[i + 2]);
        return { eventTimestampMs: Number(reply[0]), createdTimestampMs: reply[1] ? Number(reply[1]) : undefined, values };
      });
    },
    async getWatermark(view: string) {
      const raw = await withTimeout(`reading the watermark of "${view}"`, (c) => c.sendCommand(['HGET', metaHash, `watermark:${view}`]) as Promise<string | null>);
      return raw === null || raw === undefined ? undefined : Number(raw);
    },
    async setWatermark(view: string, endMs: number) {
      await withTimeout(`writing the watermark of "${view}"`, (c) => c.sendCommand(['HSET', metaHash, `watermark:${view}`, String(endMs)]));
    },
    async close() {
      if (closed) return;
      closed = true;
      const c = await client?.catch(() => undefined);
      if (c && owned) await c.close().catch(() => c.destroy());
    },
  };
}
