import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The README quick start must run as written and print what its comments say. It runs in a child
// Node (as a user would run it), importing '@mlops/drift' by name from source.
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

function quickStartBlock(): string {
  const section = readme.slice(readme.indexOf('## Quick start'));
  const m = /```ts\n([\s\S]*?)\n```/.exec(section);
  if (!m) throw new Error('README has no ts block under "## Quick start"');
  return m[1]!;
}

describe('README quick start', () => {
  it('runs as written and prints the values its comments show', () => {
    const code = quickStartBlock();
    // nx sets FORCE_COLOR, which makes console.log colour numbers; a user's piped run has none.
    const env = { ...process.env };
    delete env.FORCE_COLOR;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--conditions=@mlops/source', '--input-type=module', '-e', code], { cwd: packageDir, encoding: 'utf8', env });
    // eslint-disable-next-line no-control-regex
    const lines = out.replace(/\u001b\[[0-9;]*m/g, '').trim().split('\n');
    expect(lines).toHaveLength(3);
    // Each printed line appears in the block as the comment that documents it.
    for (const line of lines) expect(code).toContain(`// ${line}`);
  });
});
