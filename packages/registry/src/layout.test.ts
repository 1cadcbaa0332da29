import { describe, expect, it } from 'vitest';
import { createLayout } from './layout.js';

describe('createLayout', () => {
  const layout = createLayout('reg/');

  it('pads numbers so listing order is numeric order, and parses them back', () => {
    expect(layout.versionKey('m', 3)).toBe('reg/models/m/versions/0000000003.json');
    expect(layout.eventKey('m', 12)).toBe('reg/models/m/events/00000000000000000012.json');
    expect(layout.versionKey('m', 9) < layout.versionKey('m', 10)).toBe(true);
    expect(layout.versionFromKey('m', layout.versionKey('m', 42))).toBe(42);
    expect(layout.seqFromKey('m', layout.eventKey('m', 7))).toBe(7);
  });

  it('rejects keys that are not its own', () => {
    expect(layout.versionFromKey('m', 'reg/models/m/versions/3.json')).toBeUndefined();
    expect(layout.versionFromKey('m', 'reg/models/other/versions/0000000003.json')).toBeUndefined();
    expect(layout.seqFromKey('m', 'reg/models/m/events/00000000000000000012.tmp')).toBeUndefined();
    expect(layout.nameFromCatalogKey('reg/catalog/fraud.json')).toBe('fraud');
    expect(layout.nameFromCatalogKey('reg/catalog/bad name.json')).toBeUndefined();
  });

  it('shards content addresses by their first two hex digits', () => {
    const sha = 'ab'.repeat(32);
    expect(layout.blobPointerKey(sha)).toBe(`reg/blobs/sha256/ab/${sha}.json`);
    expect(layout.blobDataKey('cd12')).toBe('reg/blobs/data/cd/cd12');
    expect(createLayout('').modelPrefix('m')).toBe('models/m/');
  });
});
