export { runCli } from './run-cli.js';
export { ExitCode } from './cli/exit-codes.js';
export type { ExitCodeValue } from './cli/exit-codes.js';
export type { CliIo } from './cli/context.js';
