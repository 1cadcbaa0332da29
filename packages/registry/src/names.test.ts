import { MlopsError } from '@mlops/contracts/errors';
import { describe, expect, it } from 'vitest';
import { parseModelRef, validateAlias, validateArtifactPath, validateModelName, validateTag } from './names.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return MlopsError.isInstance(error) ? error.code : 'not-mlops';
  }
  return undefined;
}

describe('names', () => {
  it('accepts MLflow-style names and rejects others with INVALID_ARGUMENT naming the rule', () => {
    expect(validateModelName('fraud-detector_v2')).toBe('fraud-detector_v2');
    for (const bad of ['', 'a b', 'a/b', 'ümlaut', 'x'.repeat(256), '..']) {
      expect(codeOf(() => validateModelName(bad))).toBe('INVALID_ARGUMENT');
    }
    expect(() => validateModelName('a/b')).toThrow(/letters, digits, "_" and "-"/);
  });

  it('reserves latest and v<digits> as aliases', () => {
    expect(validateAlias('champion')).toBe('champion');
    for (const reserved of ['latest', 'LATEST', 'v1', 'V42']) {
      expect(() => validateAlias(reserved)).toThrow(/reserved/);
    }
    expect(validateAlias('v1beta')).toBe('v1beta');
  });

  it('limits tag keys and values', () => {
    expect(() => validateTag('k', 'v')).not.toThrow();
    expect(codeOf(() => validateTag('', 'v'))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => validateTag('k'.repeat(251), 'v'))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => validateTag('k', 'v'.repeat(5001)))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => validateTag('k', 3))).toBe('INVALID_ARGUMENT');
  });

  it('parses references', () => {
    expect(parseModelRef('fraud/3')).toEqual({ name: 'fraud', kind: 'version', version: 3 });
    expect(parseModelRef('fraud@champion')).toEqual({ name: 'fraud', kind: 'alias', alias: 'champion' });
    expect(parseModelRef('fraud@latest')).toEqual({ name: 'fraud', kind: 'latest' });
    expect(parseModelRef('fraud@v7')).toEqual({ name: 'fraud', kind: 'version', version: 7 });
    expect(parseModelRef('models:/fraud/2')).toEqual({ name: 'fraud', kind: 'version', version: 2 });
    for (const bad of ['fraud', 'fraud/0', 'fraud/x', 'fraud/-1', 'fraud@', '/3', 'fra ud/1']) {
      expect(codeOf(() => parseModelRef(bad))).toBe('INVALID_ARGUMENT');
    }
    expect(() => parseModelRef('fraud')).toThrow(/"<name>\/<version>"/);
  });

  it('refuses artifact paths that could escape the version', () => {
    expect(validateArtifactPath('a/b.txt')).toBe('a/b.txt');
    for (const bad of ['../x', 'a/../b', '/abs', 'a//b', 'a\\b', './a', '', 'a\u0001']) {
      expect(codeOf(() => validateArtifactPath(bad))).toBe('INVALID_ARGUMENT');
    }
  });
});
