import { describe, expectTypeOf, it } from 'vitest';
import { isProfile, type Profile } from '@mlops/drift';

// The documented type guard narrows as the README says (checked by vitest's typecheck mode).
describe('isProfile', () => {
  it('narrows unknown to Profile', () => {
    const value: unknown = JSON.parse('{}');
    if (isProfile(value)) expectTypeOf(value).toEqualTypeOf<Profile>();
    else expectTypeOf(value).toEqualTypeOf<unknown>();
    expectTypeOf(isProfile).returns.toEqualTypeOf<boolean>();
  });
});
