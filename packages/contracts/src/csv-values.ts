import type { ArrowTypeName } from './arrow-types.js';

const INT = /^[-+]?\d+$/;
const FLOAT = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$|^[-+]?(?:inf|infinity|nan)$/i;
const BOOL_TRUE = /^(?:true|TRUE|True)$/;
const BOOL_FALSE = /^(?:false|FALSE|False)$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** A parsed ISO 8601 time: whole epoch milliseconds plus the nanoseconds below them. */
export interface ParsedTime {
  ms: number;
  subMsNanos: number;
}

/**
 * Parses an ISO 8601 date or date-time (`2026-11-23`, `2026-11-23T12:00:00.123456Z`,
 * `2026-11-23 12:00:00+02:00`). Times without an offset are taken as UTC. Null if not ISO.
 */
export function parseIsoTime(text: string): ParsedTime | null {
  const date = DATE.exec(text);
  if (date) {
    const ms = Date.UTC(+date[1]!, +date[2]! - 1, +date[3]!);
    return validDate(+date[1]!, +date[2]!, +date[3]!, ms) ? { ms, subMsNanos: 0 } : null;
  }
  const m = TIMESTAMP.exec(text);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const hours = +h!;
  const minutes = +mi!;
  const seconds = s ? +s : 0;
  if (hours > 23 || minutes > 59 || seconds > 60) return null;
  let ms = Date.UTC(+y!, +mo! - 1, +d!, hours, minutes, seconds);
  if (!validDate(+y!, +mo!, +d!, ms)) return null;
  let subMsNanos = 0;
  if (frac) {
    const nanos = Number(frac.padEnd(9, '0'));
    ms += Math.floor(nanos / 1e6);
    subMsNanos = nanos % 1e6;
  }
  if (zone && zone.toUpperCase() !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offsetMinutes = +digits.slice(0, 2) * 60 + (digits.length > 2 ? +digits.slice(2, 4) : 0);
    ms -= sign * offsetMinutes * 60_000;
  }
  return { ms, subMsNanos };
}

function validDate(y: number, m: number, d: number, ms: number): boolean {
  if (Number.isNaN(ms)) return false;
  const check = new Date(ms);
  return check.getUTCFullYear() === y && check.getUTCMonth() === m - 1 && check.getUTCDate() === d;
}

/** The value kinds type inference distinguishes, from narrowest to widest. */
type Inferred = 'bool' | 'int64' | 'float64' | 'date-day' | 'timestamp-ms' | 'utf8' | 'empty';

function kindOf(value: string): Exclude<Inferred, 'empty'> {
  if (BOOL_TRUE.test(value) || BOOL_FALSE.test(value)) return 'bool';
  if (INT.test(value)) {
    try {
      const b = BigInt(value);
      return b >= -(2n ** 63n) && b < 2n ** 63n ? 'int64' : 'float64';
    } catch {
      return 'utf8';
    }
  }
  if (FLOAT.test(value)) return 'float64';
  if (DATE.test(value)) return parseIsoTime(value) ? 'date-day' : 'utf8';
  if (TIMESTAMP.test(value)) return parseIsoTime(value) ? 'timestamp-ms' : 'utf8';
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

/** Why a value failed to convert, or the converted value. */
export type Converted = { ok: true; value: unknown } | { ok: false; expected: string };

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
 * Converts one CSV text value to what `arrowDataFromValues` expects for `type`: numbers,
 * bigints (Int64/Uint64, timestamps in their unit), booleans, days (Date) or strings.
 */
export function convertValue(type: ArrowTypeName, text: string): Converted {
  switch (type) {
    case 'utf8':
    case 'large-utf8':
    case 'dictionary-utf8':
      return { ok: true, value: text };
    case 'bool':
      if (BOOL_TRUE.test(text) || text === '1') return { ok: true, value: true };
      if (BOOL_FALSE.test(text) || text === '0') return { ok: true, value: false };
      return { ok: false, expected: 'true or false' };
    case 'float32':
    case 'float64': {
      if (!FLOAT.test(text.trim())) return { ok: false, expected: 'a number' };
      const lower = text.trim().toLowerCase().replace(/^\+/, '');
      const value = lower === 'inf' || lower === 'infinity' ? Infinity : lower === '-inf' || lower === '-infinity' ? -Infinity : Number(text);
      return { ok: true, value };
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
      if (!INT.test(t)) return { ok: false, expected: `an integer (${type})` };
      if (t.length <= 15 && type !== 'int64' && type !== 'uint64') {
        // Up to 15 digits a double is exact: skip the BigInt allocation on the hot path.
        const n = Number(t);
        const [lo, hi] = INT_RANGES[type]!;
        if (n < Number(lo) || n > Number(hi)) return { ok: false, expected: `an integer between ${lo} and ${hi} (${type})` };
        return { ok: true, value: n };
      }
      const b = BigInt(t);
      const [lo, hi] = INT_RANGES[type]!;
      if (b < lo || b > hi) return { ok: false, expected: `an integer between ${lo} and ${hi} (${type})` };
      return { ok: true, value: type === 'int64' || type === 'uint64' ? b : Number(b) };
    }
    case 'date-day': {
      const parsed = parseIsoTime(text.trim());
      if (!parsed) return { ok: false, expected: 'an ISO 8601 date (YYYY-MM-DD)' };
      return { ok: true, value: Math.floor(parsed.ms / 86_400_000) };
    }
    case 'timestamp-s':
    case 'timestamp-ms':
    case 'timestamp-us':
    case 'timestamp-ns': {
      const t = text.trim();
      const parsed = parseIsoTime(t);
      if (parsed) {
        const ms = BigInt(parsed.ms);
        const value =
          type === 'timestamp-s' ? ms / 1000n : type === 'timestamp-ms' ? ms : type === 'timestamp-us' ? ms * 1000n + BigInt(Math.floor(parsed.subMsNanos / 1000)) : ms * 1_000_000n + BigInt(parsed.subMsNanos);
        return { ok: true, value };
      }
      // Bare integers are epoch values in the column's unit (what many exporters write).
      if (INT.test(t)) return { ok: true, value: BigInt(t) };
      return { ok: false, expected: `an ISO 8601 timestamp or integer epoch ${TIME_FACTOR[type]!.name}` };
    }
    default:
      return { ok: false, expected: String(type) };
  }
}
