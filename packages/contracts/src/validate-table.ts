import type { ArrowTableLike, ArrowVectorLike } from './arrow-like.js';
import { countNulls, toCategoryCodes } from './column-readers.js';
import { InvalidArgumentError, SchemaMismatchError } from '@mlops/contracts/errors';
import type { ColumnFamilyContract, FieldContract, TableContract } from './table-contract.js';
import { describeType, isTimestamp, isUtf8Like, timeUnitName } from './type-kinds.js';
import { describeMatcher, matchesType } from './type-matcher.js';

/** One problem found by {@link checkTable}. `message` says what was expected, what was found and how to fix it. */
export type SchemaProblem =
  | { kind: 'missing-column'; column: string; expected: string; message: string }
  | { kind: 'wrong-type'; column: string; expected: string; found: string; message: string }
  | { kind: 'unexpected-nulls'; column: string; nullCount: number; firstNullRow: number; message: string }
  | { kind: 'extra-column'; column: string; found: string; message: string }
  | { kind: 'duplicate-column'; column: string; message: string }
  | { kind: 'value-not-allowed'; column: string; count: number; firstRow: number; value: string; allowed: readonly string[]; message: string }
  | { kind: 'row-check-failed'; column: string; rule: string; count: number; firstRow: number; message: string };

/** Options of {@link validateTable} and {@link checkTable}. */
export interface ValidateTableOptions {
  /** Override the contract's `strict`: when true, undeclared columns are problems. */
  strict?: boolean;
  /** Skip data checks (nulls, allowed values) and compare schemas only. Default false. */
  schemaOnly?: boolean;
}

/** A note about a column that is acceptable but worth knowing (a non-ms or non-UTC timestamp). */
export interface SchemaNote {
  /** The column concerned. */
  column: string;
  /** What was noticed. */
  message: string;
}

/** Everything {@link checkTable} found: problems (the table breaks the contract) and notes. */
export interface TableCheckResult {
  /** True when there are no problems. */
  ok: boolean;
  /** Every problem, in column order. */
  problems: SchemaProblem[];
  /** Acceptable deviations from the preferred types (e.g. `Timestamp<us>` where ms is preferred). */
  notes: SchemaNote[];
}

function isTableLike(value: unknown): value is ArrowTableLike {
  if (typeof value !== 'object' || value === null) return false;
  const t = value as Partial<ArrowTableLike>;
  return typeof t.getChild === 'function' && typeof t.numRows === 'number' && Array.isArray(t.schema?.fields);
}

function checkColumn(
  spec: FieldContract | ColumnFamilyContract,
  name: string,
  vector: ArrowVectorLike | null,
  declaredType: ArrowVectorLike['type'],
  options: ValidateTableOptions,
  problems: SchemaProblem[],
  notes: SchemaNote[],
): void {
  if (!matchesType(spec.type, declaredType)) {
    const expected = describeMatcher(spec.type);
    const found = describeType(declaredType);
    problems.push({
      kind: 'wrong-type',
      column: name,
      expected,
      found,
      message: `column "${name}": expected ${expected}, found ${found}. Cast the column to the expected type when building the table.`,
    });
    return;
  }
  if (spec.type === 'timestamp-like' && !isTimestamp(declaredType)) {
    notes.push({ column: name, message: `column "${name}" is ${describeType(declaredType)}; read as epoch milliseconds (the contract prefers Timestamp<ms, UTC>).` });
  }
  if (isTimestamp(declaredType)) {
    const unit = timeUnitName(declaredType.unit);
    const tz = declaredType.timezone;
    if (unit !== 'ms' || tz !== 'UTC') {
      notes.push({ column: name, message: `column "${name}" is Timestamp<${unit}, ${tz ?? 'no time zone'}>; accepted, the contract prefers Timestamp<ms, UTC>.` });
    }
  }
  if (options.schemaOnly || vector === null) return;
  if (!spec.nullable) {
    const { nullCount, firstNullRow } = countNulls(vector);
    if (nullCount > 0) {
      problems.push({
        kind: 'unexpected-nulls',
        column: name,
        nullCount,
        firstNullRow,
        message: `column "${name}": expected no nulls, found ${nullCount} null${nullCount === 1 ? '' : 's'} (first at row ${firstNullRow}). Fill or drop those rows before writing.`,
      });
    }
  }
  const allowed = 'allowedValues' in spec ? spec.allowedValues : undefined;
  if (allowed && allowed.length > 0 && isUtf8Like(declaredType)) {
    const { codes, categories } = toCategoryCodes(vector, name);
    const allowedSet = new Set(allowed);
    const bad = new Set<number>();
    categories.forEach((c, i) => {
      if (!allowedSet.has(c)) bad.add(i);
    });
    if (bad.size > 0) {
      let count = 0;
      let firstRow = -1;
      for (let i = 0; i < codes.length; i++) {
        if (bad.has(codes[i]!)) {
          if (firstRow < 0) firstRow = i;
          count++;
        }
      }
      const value = categories[codes[firstRow]!]!;
      problems.push({
        kind: 'value-not-allowed',
        column: name,
        count,
        firstRow,
        value,
        allowed,
        message: `column "${name}": expected one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}, found ${JSON.stringify(value)} (${count} row${count === 1 ? '' : 's'} not allowed, first at row ${firstRow}). Map those values to an allowed one.`,
      });
    }
  }
}

