import { describe, expect, it } from 'vitest';
import { backoffMs, ConflictError, DEFAULT_RETRY, LOST, retryCas } from './cas.js';

describe('retryCas', () => {
  it('returns the first result that is not LOST', async () => {
    let calls = 0;
    const value = await retryCas({ ...DEFAULT_RETRY, baseDelayMs: 0 }, 'test', async () => (++calls < 3 ? LOST : 'done'));
    expect(value).toBe('done');
    expect(calls).toBe(3);
  });

  it('gives up after maxAttempts with a retryable CONFLICT error, yielding between attempts', async () => {
    let calls = 0;
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    const error = await retryCas({ ...DEFAULT_RETRY, maxAttempts: 5, baseDelayMs: 2, random: () => 1 }, 'moving m@prod', async () => {
      calls++;
      return LOST;
    }).catch((e: unknown) => e);
    clearInterval(timer);
    expect(calls).toBe(5);
    expect(ConflictError.isInstance(error)).toBe(true);
    expect((error as ConflictError).retryable).toBe(true);
    expect((error as ConflictError).message).toContain('moving m@prod after 5 attempts');
    expect(ticks).toBeGreaterThan(0);
  });

  it('backs off exponentially with full jitter under a ceiling', () => {
    const policy = { ...DEFAULT_RETRY, baseDelayMs: 10, maxDelayMs: 100, random: () => 0.5 };
    expect([0, 1, 2, 3, 4].map((n) => backoffMs(policy, n))).toEqual([5, 10, 20, 40, 50]);
  });

  it('lets other errors through at once', async () => {
    await expect(retryCas(DEFAULT_RETRY, 't', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
  });
});
