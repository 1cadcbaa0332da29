import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (tools/pack-check/src -> ../../..). */
export const workspaceRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** One published workspace package, as its package.json declares it. */
export interface PublishedPackage {
  name: string;
  version: string;
  dir: string;
  /** Import specifiers of every entry: the root and each subpath export (`@mlops/storage/s3`). */
  entries: string[];
  /**
   * Entry -> the optional peers its type declarations name. A strict consumer must compile an
   * entry with only those installed. (`@mlops/storage/s3` names the AWS SDK's types on purpose:
   * who imports it installs the SDK; the root names none.)
   */
  optionalPeerTypes: Record<string, string[]>;
  /** Internal (`@mlops/*`) runtime dependencies. */
  internalDependencies: string[];
  peerDependencies: Record<string, string>;
  optionalPeers: string[];
}

interface PackageJson {
  name: string;
  version: string;
  private?: boolean;
  exports?: Record<string, unknown>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

/** Every non-private package under packages/, read from disk. */
export function publishedPackages(): PublishedPackage[] {
  const packagesDir = path.join(workspaceRoot, 'packages');
  return readdirSync(packagesDir)
    .map((d) => path.join(packagesDir, d))
    .filter((dir) => existsSync(path.join(dir, 'package.json')))
    .map((dir) => ({ dir, json: JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as PackageJson }))
    .filter(({ json }) => !json.private)
    .map(({ dir, json }) => ({
      name: json.name,
      version: json.version,
      dir,
      entries: codeExports(json).map(([k]) => (k === '.' ? json.name : `${json.name}/${k.slice(2)}`)),
      optionalPeerTypes: Object.fromEntries(
        codeExports(json).map(([k, v]) => [
          k === '.' ? json.name : `${json.name}/${k.slice(2)}`,
          optionalPeersOf(json).filter((peer) => namesModule(path.join(dir, typesOf(v)), peer)),
        ]),
      ),
      internalDependencies: Object.keys(json.dependencies ?? {}).filter((d) => d.startsWith('@mlops/')),
      peerDependencies: json.peerDependencies ?? {},
      optionalPeers: optionalPeersOf(json),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Exports that are code (ESM + CJS + types), not data files such as a JSON schema. */
function codeExports(json: PackageJson): [string, unknown][] {
  return Object.entries(json.exports ?? {}).filter(([k, v]) => k !== './package.json' && typeof v === 'object' && v !== null && 'import' in v);
}

function optionalPeersOf(json: PackageJson): string[] {
  return Object.entries(json.peerDependenciesMeta ?? {})
    .filter(([, meta]) => meta.optional)
    .map(([name]) => name);
}

function typesOf(exportEntry: unknown): string {
  const types = (exportEntry as { import?: { types?: string } }).import?.types;
  if (!types) throw new Error(`an export entry without import.types: ${JSON.stringify(exportEntry)}`);
  return types;
}

/** True when a built .d.ts (or a chunk it imports) names module `peer`. */
function namesModule(dtsFile: string, peer: string, seen = new Set<string>()): boolean {
  if (seen.has(dtsFile) || !existsSync(dtsFile)) return false;
  seen.add(dtsFile);
  const text = readFileSync(dtsFile, 'utf8');
  for (const m of text.matchAll(/from\s+['"]([^'"]+)['"]|import\s+['"]([^'"]+)['"]|import\(['"]([^'"]+)['"]\)/g)) {
    const spec = m[1] ?? m[2] ?? m[3]!;
    if (spec === peer || spec.startsWith(`${peer}/`)) return true;
    if (spec.startsWith('.') && namesModule(path.resolve(path.dirname(dtsFile), spec.replace(/\.js$/, '.d.ts')), peer, seen)) return true;
  }
  return false;
}
