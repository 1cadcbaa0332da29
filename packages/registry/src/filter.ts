import { InvalidArgumentError } from '@mlops/contracts/errors';
import type { ParamValue, VersionSummary } from './types.js';

/** A field the filter language and `orderBy` understand. */
export type FilterField =
  | { kind: 'name' }
  | { kind: 'version' }
  | { kind: 'created_at' }
  | { kind: 'updated_at' }
  | { kind: 'run_id' }
  | { kind: 'status' }
  | { kind: 'tags'; key: string }
  | { kind: 'metrics'; key: string }
  | { kind: 'params'; key: string }
  | { kind: 'alias' }
  | { kind: 'lineage'; path: LineagePath };

/** Lineage fields the filter reads: `lineage.dataset.sha256` and `lineage.dataset.uri` match any dataset. */
export type LineagePath = 'dataset.sha256' | 'dataset.uri' | 'dataset.role' | 'code.commit' | 'code.repo' | 'code.path' | 'parent_run' | 'author';

const LINEAGE_PATHS: readonly LineagePath[] = ['dataset.sha256', 'dataset.uri', 'dataset.role', 'code.commit', 'code.repo', 'code.path', 'parent_run', 'author'];

/** A comparison operator of the filter language. */
export type FilterOperator = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'LIKE' | 'ILIKE' | 'IN' | 'IS NULL' | 'IS NOT NULL';

/** One `field op value` clause; clauses are joined by AND. */
export interface FilterClause {
  /** The field compared. */
  field: FilterField;
  /** The operator. */
  op: FilterOperator;
  /** One value, or several for `IN`. */
  values: (string | number)[];
  /** Offset of the clause in the filter text. */
  position: number;
}

type Token =
  | { type: 'ident'; text: string; position: number }
  | { type: 'string'; value: string; position: number }
  | { type: 'number'; value: number; position: number }
  | { type: 'op'; text: string; position: number }
  | { type: 'punct'; text: '(' | ')' | ','; position: number }
  | { type: 'end'; position: number };

const FIELD_HELP =
  'name, version, created_at, updated_at, run_id, status, alias, tags.<key>, metrics.<key>, params.<key> or lineage.<dataset.sha256|dataset.uri|dataset.role|code.commit|code.repo|code.path|parent_run|author>';

function syntaxError(source: string, position: number, expected: string, found: string): never {
  const caret = `${source}\n${' '.repeat(position)}^`;
  throw new InvalidArgumentError(
    `Invalid filter at position ${position + 1}: expected ${expected}, found ${found}.\n${caret}`,
    { details: { filter: source, position, expected, found } },
  );
}

function describe(token: Token): string {
  switch (token.type) {
    case 'end':
      return 'the end of the filter';
    case 'string':
      return `the string '${token.value}'`;
    case 'number':
      return `the number ${token.value}`;
    case 'ident':
    case 'op':
    case 'punct':
      return `"${token.text}"`;
  }
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const start = i;
    if (ch === "'" || ch === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= source.length) syntaxError(source, start, `a closing ${ch} for the string that starts here`, 'the end of the filter');
        const c = source[i]!;
        // SQL style: a doubled quote inside a string is one quote character.
        if (c === ch && source[i + 1] === ch) {
          value += ch;
          i += 2;
        } else if (c === ch) {
          i++;
          break;
        } else {
          value += c;
          i++;
        }
      }
      tokens.push({ type: 'string', value, position: start });
    } else if (/[0-9]/.test(ch) || ((ch === '-' || ch === '.') && /[0-9.]/.test(source[i + 1] ?? ''))) {
      const match = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(source.slice(i));
      if (!match) syntaxError(source, start, 'a number', JSON.stringify(ch));
      tokens.push({ type: 'number', value: Number(match[0]), position: start });
      i += match[0].length;
    } else if (/[A-Za-z_]/.test(ch)) {
      // Identifiers may be dotted (`metrics.auc`) and a key may be backquoted (`tags.\`my key\``).
      let text = '';
      while (i < source.length) {
        const c = source[i]!;
        if (/[A-Za-z0-9_\-.]/.test(c)) {
          text += c;
          i++;
        } else if (c === '`') {
          const close = source.indexOf('`', i + 1);
          if (close < 0) syntaxError(source, i, 'a closing ` for the quoted key', 'the end of the filter');
          text += source.slice(i + 1, close);
          i = close + 1;
        } else break;
      }
      tokens.push({ type: 'ident', text, position: start });
    } else if (ch === '(' || ch === ')' || ch === ',') {
      tokens.push({ type: 'punct', text: ch, position: start });
      i++;
    } else {
      const two = source.slice(i, i + 2);
      if (two === '!=' || two === '<=' || two === '>=' || two === '<>') {
        tokens.push({ type: 'op', text: two === '<>' ? '!=' : two, position: start });
        i += 2;
      } else if (ch === '=' || ch === '<' || ch === '>') {
        tokens.push({ type: 'op', text: ch, position: start });
        i++;
      } else if (two === '==') {
        tokens.push({ type: 'op', text: '=', position: start });
        i += 2;
      } else {
        syntaxError(source, start, `a field (${FIELD_HELP}), an operator, a value or AND`, JSON.stringify(ch));
      }
    }
  }
  tokens.push({ type: 'end', position: source.length });
  return tokens;
}

