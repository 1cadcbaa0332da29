import { describe, expect, it } from 'vitest';
import { MlopsError } from '@mlops/contracts/errors';
import { compareKeys, normalizeStorePrefix, validateKey, validateKeyPrefix } from './keys.js';

function ruleOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (MlopsError.isInstance(error, 'INVALID_ARGUMENT')) return error.message;
    throw error;
  }
  throw new Error('expected INVALID_ARGUMENT');
}

describe('validateKey', () => {
  it('accepts ordinary relative keys', () => {
    for (const key of ['a', 'models/fraud/v3.json', 'a b/c', 'ünï/cødé', '..a/b..', 'a/.hidden', 'x'.repeat(1024)]) {
      expect(validateKey(key)).toBe(key);
    }
  });

  it('names the broken rule', () => {
    expect(ruleOf(() => validateKey(''))).toContain('empty');
    expect(ruleOf(() => validateKey('/a'))).toContain('starts with "/"');
    expect(ruleOf(() => validateKey('a//b'))).toContain('empty segment');
    expect(ruleOf(() => validateKey('a/'))).toContain('empty segment');
    expect(ruleOf(() => validateKey('a/../b'))).toContain('".." segment');
    expect(ruleOf(() => validateKey('./b'))).toContain('"." segment');
    expect(ruleOf(() => validateKey('a\\b'))).toContain('backslash');
    expect(ruleOf(() => validateKey('a\u0000'))).toContain('control character');
    expect(ruleOf(() => validateKey('a\u007f'))).toContain('control character');
    expect(ruleOf(() => validateKey('é'.repeat(513)))).toContain('1024 UTF-8 bytes');
    expect(ruleOf(() => validateKey('x/.mlops-tmp-1'))).toContain('reserved');
    expect(ruleOf(() => validateKey(42))).toContain('expected a string');
  });

  it('allows list prefixes that end in "/" or a partial segment', () => {
    expect(validateKeyPrefix('models/', 'prefix')).toBe('models/');
    expect(validateKeyPrefix('models/fr', 'prefix')).toBe('models/fr');
    expect(validateKeyPrefix(undefined, 'prefix')).toBe('');
    expect(ruleOf(() => validateKeyPrefix('/', 'prefix'))).toContain('Invalid list prefix');
    expect(ruleOf(() => validateKeyPrefix('../', 'startAfter'))).toContain('Invalid list startAfter');
  });

  it('normalises store prefixes', () => {
    expect(normalizeStorePrefix(undefined)).toBe('');
    expect(normalizeStorePrefix('/a/b/')).toBe('a/b/');
    expect(normalizeStorePrefix('a')).toBe('a/');
    expect(ruleOf(() => normalizeStorePrefix('a/../b'))).toContain('".."');
  });
});

describe('compareKeys', () => {
  it('orders by UTF-8 bytes like S3 and GCS', () => {
    const keys = ['z/\u{1F600}', 'a/b', 'a-b', 'z/\uff5e', 'a', 'z/\u00e9', 'ab'];
    const byBytes = [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect([...keys].sort(compareKeys)).toEqual(byBytes);
    expect(compareKeys('a', 'a')).toBe(0);
  });
});
