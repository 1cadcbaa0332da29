import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The monorepo root (two levels above this package). */
export const WORKSPACE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** A package README: the package directory name, the README path and its text. */
export interface PackageReadme {
  name: string;
  file: string;
  markdown: string;
}

/** Every `packages/<name>/README.md`, sorted by package name. */
export function packageReadmes(root = WORKSPACE_ROOT): PackageReadme[] {
  const dir = path.join(root, 'packages');
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(dir, d.name, 'README.md')))
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const file = path.join(dir, name, 'README.md');
      return { name, file, markdown: readFileSync(file, 'utf8') };
    });
}