/** Parses a field name (`metrics.auc`, `version`...) or returns undefined. */
export function parseField(text: string): FilterField | undefined {
  const lower = text.toLowerCase();
  switch (lower) {
    case 'name':
      return { kind: 'name' };
    case 'version':
    case 'version_number':
      return { kind: 'version' };
    case 'created_at':
    case 'creation_timestamp':
      return { kind: 'created_at' };
    case 'updated_at':
    case 'last_updated_timestamp':
      return { kind: 'updated_at' };
    case 'run_id':
      return { kind: 'run_id' };
    case 'status':
      return { kind: 'status' };
    case 'alias':
    case 'aliases':
      return { kind: 'alias' };
  }
  if (lower.startsWith('lineage.')) {
    const rest = lower.slice('lineage.'.length).replace(/^datasets\./, 'dataset.').replace('parentrun', 'parent_run');
    return (LINEAGE_PATHS as readonly string[]).includes(rest) ? { kind: 'lineage', path: rest as LineagePath } : undefined;
  }
  const dot = text.indexOf('.');
  if (dot < 0) return undefined;
  const group = text.slice(0, dot).toLowerCase();
  const key = text.slice(dot + 1);
  if (key.length === 0) return undefined;
  if (group === 'tags' || group === 'tag') return { kind: 'tags', key };
  if (group === 'metrics' || group === 'metric') return { kind: 'metrics', key };
  if (group === 'params' || group === 'param') return { kind: 'params', key };
  return undefined;
}

/** A parsed filter: clauses combined with AND / OR and parentheses. */
export type FilterExpression =
  | { kind: 'clause'; clause: FilterClause }
  | { kind: 'and'; items: FilterExpression[] }
  | { kind: 'or'; items: FilterExpression[] };

function parseTokens(source: string): { tokens: Token[]; clause: (p: number) => [FilterClause, number] } {
  const tokens = tokenize(source);
  const clause = (start: number): [FilterClause, number] => {
    let p = start;
    const fieldToken = tokens[p++]!;
    if (fieldToken.type !== 'ident') syntaxError(source, fieldToken.position, `a field (${FIELD_HELP})`, describe(fieldToken));
    const field = parseField(fieldToken.text);
    if (!field) syntaxError(source, fieldToken.position, `a field (${FIELD_HELP})`, `"${fieldToken.text}"`);
    const opToken = tokens[p++]!;
    let op: FilterOperator;
    if (opToken.type === 'op') op = opToken.text as FilterOperator;
    else if (opToken.type === 'ident' && opToken.text.toUpperCase() === 'IS') {
      const not = tokens[p]!.type === 'ident' && (tokens[p] as { text: string }).text.toUpperCase() === 'NOT';
      if (not) p++;
      const nullToken = tokens[p++]!;
      if (nullToken.type !== 'ident' || nullToken.text.toUpperCase() !== 'NULL') syntaxError(source, nullToken.position, 'NULL after IS [NOT]', describe(nullToken));
      return [{ field, op: not ? 'IS NOT NULL' : 'IS NULL', values: [], position: fieldToken.position }, p];
    } else if (opToken.type === 'ident' && ['LIKE', 'ILIKE', 'IN'].includes(opToken.text.toUpperCase())) {
      op = opToken.text.toUpperCase() as FilterOperator;
    } else syntaxError(source, opToken.position, 'an operator (= != < <= > >= LIKE ILIKE IN IS NULL IS NOT NULL)', describe(opToken));
    const values: (string | number)[] = [];
    if (op === 'IN') {
      const open = tokens[p++]!;
      if (open.type !== 'punct' || open.text !== '(') syntaxError(source, open.position, '"(" to start the IN list', describe(open));
      for (;;) {
        const v = tokens[p++]!;
        if (v.type !== 'string' && v.type !== 'number') syntaxError(source, v.position, 'a quoted string or a number', describe(v));
        values.push(v.value);
        const sep = tokens[p++]!;
        if (sep.type === 'punct' && sep.text === ')') break;
        if (sep.type !== 'punct' || sep.text !== ',') syntaxError(source, sep.position, '"," or ")"', describe(sep));
      }
    } else {
      const v = tokens[p++]!;
      if (v.type !== 'string' && v.type !== 'number') syntaxError(source, v.position, 'a quoted string or a number', describe(v));
      values.push(v.value);
    }
    return [checkClause(source, { field, op, values, position: fieldToken.position }), p];
  };
  return { tokens, clause };
}

