import { describe, expect, it } from 'vitest';
import { mlops } from './run-mlops.js';

describe('mlops: help, usage errors, exit codes', () => {
  it('prints help for the root and a group, exit 0', async () => {
    const root = await mlops(['--help']);
    expect(root.code).toBe(0);
    expect(root.stdout).toContain('USAGE mlops');
    expect(root.stdout).toContain('registry');
    const group = await mlops(['registry', '--help']);
    expect(group.code).toBe(0);
    expect(group.stdout).toMatch(/list\s+List registered models/);
    expect(group.stdout).not.toContain('\u001b['); // no colour codes when stdout is not a terminal
  });

  it('prints help for a leaf, wherever --help stands', async () => {
    const r = await mlops(['registry', 'promote', 'churn', '--metric', 'auc', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('USAGE mlops registry promote');
    expect(r.stdout).toContain('--min-improvement');
    expect(r.stdout).toContain('--json');
  });

  it('prints the version', async () => {
    const r = await mlops(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('unknown flag: one line on stderr, exit 2, no stack', async () => {
    const r = await mlops(['registry', 'list', '--bogus']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toEqual(['mlops: Unknown option "--bogus" for "mlops registry list". Run "mlops registry list --help" for its options.']);
  });

  it('unknown command and missing command: exit 2', async () => {
    const unknown = await mlops(['regisry']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown command "regisry" for "mlops"');
    const missing = await mlops(['registry']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('"mlops registry" needs a command');
  });

  it('missing positional and flag without value: exit 2', async () => {
    const positional = await mlops(['registry', 'show']);
    expect(positional.code).toBe(2);
    expect(positional.stderr).toMatch(/Missing required positional argument: REF/);
    const value = await mlops(['registry', 'list', '--store']);
    expect(value.code).toBe(2);
    expect(value.stderr).toContain('Option "--store" of "mlops registry list" needs a value');
  });

  it('--json errors are JSON on stderr; --debug adds the stack', async () => {
    const r = await mlops(['registry', 'list', '--nope', '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stderr.trim())).toMatchObject({ error: { code: 'INVALID_ARGUMENT', usage: true } });
    const d = await mlops(['registry', 'list', '--nope', '--debug']);
    expect(d.code).toBe(2);
    expect(d.stderr).toMatch(/\n\s+at /);
  });
});
