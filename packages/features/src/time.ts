import { InvalidArgumentError } from '@mlops/contracts';

/** A point in time: a `Date`, an ISO 8601 string, or epoch milliseconds. */
export type TimeInput = Date | string | number;

// Epoch-ms values in [1e9, 1e11) are 1970-01-12..1973-03-03 as milliseconds but 2001..5138 as
// seconds: a real timestamp there is almost certainly seconds. Values over 1e14 (year 5138+) are
// micro- or nanoseconds. Smaller values (the first days of 1970) are left alone for tests.
const SECONDS_LOW = 1e9;
const SECONDS_HIGH = 1e11;
const MICROS_LOW = 1e14;

/** Epoch milliseconds of a {@link TimeInput}; throws `INVALID_ARGUMENT` naming `what` when it is not a valid time. */
export function toEpochMs(value: TimeInput, what: string): number {
  let ms: number;
  if (value instanceof Date) ms = value.getTime();
  else if (typeof value === 'string') ms = Date.parse(value);
  else if (typeof value === 'number') ms = value;
  else ms = NaN;
  if (!Number.isFinite(ms)) {
    throw new InvalidArgumentError(`${what}: expected a Date, an ISO 8601 string or epoch milliseconds, found ${JSON.stringify(value)}. Pass e.g. "2026-01-01T00:00:00Z".`, {
      details: { what },
    });
  }
  if (typeof value === 'number') checkPlausibleEpochMs([ms], what);
  return ms;
}

/**
 * Refuses epoch values that are almost certainly in the wrong unit: seconds where milliseconds
 * were meant, or micro/nanoseconds. Throws `INVALID_ARGUMENT` with `details.suspectedUnit`.
 */
export function checkPlausibleEpochMs(values: ArrayLike<number>, what: string): void {
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v === v && Math.abs(v) > max) max = Math.abs(v);
  }
  if (max === -Infinity) return;
  if (max >= SECONDS_LOW && max < SECONDS_HIGH) {
    throw new InvalidArgumentError(
      `${what}: expected epoch milliseconds, found values up to ${max} (${new Date(max).toISOString()} as ms, ${new Date(max * 1000).toISOString()} as seconds): these look like epoch SECONDS. ` +
        'Multiply by 1000, or use a Timestamp column with unit "s".',
      { details: { what, suspectedUnit: 's', max } },
    );
  }
  if (max >= MICROS_LOW) {
    const unit = max >= 1e17 ? 'ns' : 'us';
    throw new InvalidArgumentError(
      `${what}: expected epoch milliseconds, found values up to ${max} (after the year 5000 as ms): these look like epoch ${unit === 'ns' ? 'NANOSECONDS' : 'MICROSECONDS'}. ` +
        `Divide by ${unit === 'ns' ? '1e6' : '1000'}, or use a Timestamp column with unit "${unit}".`,
      { details: { what, suspectedUnit: unit, max } },
    );
  }
}