const isWord = (token: Token, word: string) => token.type === 'ident' && token.text.toUpperCase() === word;

/**
 * Parses a filter with only `AND` between clauses into a flat clause list (see
 * {@link parseFilterExpression} for `OR` and parentheses, which searches accept).
 * Fields: `name`, `version`, `created_at`, `updated_at`, `run_id`, `status`, `alias`, `tags.<k>`,
 * `metrics.<k>`, `params.<k>`, `lineage.<path>`. Operators: `= != < <= > >= LIKE ILIKE IN`,
 * `IS NULL`, `IS NOT NULL`. Values: 'strings' (or "strings"), numbers, and `(v1, v2, ...)` lists
 * after `IN`. `created_at` also accepts an ISO-8601 date string. Errors are `INVALID_ARGUMENT`
 * naming the 1-based position and the expected token.
 */
export function parseFilter(source: string): FilterClause[] {
  if (typeof source !== 'string') {
    throw new InvalidArgumentError(`Expected the filter to be a string such as "metrics.auc > 0.9", found ${typeof source}.`);
  }
  const { tokens, clause } = parseTokens(source);
  let p = 0;
  const clauses: FilterClause[] = [];
  if (tokens[0]!.type === 'end') return clauses;
  for (;;) {
    const [parsed, next] = clause(p);
    clauses.push(parsed);
    p = next;
    const token = tokens[p++]!;
    if (token.type === 'end') return clauses;
    if (!isWord(token, 'AND')) {
      syntaxError(source, token.position, isWord(token, 'OR') ? 'AND (parseFilter returns AND-joined clauses; use parseFilterExpression for OR)' : 'AND or the end of the filter', describe(token));
    }
  }
}

/**
 * Parses the full filter grammar: MLflow's search grammar (clauses joined by `AND`) extended with
 * `OR` and parentheses, `AND` binding tighter than `OR`:
 * `expr := term (OR term)*`, `term := factor (AND factor)*`, `factor := '(' expr ')' | clause`.
 * An empty filter matches everything.
 */
export function parseFilterExpression(source: string): FilterExpression {
  if (typeof source !== 'string') {
    throw new InvalidArgumentError(`Expected the filter to be a string such as "metrics.auc > 0.9", found ${typeof source}.`);
  }
  const { tokens, clause } = parseTokens(source);
  let p = 0;
  if (tokens[0]!.type === 'end') return { kind: 'and', items: [] };
  const factor = (): FilterExpression => {
    const token = tokens[p]!;
    if (token.type === 'punct' && token.text === '(') {
      p++;
      const inner = expr();
      const close = tokens[p++]!;
      if (close.type !== 'punct' || close.text !== ')') syntaxError(source, close.position, '")" to close the parenthesis', describe(close));
      return inner;
    }
    const [parsed, next] = clause(p);
    p = next;
    return { kind: 'clause', clause: parsed };
  };
  const term = (): FilterExpression => {
    const items = [factor()];
    while (isWord(tokens[p]!, 'AND')) {
      p++;
      items.push(factor());
    }
    return items.length === 1 ? items[0]! : { kind: 'and', items };
  };
  const expr = (): FilterExpression => {
    const items = [term()];
    while (isWord(tokens[p]!, 'OR')) {
      p++;
      items.push(term());
    }
    return items.length === 1 ? items[0]! : { kind: 'or', items };
  };
  const result = expr();
  const rest = tokens[p]!;
  if (rest.type !== 'end') syntaxError(source, rest.position, 'AND, OR or the end of the filter', describe(rest));
  return result;
}

/** The clauses of an expression joined only by AND at its top level (used to narrow which models are read). */
export function topLevelClauses(expression: FilterExpression): FilterClause[] {
  if (expression.kind === 'clause') return [expression.clause];
  if (expression.kind === 'and') return expression.items.flatMap((item) => (item.kind === 'clause' ? [item.clause] : []));
  return [];
}

