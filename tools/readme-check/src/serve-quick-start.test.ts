import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The model the README's answers come from; its README writes model.onnx with this same helper.
import { linearModel } from '../../../packages/serve/test/onnx-models.js';
import { codeBlocks, quickStartBlock } from './markdown.js';
import { packageReadmes } from './readmes.js';
import { collect, spawnSnippet, unexpectedStderr, writeSnippet, type RunResult, type Running, type Snippet } from './run-snippet.js';
import { firstJsonInference, jsonGets } from './serve-curl.js';

const readme = packageReadmes().find((r) => r.name === 'serve');
const READY_TIMEOUT_MS = 20_000;

/** Fails with a message that says which process to stop, instead of a confusing EADDRINUSE from the child. */
async function assertPortFree(port: number): Promise<void> {
  const probe = createServer();
  probe.listen(port, '127.0.0.1');
  try {
    await Promise.race([once(probe, 'listening'), once(probe, 'error').then(([e]) => Promise.reject(e as Error))]);
  } catch (e) {
    throw new Error(
      `serve's README quick start listens on the fixed port ${port}, which is taken here (${(e as Error).message}). ` +
        `Stop whatever listens on ${port} (e.g. \`ss -ltnp 'sport = :${port}'\`) and run the test again.`,
      { cause: e },
    );
  } finally {
    probe.close();
  }
}

describe.skipIf(!readme)('packages/serve/README.md quick start', () => {
  const block = readme && quickStartBlock(readme.markdown);
  const sh = block ? codeBlocks(block.section.markdown).filter((b) => b.lang === 'sh' || b.lang === 'bash').map((b) => b.code).join('\n') : '';
  // The README's server listens on the port written in its code (8080).
  const port = block ? Number(/\bport:\s*(\d+)/.exec(block.code)?.[1]) : NaN;

  let snippet: Snippet | undefined;
  let run: Running | undefined;
  let base = '';
  let exited: RunResult | undefined;

  beforeAll(async () => {
    expect(block, 'a "## Quick start" section with a ```js or ```ts block').toBeDefined();
    expect(port, 'the quick start passes `port: <number>` to createModelServer').toBeGreaterThan(0);
    await assertPortFree(port);
    base = `http://127.0.0.1:${port}`;
    snippet = writeSnippet('serve', block!.lang, block!.code);
    writeFileSync(path.join(snippet.cwd, 'model.onnx'), linearModel());
    run = collect(spawnSnippet(snippet), READY_TIMEOUT_MS + 30_000);
    void run.then((r) => (exited = r));
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (exited) throw new Error(`the quick start exited (code ${exited.code}) before it was ready:\n${exited.stdout}\n${exited.stderr}`);
      const ready = await fetch(`${base}/v2/health/ready`).then((r) => r.status === 200, () => false);
      if (ready) break;
      if (Date.now() > deadline) throw new Error(`GET /v2/health/ready was not 200 within ${READY_TIMEOUT_MS} ms:\n${JSON.stringify(run.output())}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  afterAll(async () => {
    if (run && !exited) {
      // Only reached when a test failed before the SIGTERM test: do not leave the server running.
      run.child.kill('SIGKILL');
      await run;
    }
    snippet?.dispose();
  });

  it('prints the URL it serves', () => {
    expect(run!.output().stdout).toContain(`serving http://127.0.0.1:${port}`);
  });

  it("answers the README's JSON GETs as shown", async () => {
    const gets = jsonGets(sh);
    expect(gets.length, 'curl GET lines with a `# {...}` answer').toBeGreaterThan(0);
    for (const get of gets) {
      const res = await fetch(base + get.path);
      expect(res.status, get.path).toBe(200);
      expect(await res.json(), get.path).toEqual(get.shown);
    }
  });

  it("answers the README's first curl JSON inference request as shown", async () => {
    const example = firstJsonInference(sh);
    expect(example, 'a `curl -s .../infer -d \'{...}\'` request followed by a `# {...}` answer').toBeDefined();
    const res = await fetch(base + example!.path, { method: 'POST', body: example!.body, headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(example!.shown);
  });

  it('exits cleanly with code 0 on SIGTERM', async () => {
    expect(exited, 'still running before SIGTERM').toBeUndefined();
    run!.child.kill('SIGTERM');
    const result = await run!;
    const context = `--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
    expect(result.timedOut, context).toBe(false);
    expect(result.signal, context).toBeNull();
    expect(result.code, context).toBe(0);
    expect(unexpectedStderr(result.stderr), context).toEqual([]);
  });
});
