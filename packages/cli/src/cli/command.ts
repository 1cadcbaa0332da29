import type { ArgsDef, CommandDef, CommandMeta, ParsedArgs, SubCommandsDef } from 'citty';
import type { CliContext } from './context.js';

/** Flags every command takes; listed in each command's `--help`. */
export const GLOBAL_ARGS = {
  json: { type: 'boolean', description: 'Print one JSON document on stdout (for scripts)' },
  debug: { type: 'boolean', description: 'Print the stack trace when something fails' },
} as const satisfies ArgsDef;

/** What a command's run function returns: an exit code, or nothing for 0. */
export type CommandResult = number | void;

/** A leaf command: flags, positionals and what it does. */
export interface LeafDefinition<T extends ArgsDef> {
  meta: CommandMeta & { name: string; description: string };
  args: T;
  /** Accept positionals beyond the declared ones (they arrive in `args._`). */
  variadic?: boolean;
  run(args: ParsedArgs<T>, ctx: CliContext, rawArgs: readonly string[]): Promise<CommandResult>;
}

/** citty command plus the bits our runner needs. */
export type MlopsCommand = CommandDef<ArgsDef> & {
  variadic?: boolean;
  /** Sub-commands loaded on first use, so `mlops --help` does not import ONNX Runtime or DuckDB. */
  lazy?: Record<string, () => Promise<MlopsCommand>>;
};

/** A sub-command of a group: its description (for `--help`) and how to load it. */
export interface LazyEntry {
  description: string;
  load(): Promise<MlopsCommand>;
}

/** Defines a leaf command; the runner passes the {@link CliContext} through citty's `data`. */
export function leaf<const T extends ArgsDef>(def: LeafDefinition<T>): MlopsCommand {
  const args = { ...def.args, ...GLOBAL_ARGS } as ArgsDef;
  const cmd: MlopsCommand = {
    meta: def.meta,
    args,
    run: (context) => def.run(context.args as ParsedArgs<T>, context.data as CliContext, context.rawArgs),
  };
  if (def.variadic) cmd.variadic = true;
  return cmd;
}

/** Defines a command that only groups others (`mlops registry`). */
export function group(meta: CommandMeta & { name: string; description: string }, subCommands: Record<string, MlopsCommand | LazyEntry>): MlopsCommand {
  const stubs: SubCommandsDef = {};
  const lazy: Record<string, () => Promise<MlopsCommand>> = {};
  for (const [name, sub] of Object.entries(subCommands)) {
    if ('load' in sub && typeof sub.load === 'function') {
      stubs[name] = { meta: { name, description: sub.description } };
      lazy[name] = sub.load;
    } else stubs[name] = sub as MlopsCommand;
  }
  return { meta, args: { ...GLOBAL_ARGS }, subCommands: stubs, lazy };
}
