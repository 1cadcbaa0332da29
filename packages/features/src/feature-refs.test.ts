import { describe, expect, it } from 'vitest';
import { driverStore } from '../test/driver-store.js';
import { resolveFeatureRefs } from './feature-refs.js';

describe('resolveFeatureRefs', () => {
  const { catalog } = driverStore();

  it('resolves a repeated request once and returns the same answer', () => {
    const first = resolveFeatureRefs(catalog, ['driver_stats:conv_rate', 'driver_stats:trips'], true);
    expect(first.features.map((f) => f.outputName)).toEqual(['driver_stats__conv_rate', 'driver_stats__trips']);
    expect(resolveFeatureRefs(catalog, ['driver_stats:conv_rate', 'driver_stats:trips'], true)).toBe(first);
    // Any other list, flag or reserved column is its own request.
    expect(resolveFeatureRefs(catalog, ['driver_stats:conv_rate', 'driver_stats:trips'], false).features.map((f) => f.outputName)).toEqual(['conv_rate', 'trips']);
    expect(resolveFeatureRefs(catalog, ['driver_stats:trips', 'driver_stats:conv_rate'], true).features.map((f) => f.feature)).toEqual(['trips', 'conv_rate']);
    expect(() => resolveFeatureRefs(catalog, ['driver_stats:conv_rate'], false, ['conv_rate'])).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('never answers an invalid list from the cache of a valid one, and keeps refusing it', () => {
    resolveFeatureRefs(catalog, ['driver_stats:conv_rate', 'driver_stats:trips'], true);
    for (let i = 0; i < 2; i++) {
      // Joined with a separator these would collide with the valid list above.
      expect(() => resolveFeatureRefs(catalog, ['driver_stats:conv_rate\u0001driver_stats:trips'], true)).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
      expect(() => resolveFeatureRefs(catalog, ['driver_stats:conv_rate,driver_stats:trips'], true)).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
      expect(() => resolveFeatureRefs(catalog, ['driver_stats:nope'], true)).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    }
  });
});
