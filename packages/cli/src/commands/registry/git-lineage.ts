import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Code lineage of the git checkout `cwd` is in: repo (origin URL or top-level path), commit, path, dirty. */
export interface GitLineage {
  repo: string;
  commit: string;
  path?: string;
  /** Uncommitted changes to tracked files: the commit alone does not reproduce the code. */
  dirty: boolean;
}

async function git(cwd: string, args: string[]): Promise<string | undefined> {
  try {
    const { stdout } = await run('git', args, { cwd, timeout: 10_000 });
    return stdout.trim();
  } catch {
    return undefined;
  }
}

/** Reads the checkout's state with the `git` binary; `undefined` outside a checkout or without git. */
export async function gitLineage(cwd: string): Promise<GitLineage | undefined> {
  const commit = await git(cwd, ['rev-parse', 'HEAD']);
  if (!commit) return undefined;
  const top = (await git(cwd, ['rev-parse', '--show-toplevel'])) ?? cwd;
  const origin = await git(cwd, ['config', '--get', 'remote.origin.url']);
  const prefix = await git(cwd, ['rev-parse', '--show-prefix']);
  const status = await git(cwd, ['status', '--porcelain', '--untracked-files=no']);
  return { repo: origin || top, commit, ...(prefix ? { path: prefix.replace(/\/$/, '') } : {}), dirty: (status ?? '') !== '' };
}
