import { setTimeout as sleep } from 'node:timers/promises';
import { MlopsError, type MlopsErrorOptions } from '@mlops/contracts/errors';

/** Code of {@link ConflictError}: a compare-and-swap kept losing until the attempt cap. */
export const CONFLICT = 'CONFLICT';

/**
 * A compare-and-swap (alias move, manifest update, log append, version number) lost to other
 * writers on every attempt up to the cap, or the store's conditional writes never succeed
 * (etags that do not match what its `ifMatch` compares). `retryable` is true: calling again
 * later may succeed. Nothing was written by the failed call.
 */
export class ConflictError extends MlopsError {
  constructor(message: string, options: MlopsErrorOptions = {}) {
    super(CONFLICT, message, { retryable: true, ...options });
    this.name = 'ConflictError';
  }

  /** True for a `CONFLICT` error from any copy of this package. */
  static override isInstance(value: unknown): value is ConflictError {
    return MlopsError.isInstance(value, CONFLICT);
  }
}

/** How every compare-and-swap loop retries: capped, with jittered exponential backoff. */
export interface RetryPolicy {
  /** Attempts before giving up with `CONFLICT` (default 16). */
  maxAttempts: number;
  /** Backoff before the second attempt, doubled per attempt (default 5 ms). */
  baseDelayMs: number;
  /** Ceiling of one backoff (default 500 ms). */
  maxDelayMs: number;
  /** Source of jitter in [0, 1) (default `Math.random`); injectable for tests. */
  random: () => number;
}

/** Retry settings a caller may override in {@link RegistryOptions.retry}. */
export type RetryOptions = Partial<RetryPolicy>;

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 16, baseDelayMs: 5, maxDelayMs: 500, random: Math.random };

/**
 * For loops where every lost race means another writer took the next number (log appends,
 * version numbers): more attempts, since losing is progress for the registry as a whole.
 */
export function progressPolicy(policy: RetryPolicy): RetryPolicy {
  return { ...policy, maxAttempts: policy.maxAttempts * 4 };
}

/** Returned by a CAS attempt that lost its race: the helper backs off and calls it again. */
export const LOST: unique symbol = Symbol('cas-lost');

/** Full-jitter backoff (AWS architecture blog): uniform in [0, min(max, base * 2^n)). */
export function backoffMs(policy: RetryPolicy, attempt: number): number {
  return policy.random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
}

/**
 * Runs `attempt` until it returns something other than {@link LOST}, at most
 * `policy.maxAttempts` times, sleeping a jittered backoff between attempts (which also yields
 * the event loop to other work). Errors thrown by `attempt` end the loop as they are.
 */
export async function retryCas<T>(policy: RetryPolicy, what: string, attempt: (n: number) => Promise<T | typeof LOST>, details?: Record<string, unknown>): Promise<T> {
  for (let n = 0; n < policy.maxAttempts; n++) {
    if (n > 0) await sleep(backoffMs(policy, n - 1));
    const result = await attempt(n);
    if (result !== LOST) return result;
  }
  throw new ConflictError(
    `Gave up on ${what} after ${policy.maxAttempts} attempts: every conditional write lost. Either other writers kept changing ` +
      'the same object (retry later), or the store does not honour If-Match/If-None-Match as it reports (check the server).',
    { details: { ...details, attempts: policy.maxAttempts } },
  );
}

/** Fills a policy from options, checking each number. */
export function resolveRetryPolicy(options: RetryOptions | undefined, invalid: (message: string) => never): RetryPolicy {
  const policy = { ...DEFAULT_RETRY, ...options };
  if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1) invalid(`Expected retry.maxAttempts to be a whole number >= 1, found ${JSON.stringify(policy.maxAttempts)}.`);
  for (const key of ['baseDelayMs', 'maxDelayMs'] as const) {
    if (typeof policy[key] !== 'number' || !(policy[key] >= 0)) invalid(`Expected retry.${key} to be a number >= 0, found ${JSON.stringify(policy[key])}.`);
  }
  if (typeof policy.random !== 'function') invalid('Expected retry.random to be a function returning a number in [0, 1).');
  return policy;
}
