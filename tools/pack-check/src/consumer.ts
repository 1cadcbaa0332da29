import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { run } from './npm.js';
import { workspaceRoot, type PublishedPackage } from './workspace-packages.js';

/** Options of {@link installAlone}. */
export interface InstallAloneOptions {
  /** Where to create the consumer project. */
  dir: string;
  /** Every package's tarball: the package itself, and overrides for its internal dependencies. */
  tarballs: ReadonlyMap<string, string>;
  /** Packages the package's README tells users to install next to it (e.g. a peer). */
  alongside?: Record<string, string>;
}

/**
 * A fresh npm project with only `pkg` (from its tarball) and what npm installs for it: its
 * dependencies (internal ones from their tarballs, through `overrides`) and its required peers.
 * Registry packages come from the shared npm cache when they are there (`--prefer-offline`).
 */
export async function installAlone(pkg: PublishedPackage, options: InstallAloneOptions): Promise<void> {
  const { dir, tarballs } = options;
  mkdirSync(dir, { recursive: true });
  const overrides = Object.fromEntries(
    [...tarballs].filter(([name]) => name !== pkg.name).map(([name, file]) => [name, `file:${file}`]),
  );
  const manifest = {
    name: `consumer-of-${pkg.name.replace('@mlops/', '')}`,
    version: '0.0.0',
    private: true,
    dependencies: { [pkg.name]: `file:${tarballs.get(pkg.name)!}`, ...options.alongside },
    overrides,
  };
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--no-package-lock', '--loglevel=error'], dir, {
    ONNXRUNTIME_NODE_INSTALL: 'skip',
  });
}

/** Import every entry with ESM `import()` and return entry -> number of exports. */
export async function importEntries(dir: string, entries: readonly string[]): Promise<Record<string, number>> {
  const script = `const out = {}; for (const e of ${JSON.stringify(entries)}) out[e] = Object.keys(await import(e)).length; console.log(JSON.stringify(out));`;
  writeFileSync(path.join(dir, 'esm-probe.mjs'), script);
  return JSON.parse(await run(process.execPath, ['esm-probe.mjs'], dir)) as Record<string, number>;
}

/** `require()` every entry (the CJS build) and return entry -> number of exports. */
export async function requireEntries(dir: string, entries: readonly string[]): Promise<Record<string, number>> {
  const script = `const out = {}; for (const e of ${JSON.stringify(entries)}) out[e] = Object.keys(require(e)).length; console.log(JSON.stringify(out));`;
  writeFileSync(path.join(dir, 'cjs-probe.cjs'), script);
  return JSON.parse(await run(process.execPath, ['cjs-probe.cjs'], dir)) as Record<string, number>;
}

const tsc = path.join(workspaceRoot, 'node_modules', 'typescript', 'bin', 'tsc');
const strict = ['--noEmit', '--strict', '--skipLibCheck', 'false', '--target', 'es2022', '--types', 'node', '--typeRoots', path.join(workspaceRoot, 'node_modules', '@types')];

/**
 * Type-check a consumer that imports every entry, as a user's strict project would:
 * `skipLibCheck: false`, under node16 (an ESM and a CJS file) and under bundler resolution.
 * Resolves on success; rejects with tsc's output.
 */
export async function typecheckEntries(dir: string, entries: readonly string[]): Promise<void> {
  const names = entries.map((_, i) => `m${i}`);
  const esm = entries.map((e, i) => `import * as ${names[i]} from '${e}';`).join('\n') + `\nexport const all = [${names.join(', ')}];\n`;
  const cjs = entries.map((e, i) => `import ${names[i]} = require('${e}');`).join('\n') + `\nexport const all = [${names.join(', ')}];\n`;
  writeFileSync(path.join(dir, 'types-esm.mts'), esm);
  writeFileSync(path.join(dir, 'types-cjs.cts'), cjs);
  writeFileSync(path.join(dir, 'types-bundler.ts'), esm);
  await run(process.execPath, [tsc, ...strict, '--module', 'node16', '--moduleResolution', 'node16', 'types-esm.mts', 'types-cjs.cts'], dir);
  await run(process.execPath, [tsc, ...strict, '--module', 'esnext', '--moduleResolution', 'bundler', 'types-bundler.ts'], dir);
}
