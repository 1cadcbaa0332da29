#!/usr/bin/env node
// The `mlops` command. Runs the build (dist/bin.js); in a source checkout that was never built
// (a fresh clone after `npm install`), runs src/bin.ts through tsx instead, so `npx mlops demo` works.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const dist = new URL('../dist/bin.js', import.meta.url);
const source = new URL('../src/bin.ts', import.meta.url);
if (existsSync(dist) || !existsSync(source)) {
  await import(dist.href);
} else {
  let tsx;
  try {
    tsx = createRequire(import.meta.url).resolve('tsx');
  } catch {
    console.error('mlops: dist/ is missing and tsx is not installed; build it with: npm run build -w @mlops/cli');
    process.exit(1);
  }
  const child = spawn(process.execPath, ['--conditions=@mlops/source', '--import', pathToFileURL(tsx).href, fileURLToPath(source), ...process.argv.slice(2)], { stdio: 'inherit' });
  for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