function checkClause(source: string, clause: FilterClause): FilterClause {
  const { field, op } = clause;
  const numeric = field.kind === 'version' || field.kind === 'metrics' || field.kind === 'created_at' || field.kind === 'updated_at';
  if ((op === 'LIKE' || op === 'ILIKE') && numeric) {
    syntaxError(source, clause.position, `a string field for ${op} (${field.kind} is numeric)`, `${op} on ${field.kind}`);
  }
  const values = clause.values.map((value) => {
    if (field.kind === 'created_at' || field.kind === 'updated_at') {
      if (typeof value === 'number') return value;
      const ms = Date.parse(value);
      if (Number.isNaN(ms)) syntaxError(source, clause.position, `a number of milliseconds or an ISO-8601 date for ${field.kind}`, `'${value}'`);
      return ms;
    }
    if (numeric && typeof value !== 'number') {
      const asNumber = Number(value);
      if (value.trim() === '' || Number.isNaN(asNumber)) {
        syntaxError(source, clause.position, `a number for ${field.kind === 'metrics' ? `metrics.${field.key}` : field.kind}`, `'${value}'`);
      }
      return asNumber;
    }
    if ((field.kind === 'name' || field.kind === 'tags' || field.kind === 'run_id' || field.kind === 'status' || field.kind === 'alias' || field.kind === 'lineage') && typeof value === 'number') {
      return String(value);
    }
    return value;
  });
  return { ...clause, values };
}

