import { describe, expect, it } from 'vitest';
import { brokenLinks } from './links.js';
import { quickStartBlock } from './markdown.js';
import { packageReadmes } from './readmes.js';
import { runSnippet, unexpectedStderr, writeSnippet } from './run-snippet.js';
import { missingOutputs, shownOutputs } from './shown-output.js';

const readmes = packageReadmes();
// serve's quick start starts a server that keeps running: serve-quick-start.test.ts drives it.
const LONG_RUNNING = new Set(['serve']);
const RUN_TIMEOUT_MS = 20_000;

describe('package READMEs', () => {
  it('finds every package README', () => {
    expect(readmes.map((r) => r.name)).toEqual(expect.arrayContaining(['contracts', 'cost', 'drift', 'gpu-scheduler', 'registry', 'serve', 'storage']));
  });

  describe.each(readmes.map((r) => [r.name, r] as const))('packages/%s/README.md', (_name, readme) => {
    it('has relative links that point to existing files', () => {
      expect(brokenLinks(readme.markdown, readme.file), 'relative links whose target does not exist (README line numbers)').toEqual([]);
    });

    if (LONG_RUNNING.has(readme.name)) return;
    it.concurrent('runs its quick start against dist/ and prints what it shows', async () => {
      const block = quickStartBlock(readme.markdown);
      expect(block, 'a "## Quick start" section with a ```js or ```ts block').toBeDefined();
      const snippet = writeSnippet(readme.name, block!.lang, block!.code);
      try {
        const result = await runSnippet(snippet, RUN_TIMEOUT_MS);
        const context = `quick start at README line ${block!.line}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
        expect(result.timedOut, `timed out after ${RUN_TIMEOUT_MS} ms: ${context}`).toBe(false);
        expect(unexpectedStderr(result.stderr), context).toEqual([]);
        expect(result.code, context).toBe(0);
        // Every claim is compared: none of these quick starts prints a timestamp, user name or
        // other run-dependent value in a `// ...` comment (registry prints alias history with
        // timestamps, but shows no output for it).
        const claims = shownOutputs(block!.code);
        expect(missingOutputs(result.stdout, claims), `output shown in comments but not printed (line = line within the block): ${context}`).toEqual([]);
      } finally {
        snippet.dispose();
      }
    });
  });
});
