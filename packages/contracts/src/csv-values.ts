import type { ArrowTypeName } from './arrow-types.js';

const INT = /^[-+]?\d+$/;
const FLOAT = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$|^[-+]?(?:inf|infinity|nan)$/i;
const PLAIN_FLOAT = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;
const BOOL_TRUE = /^(?:true|TRUE|True)$/;
const BOOL_FALSE = /^(?:false|FALSE|False)$/;

/** A parsed ISO 8601 time: whole epoch milliseconds plus the nanoseconds below them. */
export interface ParsedTime {
  ms: number;
  subMsNanos: number;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysIn(year: number, month: number): number {
  if (month === 2 && ((year % 4 === 0 && year % 100 !== 0) || year % 400 === 0)) return 29;
  return DAYS_IN_MONTH[month - 1] ?? 0;
}

function digits(text: string, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}

// Nanoseconds below the millisecond of the last successful parseIsoTimeMs call. A side channel
// instead of a result object keeps the per-value hot path allocation-free.
let lastSubMsNanos = 0;

/**
 * Parses an ISO 8601 date (`2026-11-23`) or date-time (`2026-11-23T12:00:00.123456Z`,
 * `2026-11-23 12:00+02:00`) to epoch milliseconds, NaN when it is not one. Times without an
 * offset are UTC. Hand-written (no regex, no Date): CSV reading calls it per value.
 */
export function parseIsoTimeMs(text: string): number {
  lastSubMsNanos = 0;
  const n = text.length;
  if (n < 10 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return NaN;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return NaN;
  let ms = Date.UTC(year, month - 1, day);
  if (n === 10) return ms;
  const sep = text.charCodeAt(10);
  if ((sep !== 84 && sep !== 116 && sep !== 32) || n < 16 || text.charCodeAt(13) !== 58) return NaN;
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59) return NaN;
  ms += hour * 3_600_000 + minute * 60_000;
  let i = 16;
  if (i < n && text.charCodeAt(i) === 58) {
    const second = digits(text, i + 1, 2);
    if (second < 0 || second > 60) return NaN;
    ms += second * 1000;
    i += 3;
    const dot = text.charCodeAt(i);
    if (i < n && (dot === 46 || dot === 44)) {
      let nanos = 0;
      let count = 0;
      i++;
      while (i < n && count < 9) {
        const d = text.charCodeAt(i) - 48;
        if (d < 0 || d > 9) break;
        nanos = nanos * 10 + d;
        count++;
        i++;
      }
      if (count === 0) return NaN;
      for (let k = count; k < 9; k++) nanos *= 10;
      ms += Math.floor(nanos / 1e6);
      lastSubMsNanos = nanos % 1e6;
    }
  }
  while (i < n && text.charCodeAt(i) === 32) i++;
  if (i === n) return ms;
  const z = text.charCodeAt(i);
  if ((z === 90 || z === 122) && i === n - 1) return ms;
  if (z !== 43 && z !== 45) return NaN;
  const oh = digits(text, i + 1, 2);
  let om = 0;
  let end = i + 3;
  if (end < n) {
    if (text.charCodeAt(end) === 58) end++;
    om = digits(text, end, 2);
    end += 2;
  }
  if (oh < 0 || om < 0 || oh > 23 || om > 59 || end !== n) return NaN;
  return ms - (z === 45 ? -1 : 1) * (oh * 60 + om) * 60_000;
}

/**
 * Parses an ISO 8601 date or date-time (`2026-11-23`, `2026-11-23T12:00:00.123456Z`,
 * `2026-11-23 12:00:00+02:00`). Times without an offset are taken as UTC. Null if not ISO.
 */
export function parseIsoTime(text: string): ParsedTime | null {
  const ms = parseIsoTimeMs(text);
  return Number.isNaN(ms) ? null : { ms, subMsNanos: lastSubMsNanos };
}

/** The value kinds type inference distinguishes, from narrowest to widest. */
type Inferred = 'bool' | 'int64' | 'float64' | 'date-day' | 'timestamp-ms' | 'utf8' | 'empty';

function kindOf(value: string): Exclude<Inferred, 'empty'> {
  const c = value.charCodeAt(0);
  if (c === 116 || c === 102 || c === 84 || c === 70) {
    if (BOOL_TRUE.test(value) || BOOL_FALSE.test(value)) return 'bool';
  }
  if (INT.test(value)) {
    const digitCount = value.length - (c === 43 || c === 45 ? 1 : 0);
    if (digitCount <= 18) return 'int64';
    try {
      const b = BigInt(value);
      return b >= -(2n ** 63n) && b < 2n ** 63n ? 'int64' : 'float64';
    } catch {
      return 'utf8';
    }
  }
  if (FLOAT.test(value)) return 'float64';
  if (value.length >= 10 && value.charCodeAt(4) === 45 && !Number.isNaN(parseIsoTimeMs(value))) return value.length === 10 ? 'date-day' : 'timestamp-ms';
  return 'utf8';
}

function widen(a: Inferred, b: Exclude<Inferred, 'empty'>): Inferred {
  if (a === 'empty' || a === b) return b;
  if ((a === 'int64' && b === 'float64') || (a === 'float64' && b === 'int64')) return 'float64';
  if ((a === 'date-day' && b === 'timestamp-ms') || (a === 'timestamp-ms' && b === 'date-day')) return 'timestamp-ms';
  return 'utf8';
}

/**
 * Infers a column type from its values: Bool (true/false), Int64, Float64, Date (ISO dates),
 * Timestamp<ms, UTC> (ISO date-times), else Utf8. Nulls are ignored; an all-null column is Utf8.
 */
export function inferColumnType(values: readonly (string | null)[]): ArrowTypeName {
  let kind: Inferred = 'empty';
  for (const v of values) {
    if (v === null) continue;
    kind = widen(kind, kindOf(v));
    if (kind === 'utf8') return 'utf8';
  }
  return kind === 'empty' ? 'utf8' : kind;
}

/** Returned by {@link convertValue} for a value that does not fit the type. */
export const INVALID: unique symbol = Symbol('invalid CSV value');

const INT_RANGES: Record<string, [bigint, bigint]> = {
  int8: [-128n, 127n],
  int16: [-32768n, 32767n],
  int32: [-2147483648n, 2147483647n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint8: [0n, 255n],
  uint16: [0n, 65535n],
  uint32: [0n, 4294967295n],
  uint64: [0n, 2n ** 64n - 1n],
};

const TIME_FACTOR: Record<string, { toMs: number; name: string }> = {
  'timestamp-s': { toMs: 1000, name: 's' },
  'timestamp-ms': { toMs: 1, name: 'ms' },
  'timestamp-us': { toMs: 1e-3, name: 'us' },
  'timestamp-ns': { toMs: 1e-6, name: 'ns' },
};

/**
 * Converts one CSV text value to what the column builders expect for `type`: numbers (safe
 * integers included, for 64-bit columns too), bigints (larger Int64/Uint64, sub-ms
 * timestamps), booleans, days (Date) or strings; {@link INVALID} when it does not fit (then
 * {@link describeExpected} says why). No allocation on the hot path.
 */
export function convertValue(type: ArrowTypeName, text: string): unknown {
  switch (type) {
    case 'utf8':
    case 'large-utf8':
    case 'dictionary-utf8':
      return text;
    case 'bool':
      if (BOOL_TRUE.test(text) || text === '1') return true;
      if (BOOL_FALSE.test(text) || text === '0') return false;
      return INVALID;
    case 'float32':
    case 'float64': {
      if (PLAIN_FLOAT.test(text)) return Number(text);
      if (!FLOAT.test(text.trim())) return INVALID;
      const lower = text.trim().toLowerCase().replace(/^\+/, '');
      const value = lower === 'inf' || lower === 'infinity' ? Infinity : lower === '-inf' || lower === '-infinity' ? -Infinity : Number(text);
      return value;
    }
    case 'int8':
    case 'int16':
    case 'int32':
    case 'int64':
    case 'uint8':
    case 'uint16':
    case 'uint32':
    case 'uint64': {
      const t = text.trim();
      if (!INT.test(t)) return INVALID;
      if (t.length <= 15) {
        // Up to 15 digits a double is exact: skip the BigInt allocation on the hot path (64-bit
        // columns take safe integers as numbers and store them without a BigInt).
        const n = Number(t);
        const [lo, hi] = INT_RANGES[type]!;
        if (n < Number(lo) || n > Number(hi)) return INVALID;
        return n;
      }
      const b = BigInt(t);
      const [lo, hi] = INT_RANGES[type]!;
      if (b < lo || b > hi) return INVALID;
      return type === 'int64' || type === 'uint64' ? b : Number(b);
    }
    case 'date-day': {
      const ms = parseIsoTimeMs(text.trim());
      if (Number.isNaN(ms)) return INVALID;
      return Math.floor(ms / 86_400_000);
    }
    case 'timestamp-s':
    case 'timestamp-ms':
    case 'timestamp-us':
    case 'timestamp-ns': {
      const t = text.charCodeAt(text.length - 1) === 32 || text.charCodeAt(0) === 32 ? text.trim() : text;
      const ms = parseIsoTimeMs(t);
      if (!Number.isNaN(ms)) {
        // Milliseconds stay a number (the column builder writes them without a BigInt).
        if (type === 'timestamp-ms') return ms;
        if (type === 'timestamp-s') return Math.floor(ms / 1000);
        const big = BigInt(ms);
        return type === 'timestamp-us' ? big * 1000n + BigInt(Math.floor(lastSubMsNanos / 1000)) : big * 1_000_000n + BigInt(lastSubMsNanos);
      }
      // Bare integers are epoch values in the column's unit (what many exporters write).
      if (INT.test(t)) return BigInt(t);
      return INVALID;
    }
    default:
      return INVALID;
  }
}

/** What `type` expects, in words, for the error about `text` (which {@link convertValue} refused). */
export function describeExpected(type: ArrowTypeName, text: string): string {
  switch (type) {
    case 'bool':
      return 'true or false';
    case 'float32':
    case 'float64':
      return 'a number';
    case 'int8':
    case 'int16':
    case 'int32':
    case 'int64':
    case 'uint8':
    case 'uint16':
    case 'uint32':
    case 'uint64': {
      if (!INT.test(text.trim())) return `an integer (${type})`;
      const [lo, hi] = INT_RANGES[type]!;
      return `an integer between ${lo} and ${hi} (${type})`;
    }
    case 'date-day':
      return 'an ISO 8601 date (YYYY-MM-DD)';
    case 'timestamp-s':
    case 'timestamp-ms':
    case 'timestamp-us':
    case 'timestamp-ns':
      return `an ISO 8601 timestamp or integer epoch ${TIME_FACTOR[type]!.name}`;
    default:
      return String(type);
  }
}
