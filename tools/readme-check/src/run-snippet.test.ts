import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runSnippet, unexpectedStderr, writeSnippet } from './run-snippet.js';

describe('runSnippet', () => {
  it('runs TypeScript under tsx from an empty directory, resolving @mlops packages to dist/ (no source condition)', async () => {
    const code = [
      "import { writeFileSync } from 'node:fs';",
      "const where: string = import.meta.resolve('@mlops/contracts');",
      "writeFileSync('./out.txt', 'x');",
      'console.log(where, process.cwd(), process.env.VITEST ?? "no-vitest", 42);',
    ].join('\n');
    const snippet = writeSnippet('self-test', 'ts', code);
    try {
      const before = process.env.FORCE_COLOR;
      process.env.FORCE_COLOR = '1';
      const result = await runSnippet(snippet, 20_000).finally(() => {
        if (before === undefined) delete process.env.FORCE_COLOR;
        else process.env.FORCE_COLOR = before;
      });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/\/packages\/contracts\/dist\/\S+ /);
      expect(result.stdout).toContain(snippet.cwd);
      expect(result.stdout).toContain('no-vitest 42'); // plain, though the runner's env asks for colour
      expect(existsSync(`${snippet.cwd}/out.txt`)).toBe(true);
    } finally {
      snippet.dispose();
    }
    expect(existsSync(snippet.file) || existsSync(snippet.cwd)).toBe(false);
  });

  it('reports a failing snippet: exit code and its error on stderr', async () => {
    const snippet = writeSnippet('self-test-fail', 'js', "throw new Error('boom');\n");
    try {
      const result = await runSnippet(snippet, 20_000);
      expect(result.code).toBe(1);
      expect(unexpectedStderr(result.stderr).join('\n')).toContain('boom');
    } finally {
      snippet.dispose();
    }
  });

  it('kills a snippet that runs past its timeout', async () => {
    const snippet = writeSnippet('self-test-hang', 'js', 'setInterval(() => {}, 1000);\n');
    try {
      const result = await runSnippet(snippet, 1_500);
      expect(result.timedOut).toBe(true);
      expect(result.signal).toBe('SIGKILL');
    } finally {
      snippet.dispose();
    }
  });

  it('refuses a block that is not js or ts', () => {
    expect(() => writeSnippet('x', 'sh', 'ls')).toThrow(/Expected a js\/mjs\/ts code block, found "sh"/);
  });
});

describe('unexpectedStderr', () => {
  it("allows Node's process warnings and nothing else", () => {
    const stderr = [
      '(node:4242) ExperimentalWarning: Importing JSON modules is an experimental feature',
      '(node:4242) [DEP0040] DeprecationWarning: The `punycode` module is deprecated.',
      '(Use `node --trace-warnings ...` to show where the warning was created)',
      'Error: something the user would see',
      '',
    ].join('\n');
    expect(unexpectedStderr(stderr)).toEqual(['Error: something the user would see']);
  });
});