function likeToRegExp(pattern: string, caseInsensitive: boolean): RegExp {
  let body = '';
  for (const ch of pattern) {
    if (ch === '%') body += '.*';
    else if (ch === '_') body += '.';
    else body += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${body}$`, caseInsensitive ? 'is' : 's');
}

/** Reads a field of a version summary (undefined when a tag/metric/param is absent). */
export function readField(field: FilterField, name: string, v: VersionSummary): string | number | boolean | undefined {
  switch (field.kind) {
    case 'name':
      return name;
    case 'version':
      return v.version;
    case 'created_at':
      return v.createdAt;
    case 'updated_at':
      return v.updatedAt;
    case 'run_id':
      return v.runId;
    case 'status':
      return v.status;
    // Own keys only: `tags.constructor` must not read Object.prototype.constructor.
    case 'tags':
      return Object.hasOwn(v.tags, field.key) ? v.tags[field.key] : undefined;
    case 'metrics':
      return Object.hasOwn(v.metrics, field.key) ? v.metrics[field.key] : undefined;
    case 'params':
      return Object.hasOwn(v.params, field.key) ? v.params[field.key] : undefined;
    case 'alias':
      return undefined;
    case 'lineage':
      return readLineage(field.path, v)[0];
  }
}

function readLineage(path: LineagePath, v: VersionSummary): string[] {
  const lineage = v.lineage;
  if (!lineage) return path === 'parent_run' && v.runId !== undefined ? [v.runId] : [];
  const datasets = lineage.datasets ?? [];
  const present = (value: string | undefined) => (value === undefined ? [] : [value]);
  switch (path) {
    case 'dataset.sha256':
      return datasets.flatMap((d) => present(d.sha256));
    case 'dataset.uri':
      return datasets.map((d) => d.uri);
    case 'dataset.role':
      return datasets.flatMap((d) => present(d.role));
    case 'code.commit':
      return present(lineage.code?.commit);
    case 'code.repo':
      return present(lineage.code?.repo);
    case 'code.path':
      return present(lineage.code?.path);
    case 'parent_run':
      return present(lineage.parentRun);
    case 'author':
      return present(lineage.author);
  }
}

/** Every value a field has on a version: several for `alias` and dataset lineage, none when absent. */
function readValues(field: FilterField, name: string, v: VersionSummary, aliases: readonly string[]): (string | number | boolean)[] {
  if (field.kind === 'alias') return [...aliases];
  if (field.kind === 'lineage') return readLineage(field.path, v);
  const value = readField(field, name, v);
  return value === undefined ? [] : [value];
}

function compare(a: string | number, b: string | number): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** Brings a param value and a literal to a comparable pair: numerically when both read as numbers. */
function coerceParam(actual: ParamValue, literal: string | number): [string | number, string | number] {
  if (typeof actual === 'boolean') return [String(actual), String(literal)];
  const a = typeof actual === 'number' ? actual : actual.trim() !== '' ? Number(actual) : NaN;
  const b = typeof literal === 'number' ? literal : literal.trim() !== '' ? Number(literal) : NaN;
  if (!Number.isNaN(a) && !Number.isNaN(b)) return [a, b];
  return [String(actual), String(literal)];
}

/** A compiled filter: true when the version (with the aliases pointing at it) matches. A missing tag/metric/param matches nothing but `IS NULL`. */
export type VersionPredicate = (name: string, version: VersionSummary, aliases?: readonly string[]) => boolean;

function compileClause(clause: FilterClause): VersionPredicate {
  const { field, op, values } = clause;
  const pattern = op === 'LIKE' || op === 'ILIKE' ? likeToRegExp(String(values[0]), op === 'ILIKE') : undefined;
  const test = (raw: string | number | boolean): boolean => {
    const pair = (literal: string | number): [string | number, string | number] => (field.kind === 'params' ? coerceParam(raw, literal) : [raw as string | number, literal]);
    switch (op) {
      case 'LIKE':
      case 'ILIKE':
        return pattern!.test(String(raw));
      case 'IN':
        return values.some((literal) => {
          const [a, b] = pair(literal);
          return compare(a, b) === 0;
        });
      default: {
        const [a, b] = pair(values[0]!);
        const c = compare(a, b);
        switch (op) {
          case '=':
            return c === 0;
          case '!=':
            return c !== 0;
          case '<':
            return c < 0;
          case '<=':
            return c <= 0;
          case '>':
            return c > 0;
          case '>=':
            return c >= 0;
          default:
            return false;
        }
      }
    }
  };
  return (name, v, aliases = []) => {
    const found = readValues(field, name, v, aliases);
    if (op === 'IS NULL') return found.length === 0;
    if (op === 'IS NOT NULL') return found.length > 0;
    if (found.length === 0) return false;
    // Several values (aliases, datasets): `!=` holds when none is equal, the others when any matches.
    return op === '!=' ? found.every(test) : found.some(test);
  };
}

/** Compiles parsed clauses (all must hold) into a predicate. */
export function compileFilter(clauses: FilterClause[]): VersionPredicate {
  const tests = clauses.map(compileClause);
  return (name, v, aliases) => tests.every((t) => t(name, v, aliases));
}

/** Compiles a parsed expression (AND / OR / parentheses) into a predicate. */
export function compileExpression(expression: FilterExpression): VersionPredicate {
  if (expression.kind === 'clause') return compileClause(expression.clause);
  const items = expression.items.map(compileExpression);
  return expression.kind === 'and' ? (n, v, a) => items.every((t) => t(n, v, a)) : (n, v, a) => items.some((t) => t(n, v, a));
}

/** One parsed `orderBy` key. */
export interface OrderKey {
  field: FilterField;
  descending: boolean;
}

/** Parses `orderBy` entries like `"metrics.auc DESC"`, `"version"`, `"created_at ASC"`. */
export function parseOrderBy(orderBy: string | string[] | undefined): OrderKey[] {
  const entries = orderBy === undefined ? [] : Array.isArray(orderBy) ? orderBy : [orderBy];
  return entries.map((entry) => {
    const parts = String(entry).trim().split(/\s+/);
    const field = parts[0] ? parseField(parts[0]) : undefined;
    const direction = (parts[1] ?? 'ASC').toUpperCase();
    if (!field || parts.length > 2 || (direction !== 'ASC' && direction !== 'DESC')) {
      throw new InvalidArgumentError(
        `Invalid orderBy entry ${JSON.stringify(entry)}: expected "<field> [ASC|DESC]" where field is ${FIELD_HELP}.`,
        { details: { orderBy: entry } },
      );
    }
    return { field, descending: direction === 'DESC' };
  });
}

/**
 * Compares two (name, version) rows by the order keys, then by name and version descending (newest
 * first, MLflow's default). Missing values sort last in either direction.
 */
export function compareRows(keys: OrderKey[]): (a: [string, VersionSummary], b: [string, VersionSummary]) => number {
  return (a, b) => {
    for (const key of keys) {
      const va = readField(key.field, a[0], a[1]);
      const vb = readField(key.field, b[0], b[1]);
      if (va === undefined && vb === undefined) continue;
      if (va === undefined) return 1;
      if (vb === undefined) return -1;
      const c = compare(typeof va === 'boolean' ? String(va) : va, typeof vb === 'boolean' ? String(vb) : vb);
      if (c !== 0) return key.descending ? -c : c;
    }
    if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
    return b[1].version - a[1].version;
  };
}
