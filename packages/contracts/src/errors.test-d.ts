import { describe, expectTypeOf, it } from 'vitest';
import { MlopsError, SchemaMismatchError, type MlopsErrorCode } from '@mlops/contracts/errors';

// The documented type guards narrow as the README says (checked by vitest's typecheck mode).
describe('error type guards', () => {
  it('MlopsError.isInstance narrows unknown to MlopsError', () => {
    const e: unknown = new Error('x');
    if (MlopsError.isInstance(e)) {
      expectTypeOf(e).toEqualTypeOf<MlopsError>();
      expectTypeOf(e.code).toEqualTypeOf<MlopsErrorCode>();
      expectTypeOf(e.retryable).toEqualTypeOf<boolean>();
    } else {
      expectTypeOf(e).toEqualTypeOf<unknown>();
    }
    if (MlopsError.isInstance(e, 'NOT_FOUND')) expectTypeOf(e).toEqualTypeOf<MlopsError>();
    expectTypeOf(MlopsError.isInstance).parameter(1).toEqualTypeOf<MlopsErrorCode | undefined>();
  });

  it('SchemaMismatchError.isInstance narrows to the problems list', () => {
    const e: unknown = new Error('x');
    if (SchemaMismatchError.isInstance(e)) {
      expectTypeOf(e).toEqualTypeOf<SchemaMismatchError>();
      expectTypeOf(e.problems).toEqualTypeOf<readonly string[]>();
    }
    // The base guard with the same code does not give `problems`.
    if (MlopsError.isInstance(e, 'SCHEMA_MISMATCH')) expectTypeOf(e).not.toHaveProperty('problems');
  });
});
