import { Float64, Int64, Table, TimeUnit, Timestamp, Utf8, vectorFromArray } from 'apache-arrow';
import type { DataType, Vector } from 'apache-arrow';

/** A table from plain columns with explicit Arrow types (times as epoch ms or ISO strings). */
export function table(columns: Record<string, [DataType, readonly unknown[]]>): Table {
  const vectors: Record<string, Vector> = {};
  for (const [name, [type, values]] of Object.entries(columns)) {
    const converted = values.map((v) => {
      if (v === null || v === undefined) return null;
      if (type instanceof Timestamp) return typeof v === 'string' ? Date.parse(v) : v;
      if (type instanceof Int64) return BigInt(v as number);
      return v;
    });
    vectors[name] = vectorFromArray(converted, type) as Vector;
  }
  return new Table(vectors);
}

export const ts = () => new Timestamp(TimeUnit.MILLISECOND, 'UTC');
export const i64 = () => new Int64();
export const f64 = () => new Float64();
export const utf8 = () => new Utf8();
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
export const MINUTE_MS = 60_000;
/** 2026-01-01T00:00:00Z. */
export const T0 = Date.UTC(2026, 0, 1);
