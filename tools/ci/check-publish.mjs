// The check-publish target of every package: pack the built package once (without running
// prepack, which would rebuild what nx just built), then lint the tarball with publint --strict
// and @arethetypeswrong/cli over all of its resolution modes (node10, node16 CJS and ESM,
// bundler). Run from the package directory.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = mkdtempSync(path.join(tmpdir(), 'mlops-check-publish-'));
const bin = (name) => path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../node_modules/.bin', name);
const run = (name, args) => execFileSync(bin(name), args, { stdio: 'inherit' });
try {
  const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { encoding: 'utf8' });
  const tarball = path.join(dir, JSON.parse(out)[0].filename);
  run('publint', ['--strict', tarball]);
  run('attw', [tarball]);
} catch (error) {
  process.exitCode = 1;
  if (error.status === undefined) console.error(error);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
