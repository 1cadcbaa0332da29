import { existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importEntries, installAlone, requireEntries, typecheckConsumers } from './consumer.js';
import { inPool } from './npm.js';
import { packAll } from './pack.js';
import { publishedPackages } from './workspace-packages.js';

// Every published package, packed as `npm publish` would ship it and installed alone into a fresh
// project, used as a user would: ESM import, CJS require, strict tsc (skipLibCheck: false) under
// node16 and bundler resolution.

// MLOPS_PACK_CHECK=storage,serve limits a local run to some packages.
const only = process.env.MLOPS_PACK_CHECK?.split(',').map((n) => `@mlops/${n.trim()}`);
const packages = publishedPackages().filter((p) => !only || only.includes(p.name) || p.name === '@mlops/contracts');
const arrowRange = packages.find((p) => p.name === '@mlops/contracts')?.peerDependencies['apache-arrow'] ?? '^21.2.0';
// What a package's README tells users to install with it, beyond what npm installs by itself.
const alongside: Record<string, Record<string, string>> = { '@mlops/contracts': { 'apache-arrow': arrowRange } };

const work = mkdtempSync(path.join(tmpdir(), 'mlops-pack-check-'));
const projectOf = (name: string) => path.join(work, 'consumers', name.replace('@mlops/', ''));

// Entries whose types name an optional peer the consumer did not install are left out of the
// type check (attw in check-publish still resolves them); the package root is always in.
const typedEntries = (name: string) => {
  const pkg = packages.find((p) => p.name === name)!;
  const installed = Object.keys(alongside[name] ?? {});
  return pkg.entries.filter((e) => pkg.optionalPeerTypes[e]!.every((peer) => installed.includes(peer)));
};
let typeErrors: Map<string, string[]>;

beforeAll(async () => {
  const tarballs = await packAll(packages, work);
  await inPool(packages, 2, (pkg) => installAlone(pkg, { dir: projectOf(pkg.name), tarballs, alongside: alongside[pkg.name] ?? {} }));
  typeErrors = await typecheckConsumers(work, new Map(packages.map((p) => [projectOf(p.name), typedEntries(p.name)])));
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.each(packages.map((p) => [p.name, p] as const))('%s installed alone', (_name, pkg) => {
  it('ships dist, README, LICENSE and package.json', () => {
    const installed = path.join(projectOf(pkg.name), 'node_modules', pkg.name);
    for (const file of ['dist', 'README.md', 'LICENSE', 'package.json']) expect(existsSync(path.join(installed, file)), file).toBe(true);
  });

  it('imports every entry with ESM import and CJS require', async () => {
    const esm = await importEntries(projectOf(pkg.name), pkg.entries);
    const cjs = await requireEntries(projectOf(pkg.name), pkg.entries);
    for (const entry of pkg.entries) {
      expect(esm[entry], entry).toBeGreaterThan(0);
      expect(cjs[entry], entry).toBe(esm[entry]);
    }
  });

  it('type-checks in a strict consumer (skipLibCheck: false) under node16 and bundler resolution', () => {
    expect(typedEntries(pkg.name)).toContain(pkg.name);
    expect(typeErrors.get(projectOf(pkg.name))).toEqual([]);
  });
});

describe.skipIf(only && !only.includes('@mlops/storage'))('packages that never use Arrow', () => {
  it.each(['@mlops/storage', '@mlops/registry'].filter((n) => packages.some((p) => p.name === n)))('%s installs and imports without apache-arrow', async (name) => {
    const dir = projectOf(name);
    expect(existsSync(path.join(dir, 'node_modules', 'apache-arrow'))).toBe(false);
    const pkg = packages.find((p) => p.name === name)!;
    expect(Object.keys(await importEntries(dir, [...pkg.entries, '@mlops/contracts/errors']))).toHaveLength(pkg.entries.length + 1);
  });
});

describe.skipIf(only && !only.includes('@mlops/serve'))('@mlops/serve loads apache-arrow and gRPC lazily', () => {
  it('imports and requires with apache-arrow absent (it is loaded only by inferTable and prediction logs)', async () => {
    const dir = projectOf('@mlops/serve');
    // gRPC is an optional peer loaded only when the grpc option is set: a plain install has none of it.
    expect(existsSync(path.join(dir, 'node_modules', '@grpc', 'grpc-js'))).toBe(false);
    expect(existsSync(path.join(dir, 'node_modules', '@grpc', 'proto-loader'))).toBe(false);
    const arrow = path.join(dir, 'node_modules', 'apache-arrow');
    const hidden = path.join(dir, 'node_modules', '.apache-arrow-hidden');
    renameSync(arrow, hidden);
    try {
      const esm = await importEntries(dir, ['@mlops/serve']);
      const cjs = await requireEntries(dir, ['@mlops/serve']);
      expect(esm['@mlops/serve']).toBeGreaterThan(0);
      expect(cjs['@mlops/serve']).toBe(esm['@mlops/serve']);
    } finally {
      renameSync(hidden, arrow);
    }
  });
});
