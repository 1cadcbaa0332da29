import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RUNNABLE_LANGS } from './markdown.js';

const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Where snippets are written: inside the workspace, so `@mlops/x` resolves through node_modules to `dist/`. */
export const WORK_DIR = path.join(packageDir, '.work');
// `--import tsx` resolves from the working directory, which is a bare temp dir: pass tsx's own URL.
const TSX_LOADER = import.meta.resolve('tsx');

/** A snippet on disk, ready to run from its own empty working directory. */
export interface Snippet {
  file: string;
  cwd: string;
  /** Removes the scratch file and the working directory. */
  dispose(): void;
}

/** Writes `code` to `.work/<name>-<pid>.tmp.<ext>` and makes a fresh temp dir to run it in. */
export function writeSnippet(name: string, lang: string, code: string): Snippet {
  const ext = RUNNABLE_LANGS[lang];
  if (!ext) throw new Error(`Expected a js/mjs/ts code block, found "${lang}". Mark the quick start's fence as js or ts.`);
  mkdirSync(WORK_DIR, { recursive: true });
  const file = path.join(WORK_DIR, `${name}-${process.pid}.tmp.${ext}`);
  writeFileSync(file, code);
  const cwd = mkdtempSync(path.join(tmpdir(), `readme-${name}-`));
  return {
    file,
    cwd,
    dispose() {
      rmSync(file, { force: true });
      rmSync(cwd, { recursive: true, force: true });
    },
  };
}

// The test runner's own settings (VITEST*, NODE_ENV=test, NODE_OPTIONS) must not leak into the
// user's run; the rest of the environment is what a user's shell would have. FORCE_COLOR (nx sets
// it for its tasks) would make console.log colour numbers, as in a terminal; READMEs show plain text.
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(VITEST|NODE_OPTIONS$|NODE_ENV$|TEST$|FORCE_COLOR$)/.test(k)) env[k] = v;
  }
  // Node 20 makes the AWS SDK print a support warning on every client; users silence it the same way.
  env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  return env;
}

/** Starts `node --import tsx <file>` as a user would: no `@mlops/source` condition, so packages load from `dist/`. */
export function spawnSnippet(snippet: Snippet): ChildProcess {
  return spawn(process.execPath, ['--import', TSX_LOADER, snippet.file], {
    cwd: snippet.cwd,
    env: userEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** What a finished snippet run left behind. */
export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** A run in progress: resolves when the process exits; `output()` reads what it printed so far. */
export type Running = Promise<RunResult> & { child: ChildProcess; output(): { stdout: string; stderr: string } };

/** Collects output until the process exits, killing it after `timeoutMs`. */
export function collect(child: ChildProcess, timeoutMs: number): Running {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const done = new Promise<RunResult>((resolve, reject) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
  return Object.assign(done, { child, output: () => ({ stdout, stderr }) });
}

/** Runs a snippet to completion. */
export function runSnippet(snippet: Snippet, timeoutMs: number): Promise<RunResult> {
  return collect(spawnSnippet(snippet), timeoutMs);
}

// Node's own process warnings (`(node:123) ExperimentalWarning: ...` and its `--trace-warnings`
// hint) are allowed; anything else on stderr is a failure the user would see.
const WARNING_LINE = /^\(node:\d+\) (\[\w+\] )?\w*Warning: |^\(Use `node --trace-warnings/;

/** The stderr lines that are not Node process warnings. */
export function unexpectedStderr(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.trim() !== '' && !WARNING_LINE.test(l));
}
