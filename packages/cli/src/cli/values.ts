import { readFileSync } from 'node:fs';
import path from 'node:path';
import { usageError } from './usage-error.js';

/** Every value given for a repeatable flag (`--tag a=1 --tag b=2`), in order; `--x=v` and `--x v` both count. */
export function allValues(rawArgs: readonly string[], ...names: string[]): string[] {
  const values: string[] = [];
  for (let i = 0; i < rawArgs.length; i++) {
    const token = rawArgs[i]!;
    if (token === '--') break;
    for (const name of names) {
      if (token === `--${name}` && rawArgs[i + 1] !== undefined) values.push(rawArgs[++i]!);
      else if (token.startsWith(`--${name}=`)) values.push(token.slice(name.length + 3));
    }
  }
  return values;
}

/**
 * Key/value pairs from flags: each value is `k=v[,k=v...]` or the path of a JSON object file
 * (`metrics.json`, or `@metrics.json`). Later keys win.
 */
export function keyValues(values: readonly string[], flag: string, cwd: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const value of values) {
    const file = value.startsWith('@') ? value.slice(1) : value.endsWith('.json') ? value : undefined;
    if (file !== undefined) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(readFileSync(path.resolve(cwd, file), 'utf8'));
      } catch (error) {
        throw usageError(`--${flag} ${value}: expected a readable JSON object file, ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'found no such file' : `could not read it (${(error as Error).message})`}.`, error);
      }
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw usageError(`--${flag} ${value}: expected a JSON object ({"k": v}), found ${Array.isArray(parsed) ? 'an array' : typeof parsed}.`);
      Object.assign(out, parsed);
      continue;
    }
    for (const pair of value.split(',')) {
      if (pair.trim() === '') continue;
      const at = pair.indexOf('=');
      if (at <= 0) throw usageError(`--${flag} "${pair}": expected key=value (or a .json file), e.g. --${flag} auc=0.91.`);
      out[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
    }
  }
  return out;
}

/** Metrics: every value must be a finite number. */
export function numberMap(entries: Record<string, unknown>, flag: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(entries)) {
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
    if (!Number.isFinite(n)) throw usageError(`--${flag} ${k}: expected a finite number, found ${JSON.stringify(v)}.`);
    out[k] = n;
  }
  return out;
}

/** Params: numbers and booleans typed from `k=v` strings, JSON values kept as they are. */
export function paramMap(entries: Record<string, unknown>, flag: string): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(entries)) {
    if (typeof v === 'number' || typeof v === 'boolean') out[k] = v;
    else if (typeof v === 'string') out[k] = v === 'true' ? true : v === 'false' ? false : v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : v;
    else throw usageError(`--${flag} ${k}: expected a string, number or boolean, found ${JSON.stringify(v)}.`);
  }
  return out;
}

/** Tags: strings only. */
export function stringMap(entries: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(entries).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
}

/** An integer flag or positional within bounds, or a usage error naming it. */
export function integerArg(value: string | undefined, name: string, options: { min?: number; max?: number } = {}): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || (options.min !== undefined && n < options.min) || (options.max !== undefined && n > options.max)) {
    const range = options.max !== undefined ? ` between ${options.min ?? '-inf'} and ${options.max}` : options.min !== undefined ? ` >= ${options.min}` : '';
    throw usageError(`${name}: expected a whole number${range}, found "${value}".`);
  }
  return n;
}

/** A number flag, or a usage error naming it. */
export function numberArg(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw usageError(`${name}: expected a number, found "${value}".`);
  return n;
}

/** Plain text table: columns padded to their widest cell. */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/** ISO time without milliseconds, for people. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
