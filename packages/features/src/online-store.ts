/** A feature value as stored online: numbers, strings, booleans, 64-bit integers beyond 2^53 as bigint, or null. */
export type OnlineValue = number | string | boolean | bigint | null;

/** One row to write: the latest values of one view for one entity key. */
export interface OnlineWriteRow {
  /** Canonical entity key (see `encodeEntityKey`), e.g. `driver_id=1001`. */
  readonly entityKey: string;
  /** Event time of the values, epoch ms. */
  readonly eventTimestampMs: number;
  /** Created time (tie-break between equal event times), epoch ms. */
  readonly createdTimestampMs?: number;
  /** Feature values by feature name. */
  readonly values: Readonly<Record<string, OnlineValue>>;
}

/** What a read returns for one entity key and view. */
export interface OnlineRecord {
  /** Event time of the stored values, epoch ms. */
  readonly eventTimestampMs: number;
  /** Created time, if one was written. */
  readonly createdTimestampMs: number | undefined;
  /** The requested features (a feature never written is `null`). */
  readonly values: Readonly<Record<string, OnlineValue>>;
}

/** Per-call facts about the view a batch of rows belongs to. */
export interface OnlineWriteOptions {
  /**
   * The view's TTL in ms (0 = never expires). Drivers that can expire keys (Redis with
   * `expireKeys`) use it to drop a key once every value in it is past its TTL; reads still
   * check the TTL themselves.
   */
  readonly ttlMs?: number;
}

/** Result of {@link OnlineStoreV1.writeRows}. */
export interface OnlineWriteResult {
  /** Rows that replaced what was stored (or were new). */
  readonly written: number;
  /** Rows ignored because the stored row was as new or newer. */
  readonly skipped: number;
}

/**
 * The online store seam: the latest feature values per (view, entity key), plus a watermark
 * per view for incremental materialization. Drivers: memory (`createMemoryOnlineStore`) and
 * Redis (`createRedisOnlineStore` from `@mlops/features/redis`); both pass one conformance
 * suite. Third parties may implement it; `specificationVersion` lets us evolve it.
 *
 * Write rule (every driver): a row replaces the stored one only when its
 * `(eventTimestampMs, createdTimestampMs)` is greater (a missing created time counts as
 * lowest); equal or older rows are skipped, so writes are idempotent and order-independent.
 * The check and the write are atomic per entity key.
 */
export interface OnlineStoreV1 {
  /** Interface version. */
  readonly specificationVersion: 'v1';
  /** Driver name: `memory`, `redis`, or a third party's. */
  readonly kind: string;
  /** Writes rows of one view; see the write rule above. `options` may be ignored by a driver. */
  writeRows(view: string, rows: readonly OnlineWriteRow[], options?: OnlineWriteOptions): Promise<OnlineWriteResult>;
  /** Reads `features` of one view for each key, in order; `undefined` where the view has nothing for the key. */
  readRows(view: string, entityKeys: readonly string[], features: readonly string[]): Promise<(OnlineRecord | undefined)[]>;
  /** The end of the last successful materialization of `view`, epoch ms, or `undefined`. */
  getWatermark(view: string): Promise<number | undefined>;
  /** Records a successful materialization up to `endMs`. */
  setWatermark(view: string, endMs: number): Promise<void>;
  /** Releases connections. The store is unusable afterwards. */
  close(): Promise<void>;
}

/** True when a row with `(ts, created)` should replace a stored one with `(storedTs, storedCreated)`. */
export function isNewer(ts: number, created: number | undefined, storedTs: number, storedCreated: number | undefined): boolean {
  if (ts !== storedTs) return ts > storedTs;
  return (created ?? -Infinity) > (storedCreated ?? -Infinity);
}

/**
 * The canonical entity key: join keys sorted by name, `name=value` joined by `&`; integers as
 * decimals, strings JSON-quoted (so `1` and `"1"` differ and the encoding is unambiguous).
 */
export function encodeEntityKey(names: readonly string[], values: readonly (string | number | bigint)[]): string {
  const order = names.map((_, i) => i).sort((a, b) => (names[a]! < names[b]! ? -1 : names[a]! > names[b]! ? 1 : 0));
  return order.map((i) => `${names[i]}=${typeof values[i] === 'string' ? JSON.stringify(values[i]) : String(values[i])}`).join('&');
}
