import { InvalidArgumentError } from '@mlops/contracts';
import { sortFloat64 } from './internal/radix-sort.js';

/**
 * A numerical sample: a `Float64Array` (or any typed array) or a plain array. `null`, `undefined`,
 * `NaN` and ±`Infinity` entries are ignored and counted.
 */
export type NumericSample = Float64Array | Float32Array | Int32Array | readonly (number | null | undefined)[];

/** A sample after cleaning: finite values sorted ascending, plus how many entries were ignored. */
export interface SortedSample {
  /** Finite values, ascending. */
  readonly values: Float64Array;
  /** Entries ignored: null, undefined, NaN or ±Infinity. */
  readonly ignored: number;
}

/** Drops null/NaN/±Infinity, copies, and sorts ascending (radix sort on large inputs). */
export function toSortedSample(input: NumericSample, name: string): SortedSample {
  if (input === null || typeof input !== 'object' || typeof (input as { length?: unknown }).length !== 'number') {
    throw new InvalidArgumentError(
      `Expected ${name} to be a Float64Array or an array of numbers, found ${input === null ? 'null' : typeof input}. Pass the column's values, e.g. Float64Array.from(values).`,
    );
  }
  const n = input.length;
  const out = new Float64Array(n);
  let k = 0;
  if (ArrayBuffer.isView(input)) {
    const arr = input as Float64Array;
    for (let i = 0; i < n; i++) {
      const v = arr[i]!;
      if (v - v === 0) out[k++] = v;
    }
  } else {
    const arr = input as readonly unknown[];
    for (let i = 0; i < n; i++) {
      const v = arr[i];
      if (typeof v === 'number') {
        if (v - v === 0) out[k++] = v;
      } else if (v !== null && v !== undefined) {
        throw new InvalidArgumentError(
          `Expected ${name}[${i}] to be a number, null or undefined, found ${typeof v} (${String(v).slice(0, 40)}). Convert the column to numbers first, or use the categorical tests for strings.`,
        );
      }
    }
  }
  const values = k === n ? out : out.slice(0, k);
  sortFloat64(values);
  return { values, ignored: n - k };
}

/** Wraps an already sorted, finite Float64Array without copying (internal fast path). */
export function sortedSampleOf(values: Float64Array, ignored = 0): SortedSample {
  return { values, ignored };
}
