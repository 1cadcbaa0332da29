import type { ArrowTableLike } from './arrow-like.js';
import { InvalidArgumentError } from '@mlops/contracts/errors';
import type { ArrowTypeName } from './arrow-types.js';
import type { TypeMatcher } from './type-matcher.js';
import { describeMatcher } from './type-matcher.js';

/** One named column of a {@link TableContract}. */
export interface FieldContract {
  /** Exact column name (`snake_case`). */
  readonly name: string;
  /** Which Arrow types are accepted, checked structurally. */
  readonly type: TypeMatcher;
  /** Whether null values are allowed in the column's data. */
  readonly nullable: boolean;
  /** What the column means, for docs and error messages. */
  readonly description: string;
  /** Unit of the values (`ms`, `GiB`, `USD`...), when the column has one. */
  readonly unit?: string;
  /** True when the column may be absent altogether (if present, it must follow this contract). */
  readonly optional?: boolean;
  /** For string columns: the only values allowed (nulls excepted). */
  readonly allowedValues?: readonly string[];
  /** The concrete Arrow type schema builders use for this column. Default: derived from `type`. */
  readonly arrowType?: ArrowTypeName;
}

/** A family of columns sharing a name prefix, such as `input_*` or `label_*`. */
export interface ColumnFamilyContract {
  /** Name prefix, e.g. `input_`. A column `input_age` belongs to the family `input_`. */
  readonly prefix: string;
  /** Which Arrow types are accepted for every member. */
  readonly type: TypeMatcher;
  /** Whether members may hold nulls. */
  readonly nullable: boolean;
  /** What the members mean. */
  readonly description: string;
  /** Unit of the members' values, when they have one. */
  readonly unit?: string;
}

/** What a {@link RowCheck} found: how many rows break it and the first one. */
export interface RowCheckViolation {
  /** Rows that break the rule. */
  count: number;
  /** Index of the first such row. */
  firstRow: number;
}

/**
 * A rule on row values a contract adds to its column checks (e.g. `interval_end >
 * interval_start`). It runs only when every column it names passed its own checks.
 */
export interface RowCheck {
  /** The rule in words, e.g. `"interval_end > interval_start"`. */
  readonly rule: string;
  /** Columns the rule reads. */
  readonly columns: readonly string[];
  /** How to fix rows that break it. */
  readonly fix: string;
  /** Returns the violations, or null when every row follows the rule. */
  run(table: ArrowTableLike): RowCheckViolation | null;
}

/**
 * A table contract: the columns a table must have, their types, nullability and meaning.
 * Build one with {@link defineTableContract}; check a table with `validateTable`.
 */
export interface TableContract {
  /** Contract name, e.g. `PredictionLog`. */
  readonly name: string;
  /** What one row of the table is. */
  readonly description: string;
  /** Named columns, in canonical order. */
  readonly fields: readonly FieldContract[];
  /** Prefix families (`input_*`, `label_*`): columns matching a prefix are checked against it. */
  readonly families: readonly ColumnFamilyContract[];
  /** When true, columns that are neither fields nor family members are problems. Default false. */
  readonly strict: boolean;
  /** Rules on row values, checked after the columns. */
  readonly rowChecks: readonly RowCheck[];
}

/** Input of {@link defineTableContract}. */
export interface TableContractDefinition {
  /** Contract name. */
  name: string;
  /** What one row of the table is. */
  description?: string;
  /** Named columns. */
  fields: readonly FieldContract[];
  /** Prefix families. Default none. */
  families?: readonly ColumnFamilyContract[];
  /** Reject columns that are not declared. Default false (producers add columns freely). */
  strict?: boolean;
  /** Rules on row values. Default none. */
  rowChecks?: readonly RowCheck[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Builds and checks a {@link TableContract}: field names must be unique identifiers, families
 * must not overlap each other. Throws `INVALID_ARGUMENT` on a malformed definition.
 */
export function defineTableContract(definition: TableContractDefinition): TableContract {
  const seen = new Set<string>();
  for (const field of definition.fields) {
    if (!NAME.test(field.name)) {
      throw new InvalidArgumentError(
        `Contract "${definition.name}": field name "${field.name}" is not a valid column name; expected letters, digits and underscores, not starting with a digit.`,
      );
    }
    if (seen.has(field.name)) {
      throw new InvalidArgumentError(`Contract "${definition.name}": field "${field.name}" is declared twice; declare each column once.`);
    }
    seen.add(field.name);
    describeMatcher(field.type);
  }
  const families = definition.families ?? [];
  for (const family of families) {
    if (!family.prefix) throw new InvalidArgumentError(`Contract "${definition.name}": a column family has an empty prefix; give it a prefix such as "label_".`);
    for (const other of families) {
      if (other !== family && other.prefix.startsWith(family.prefix)) {
        throw new InvalidArgumentError(
          `Contract "${definition.name}": column families "${family.prefix}*" and "${other.prefix}*" overlap; use prefixes where neither starts with the other.`,
        );
      }
    }
    describeMatcher(family.type);
  }
  return Object.freeze({
    name: definition.name,
    description: definition.description ?? '',
    fields: Object.freeze([...definition.fields]),
    families: Object.freeze([...families]),
    strict: definition.strict ?? false,
    rowChecks: Object.freeze([...(definition.rowChecks ?? [])]),
  });
}

/** The field of `contract` named `name`, or the family whose prefix `name` starts with, or undefined. */
export function findContractColumn(contract: TableContract, name: string): FieldContract | ColumnFamilyContract | undefined {
  return contract.fields.find((f) => f.name === name) ?? contract.families.find((f) => name.startsWith(f.prefix));
}

/** A Markdown table describing every column of `contract` (name, type, nullability, unit, meaning). */
export function describeContract(contract: TableContract): string {
  const lines = [`### ${contract.name}`, '', contract.description, '', '| column | type | null | unit | meaning |', '|---|---|---|---|---|'];
  for (const f of contract.fields) {
    lines.push(`| ${f.name}${f.optional ? ' (optional)' : ''} | ${describeMatcher(f.type)} | ${f.nullable ? 'yes' : 'no'} | ${f.unit ?? ''} | ${f.description} |`);
  }
  for (const f of contract.families) {
    lines.push(`| ${f.prefix}<name> | ${describeMatcher(f.type)} | ${f.nullable ? 'yes' : 'no'} | ${f.unit ?? ''} | ${f.description} |`);
  }
  if (contract.rowChecks.length > 0) lines.push('', 'Row rules:', ...contract.rowChecks.map((c) => `- ${c.rule}`));
  return lines.join('\n');
}
