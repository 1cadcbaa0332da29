import { MlopsError } from '@mlops/contracts/errors';
import { describe, expect, it } from 'vitest';
import { decodeAliasPointer, decodeBlobPointer, decodeCatalogSnapshot, decodeEvent, decodeIndex, decodeManifest, encodeCatalogSnapshot, encodeEvent, encodeJson, encodeManifest } from './codec.js';
import { emptyIndex } from './model-index.js';
import type { ModelVersion } from './types.js';

const enc = new TextEncoder();
const manifest: ModelVersion = {
  name: 'm',
  version: 1,
  createdAt: 1,
  updatedAt: 1,
  createdBy: 'a',
  description: '',
  status: 'READY',
  artifacts: [],
  metrics: {},
  params: {},
  tags: {},
  lineage: {},
  revision: 0,
};

function corruption(fn: () => unknown): MlopsError {
  try {
    fn();
  } catch (error) {
    if (MlopsError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected DATA_CORRUPTED');
}

describe('codec', () => {
  it('round-trips manifests and events without leaking formatVersion into them', () => {
    expect(decodeManifest('k', encodeManifest(manifest))).toEqual(manifest);
    const event = { seq: 1, type: 'alias_set' as const, name: 'm', at: 5, actor: 'a', alias: 'prod', to: 1 };
    expect(decodeEvent('k', encodeEvent(event))).toEqual(event);
    expect(decodeIndex('k', encodeJson(emptyIndex('m'))).name).toBe('m');
    expect(decodeCatalogSnapshot('k', encodeCatalogSnapshot([emptyIndex('m')], 9)).models).toHaveLength(1);
  });

  it('refuses damaged objects with DATA_CORRUPTED naming the key', () => {
    const notJson = corruption(() => decodeManifest('models/m/versions/1.json', enc.encode('{oops')));
    expect(notJson.code).toBe('DATA_CORRUPTED');
    expect(notJson.details).toEqual({ key: 'models/m/versions/1.json' });
    expect(notJson.message).toContain('not JSON');
    expect(corruption(() => decodeEvent('e', enc.encode('[1]'))).message).toContain('not a JSON object');
    expect(corruption(() => decodeAliasPointer('a', encodeJson({ formatVersion: 1, alias: 'x', version: '3', revision: 1, from: null }))).message).toContain(
      'field "version" is string, expected number|null',
    );
    expect(corruption(() => decodeBlobPointer('b', encodeJson({ formatVersion: 2, sha256: 'x', size: 1, blob: 'y' }))).message).toContain('newer than this');
    expect(corruption(() => decodeCatalogSnapshot('s', encodeJson({ formatVersion: 1, builtAt: 1, models: [1] }))).code).toBe('DATA_CORRUPTED');
  });
});
