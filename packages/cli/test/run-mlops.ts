import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The CLI entry, run from source through tsx (workspace packages resolve to their src/). */
export const BIN = path.resolve(here, '../src/bin.ts');
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** Node arguments that start the CLI from source: `node ...NODE_ARGS <mlops args>`. */
export const NODE_ARGS = ['--conditions=@mlops/source', '--import', TSX, BIN];

export interface MlopsRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `mlops <args>` as a child process and collects its output. */
export function mlops(args: readonly string[], options: { cwd?: string; env?: Record<string, string | undefined>; timeoutMs?: number } = {}): Promise<MlopsRun> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', MLOPS_REGISTRY_URL: undefined, ...options.env };
    delete env.FORCE_COLOR;
    const child = spawn(process.execPath, [...NODE_ARGS, ...args], { cwd: options.cwd ?? process.cwd(), env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`mlops ${args.join(' ')} did not finish within ${options.timeoutMs ?? 60_000} ms; stderr: ${stderr}`));
    }, options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Parses the JSON document a `--json` run printed. */
export function json<T = Record<string, unknown>>(run: MlopsRun): T {
  try {
    return JSON.parse(run.stdout) as T;
  } catch {
    throw new Error(`Expected JSON on stdout, found: ${run.stdout}\nstderr: ${run.stderr}`);
  }
}