/**
 * Checks `table` against `contract` without throwing and returns every problem found:
 * missing columns, wrong types (expected vs found), nulls in non-nullable columns (count and
 * first row), values outside a field's `allowedValues`, duplicate column names, and (when
 * strict) undeclared columns. Checks are structural: tables from any copy of `apache-arrow`
 * (or any object shaped like one) work.
 */
export function checkTable(table: ArrowTableLike, contract: TableContract, options: ValidateTableOptions = {}): TableCheckResult {
  if (!isTableLike(table)) {
    throw new InvalidArgumentError(
      `checkTable expected an Arrow Table or RecordBatch (an object with schema.fields, numRows and getChild), found ${table === null ? 'null' : typeof table}. Pass an apache-arrow Table.`,
    );
  }
  const strict = options.strict ?? contract.strict;
  const problems: SchemaProblem[] = [];
  const notes: SchemaNote[] = [];
  const fieldsByName = new Map<string, (typeof table.schema.fields)[number]>();
  for (const field of table.schema.fields) {
    if (fieldsByName.has(field.name)) {
      problems.push({
        kind: 'duplicate-column',
        column: field.name,
        message: `column "${field.name}": expected once, found more than once. Rename or drop the duplicate.`,
      });
    } else fieldsByName.set(field.name, field);
  }
  for (const spec of contract.fields) {
    const field = fieldsByName.get(spec.name);
    if (field === undefined) {
      if (!spec.optional) {
        const expected = describeMatcher(spec.type);
        problems.push({
          kind: 'missing-column',
          column: spec.name,
          expected,
          message: `column "${spec.name}": expected ${expected}${spec.nullable ? '' : ', non-null'} (${spec.description}), found no such column. Add it to the table.`,
        });
      }
      continue;
    }
    checkColumn(spec, spec.name, table.getChild(spec.name), field.type, options, problems, notes);
  }
  const declared = new Set(contract.fields.map((f) => f.name));
  for (const field of fieldsByName.values()) {
    if (declared.has(field.name)) continue;
    const family = contract.families.find((f) => field.name.startsWith(f.prefix));
    if (family) {
      checkColumn(family, field.name, table.getChild(field.name), field.type, options, problems, notes);
    } else if (strict) {
      const families = contract.families.map((f) => `${f.prefix}*`);
      problems.push({
        kind: 'extra-column',
        column: field.name,
        found: describeType(field.type),
        message: `column "${field.name}": not part of the ${contract.name} contract (strict), found ${describeType(field.type)}. Drop it${families.length ? `, rename it into a declared family (${families.join(', ')})` : ''}, or validate with strict: false.`,
      });
    }
  }
  if (!options.schemaOnly) {
    const broken = new Set(problems.map((p) => p.column));
    for (const check of contract.rowChecks) {
      if (check.columns.some((c) => broken.has(c) || table.getChild(c) === null)) continue;
      const violation = check.run(table);
      if (violation && violation.count > 0) {
        problems.push({
          kind: 'row-check-failed',
          column: check.columns.join(', '),
          rule: check.rule,
          count: violation.count,
          firstRow: violation.firstRow,
          message: `rows must satisfy ${check.rule}: ${violation.count} row${violation.count === 1 ? '' : 's'} do${violation.count === 1 ? 'es' : ''} not (first at row ${violation.firstRow}). ${check.fix}`,
        });
      }
    }
  }
  return { ok: problems.length === 0, problems, notes };
}

/**
 * Throws one `SchemaMismatchError` listing every problem when `table` does not follow
 * `contract`; returns the table (typed as given) when it does. The error's `problems` holds one
 * line per problem and `details.problems` the structured {@link SchemaProblem}s.
 */
export function validateTable<T extends ArrowTableLike>(table: T, contract: TableContract, options: ValidateTableOptions = {}): T {
  const { problems } = checkTable(table, contract, options);
  if (problems.length > 0) {
    const lines = problems.map((p) => p.message);
    throw new SchemaMismatchError(
      `Table does not follow the ${contract.name} contract: ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n` +
        lines.map((l) => `  - ${l}`).join('\n') +
        `\nFix the table (or the producer writing it) so each column matches; describeContract(${contract.name}) lists every column.`,
      { problems: lines, details: { contract: contract.name, problems } },
    );
  }
  return table;
}
