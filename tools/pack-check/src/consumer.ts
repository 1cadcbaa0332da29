import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { run, runStatus } from './npm.js';
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

/** Write the consumer files that import every entry: an ESM and a CJS file for node16, one for bundler. */
function writeTypeConsumers(dir: string, entries: readonly string[]): void {
  const names = entries.map((_, i) => `m${i}`);
  const esm = entries.map((e, i) => `import * as ${names[i]} from '${e}';`).join('\n') + `\nexport const all = [${names.join(', ')}];\n`;
  const cjs = entries.map((e, i) => `import ${names[i]} = require('${e}');`).join('\n') + `\nexport const all = [${names.join(', ')}];\n`;
  writeFileSync(path.join(dir, 'types-esm.mts'), esm);
  writeFileSync(path.join(dir, 'types-cjs.cts'), cjs);
  writeFileSync(path.join(dir, 'types-bundler.ts'), esm);
}

/**
 * Type-check every consumer as a user's strict project would (`skipLibCheck: false`): under
 * node16 (an ESM and a CJS file) and under bundler resolution. One tsc process per mode checks
 * all consumers, each file resolving from its own project's node_modules (so each package is
 * still checked alone), which parses lib and @types/node once instead of once per package.
 * Returns consumer dir -> tsc's error lines for that consumer (empty: it compiles).
 */
export async function typecheckConsumers(root: string, consumers: ReadonlyMap<string, readonly string[]>): Promise<Map<string, string[]>> {
  for (const [dir, entries] of consumers) writeTypeConsumers(dir, entries);
  const files = (name: string) => [...consumers.keys()].map((dir) => path.relative(root, path.join(dir, name)));
  const node16 = await runStatus(process.execPath, [tsc, ...strict, '--module', 'node16', '--moduleResolution', 'node16', ...files('types-esm.mts'), ...files('types-cjs.cts')], root);
  const bundler = await runStatus(process.execPath, [tsc, ...strict, '--module', 'esnext', '--moduleResolution', 'bundler', ...files('types-bundler.ts')], root);
  const errors = new Map<string, string[]>([...consumers.keys()].map((dir) => [dir, []]));
  for (const [mode, result] of [['node16', node16], ['bundler', bundler]] as const) {
    const lines = result.output.split('\n').filter((l) => l.trim() !== '');
    for (const line of lines) {
      const dir = [...consumers.keys()].find((d) => path.resolve(root, line.split('(')[0]!).startsWith(d + path.sep));
      if (dir) errors.get(dir)!.push(`${mode}: ${line}`);
      else if (result.code !== 0) for (const list of errors.values()) list.push(`${mode}: ${line}`);
    }
  }
  return errors;
}
