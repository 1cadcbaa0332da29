import { renderUsage } from 'citty';
import type { ArgDef, ArgsDef, CommandMeta } from 'citty';
import { parseArgs } from 'citty';
import { MlopsError } from '@mlops/contracts/errors';
import { createContext } from './context.js';
import type { CliContext, CliIo } from './context.js';
import { ExitCode } from './exit-codes.js';
import { isUsageError, usageError } from './usage-error.js';
import type { MlopsCommand } from './command.js';

const HELP_FLAGS = new Set(['--help', '-h']);

/**
 * Runs the command line `argv` (without `node` and the script) against `root` and returns the exit
 * code: 0 ok, 1 failure, 2 usage, 3 condition met. Never throws and never calls `process.exit`.
 */
export async function runCommandLine(root: MlopsCommand, argv: readonly string[], io: CliIo = {}): Promise<number> {
  const dashDash = argv.indexOf('--');
  const flagPart = dashDash < 0 ? argv : argv.slice(0, dashDash);
  const ctx = createContext(io, { json: flagPart.includes('--json'), debug: flagPart.includes('--debug') });
  try {
    return await dispatch(root, [...argv], ctx);
  } catch (error) {
    return reportError(error, ctx);
  }
}

async function dispatch(root: MlopsCommand, rest: string[], ctx: CliContext): Promise<number> {
  let cmd = root;
  const path = [metaOf(root).name ?? 'mlops'];
  for (;;) {
    const subs = cmd.subCommands as Record<string, MlopsCommand> | undefined;
    if (!subs) break;
    const at = rest.findIndex((a) => !a.startsWith('-'));
    if (at < 0 || at >= (rest.indexOf('--') < 0 ? rest.length : rest.indexOf('--'))) break;
    const name = rest[at]!;
    const sub = !Object.hasOwn(subs, name) ? undefined : cmd.lazy && Object.hasOwn(cmd.lazy, name) ? await cmd.lazy[name]!() : subs[name];
    if (!sub) throw usageError(`Unknown command "${name}" for "${path.join(' ')}"; expected one of ${Object.keys(subs).join(', ')}. Run "${path.join(' ')} --help".`);
    cmd = sub;
    path.push(name);
    rest.splice(at, 1);
  }
  const flags = rest.indexOf('--') < 0 ? rest : rest.slice(0, rest.indexOf('--'));
  if (flags.some((a) => HELP_FLAGS.has(a))) {
    ctx.out(await usageOf(cmd, path, ctx));
    return ExitCode.Ok;
  }
  if (path.length === 1 && flags.length === 1 && flags[0] === '--version') {
    ctx.out(String(metaOf(root).version ?? '0.0.0'));
    return ExitCode.Ok;
  }
  if (!cmd.run) {
    ctx.err(await usageOf(cmd, path, ctx));
    throw usageError(`"${path.join(' ')}" needs a command; see the list above.`);
  }
  const argsDef = (cmd.args ?? {}) as ArgsDef;
  checkFlags(rest, argsDef, path.join(' '));
  let args;
  try {
    args = parseArgs(rest, argsDef);
  } catch (error) {
    throw usageError(`${stripAnsi((error as Error).message)} for "${path.join(' ')}". Run "${path.join(' ')} --help".`);
  }
  const positionals = Object.values(argsDef).filter((a) => a.type === 'positional').length;
  const extra = (args._ as string[]).slice(positionals);
  if (extra.length > 0 && !cmd.variadic) throw usageError(`Unexpected argument "${extra[0]}" for "${path.join(' ')}". Run "${path.join(' ')} --help".`);
  const result: unknown = await cmd.run({ rawArgs: rest, args, cmd, data: ctx });
  return typeof result === 'number' ? result : ExitCode.Ok;
}

/** Refuses unknown flags and string flags without a value (citty itself accepts anything). */
function checkFlags(rest: readonly string[], argsDef: ArgsDef, where: string): void {
  const byName = new Map<string, ArgDef>();
  for (const [name, def] of Object.entries(argsDef)) {
    if (def.type === 'positional') continue;
    byName.set(normalize(name), def);
    const aliases = 'alias' in def && def.alias ? (Array.isArray(def.alias) ? def.alias : [def.alias]) : [];
    for (const a of aliases) byName.set(normalize(a), def);
  }
  for (let i = 0; i < rest.length; i++) {
    const token = rest[i]!;
    if (token === '--') break;
    if (!token.startsWith('-') || token === '-' || /^-\d/.test(token)) continue;
    const [rawName, inlineValue] = splitOnce(token.replace(/^--?/, ''), '=');
    let def = byName.get(normalize(rawName));
    if (!def && rawName.startsWith('no-')) {
      const positive = byName.get(normalize(rawName.slice(3)));
      if (positive?.type === 'boolean') def = positive;
    }
    if (!def) throw usageError(`Unknown option "${token.split('=')[0]}" for "${where}". Run "${where} --help" for its options.`);
    if (def.type === 'string' || def.type === 'enum') {
      if (inlineValue !== undefined) {
        if (inlineValue === '') throw usageError(`Option "--${rawName}" of "${where}" needs a value, found an empty one.`);
        continue;
      }
      const next = rest[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2)) throw usageError(`Option "--${rawName}" of "${where}" needs a value, e.g. --${rawName} <value>.`);
      i++;
    }
  }
}

function normalize(name: string): string {
  return name.replace(/[-_]/g, '').toLowerCase();
}

function splitOnce(s: string, sep: string): [string, string | undefined] {
  const at = s.indexOf(sep);
  return at < 0 ? [s, undefined] : [s.slice(0, at), s.slice(at + 1)];
}

function metaOf(cmd: MlopsCommand): CommandMeta {
  return (cmd.meta ?? {}) as CommandMeta;
}

async function usageOf(cmd: MlopsCommand, path: readonly string[], ctx: CliContext): Promise<string> {
  const named = { ...cmd, meta: { ...metaOf(cmd), name: path.at(-1) } };
  const parent = path.length > 1 ? { meta: { name: path.slice(0, -1).join(' ') } } : undefined;
  const text = await renderUsage(named, parent);
  return ctx.isTTY ? text : stripAnsi(text);
}

function stripAnsi(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\u001b\[[0-9;]*m/g, '');
}

function reportError(error: unknown, ctx: CliContext): number {
  const usage = isUsageError(error);
  const message = error instanceof Error ? error.message : String(error);
  const code = MlopsError.isInstance(error) ? error.code : ((error as { code?: unknown } | null)?.code as string | undefined);
  if (ctx.json) ctx.err(JSON.stringify({ error: { code: code ?? 'INTERNAL', message, usage } }));
  else ctx.err(`mlops: ${message.replace(/\s*\n\s*/g, ' ')}`);
  if (ctx.debug) ctx.err(stackOf(error));
  return usage ? ExitCode.Usage : ExitCode.Failure;
}

function stackOf(error: unknown): string {
  const lines: string[] = [];
  let e: unknown = error;
  for (let depth = 0; e !== undefined && depth < 5; depth++) {
    lines.push(depth === 0 ? '' : 'Caused by:', e instanceof Error ? (e.stack ?? e.message) : String(e));
    e = e instanceof Error ? e.cause : undefined;
  }
  return lines.filter(Boolean).join('\n');
}
