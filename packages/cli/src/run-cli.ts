import { runCommandLine } from './cli/run-cli.js';
import type { CliIo } from './cli/context.js';
import { rootCommand } from './commands/root.js';

/**
 * Runs `mlops` with `argv` (the arguments after the command name) and resolves with the exit code:
 * 0 ok, 1 failure, 2 bad usage, 3 condition met (drift found, gate refused, budget exceeded).
 * Output goes to `io` (default: the process's stdout and stderr). Never calls `process.exit`.
 */
export function runCli(argv: readonly string[], io: CliIo = {}): Promise<number> {
  return runCommandLine(rootCommand(), argv, io);
}
