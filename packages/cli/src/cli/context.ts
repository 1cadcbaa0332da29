/** What every command receives besides its parsed arguments: where to write, and how. */
export interface CliContext {
  /** `--json`: print one JSON document on stdout instead of text. */
  readonly json: boolean;
  /** `--debug`: stack traces on failure. */
  readonly debug: boolean;
  /** Environment variables (`MLOPS_REGISTRY_URL`, ...). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Working directory relative paths resolve against. */
  readonly cwd: string;
  /** Whether stdout is a terminal (progress bars, colours). */
  readonly isTTY: boolean;
  /** Writes a line (or lines) to stdout. */
  out(text: string): void;
  /** Writes a line to stderr (progress, notes). */
  err(text: string): void;
  /** Prints `value` as JSON on stdout (used under `--json`). */
  outJson(value: unknown): void;
}

/** Where `runCli` writes and what it reads; each field defaults to the running process's. */
export interface CliIo {
  /** Results (text, or JSON under `--json`). `isTTY` turns on progress bars and colours. */
  stdout?: { write(chunk: string): unknown; isTTY?: boolean };
  /** Errors (one line; a stack only with `--debug`) and notes. */
  stderr?: { write(chunk: string): unknown };
  /** Environment (`MLOPS_REGISTRY_URL`, `MLOPS_ACTOR`). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Directory relative paths resolve against. */
  cwd?: string;
}

export function createContext(io: CliIo, flags: { json: boolean; debug: boolean }): CliContext {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  return {
    json: flags.json,
    debug: flags.debug,
    env: io.env ?? process.env,
    cwd: io.cwd ?? process.cwd(),
    isTTY: stdout.isTTY === true,
    out: (text) => void stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    err: (text) => void stderr.write(text.endsWith('\n') ? text : `${text}\n`),
    outJson: (value) => void stdout.write(`${JSON.stringify(value, jsonReplacer, 2)}\n`),
  };
}

/** bigint and typed arrays appear in Arrow-derived values; JSON has neither. */
function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return Array.from(value as unknown as ArrayLike<number>);
  return value;
}
