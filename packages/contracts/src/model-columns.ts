import { InvalidArgumentError } from '@mlops/contracts/errors';
import type { ArrowTypeName } from './arrow-types.js';
import type { FieldContract } from './table-contract.js';
import type { TypeMatcher } from './type-matcher.js';

/** A caller-named column (a model input, output, feature or entity key). */
export interface NamedColumnSpec {
  /** Column name without any prefix (`age`, not `input_age`). */
  name: string;
  /** Accepted Arrow types. Default depends on the contract (`scalar` for features). */
  type?: TypeMatcher;
  /** Concrete type for schema builders. Default depends on `type` (`float64` for scalars). */
  arrowType?: ArrowTypeName;
  /** What the column means. */
  description?: string;
  /** Unit of the values. */
  unit?: string;
}

/** A column given by name only, or fully specified. */
export type ColumnSpecInput = string | NamedColumnSpec;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Turns caller-named columns into contract fields with a prefix (`input_`) and defaults. */
export function namedColumnFields(
  what: string,
  prefix: string,
  specs: readonly ColumnSpecInput[],
  defaults: { type: TypeMatcher; nullable: boolean; description: (name: string) => string },
): FieldContract[] {
  return specs.map((input) => {
    const spec: NamedColumnSpec = typeof input === 'string' ? { name: input } : input;
    if (typeof spec.name !== 'string' || !NAME.test(spec.name)) {
      throw new InvalidArgumentError(
        `${what} name ${JSON.stringify(spec.name)} is not a valid column name: expected letters, digits and underscores, not starting with a digit (e.g. "account_age_days").`,
      );
    }
    return {
      name: `${prefix}${spec.name}`,
      type: spec.type ?? defaults.type,
      nullable: defaults.nullable,
      description: spec.description ?? defaults.description(spec.name),
      ...(spec.unit !== undefined ? { unit: spec.unit } : {}),
      ...(spec.arrowType !== undefined ? { arrowType: spec.arrowType } : {}),
    };
  });
}
