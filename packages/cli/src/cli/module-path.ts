import { createRequire } from 'node:module';
import path from 'node:path';

/** The directory of an installed package (resolved from this package, as Node would). */
export function packageDir(name: string): string {
  // ESM has import.meta.url; the CJS build has __filename instead.
  const from = typeof __filename === 'string' ? __filename : import.meta.url;
  return path.dirname(createRequire(from).resolve(`${name}/package.json`));
}
