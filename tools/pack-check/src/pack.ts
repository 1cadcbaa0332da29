import { existsSync } from 'node:fs';
import path from 'node:path';
import { inPool, run } from './npm.js';
import type { PublishedPackage } from './workspace-packages.js';

/**
 * `npm pack` every package into `dest` and return name -> tarball path. Packs what nx built
 * (`--ignore-scripts`: prepack would build every package again).
 */
export async function packAll(packages: readonly PublishedPackage[], dest: string): Promise<Map<string, string>> {
  const tarballs = new Map<string, string>();
  await inPool(packages, 2, async (pkg) => {
    if (!existsSync(path.join(pkg.dir, 'dist'))) {
      throw new Error(`${pkg.name} has no dist/: build it first (npm test builds every package before this test).`);
    }
    const out = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dest], pkg.dir);
    const [info] = JSON.parse(out) as [{ filename: string }];
    tarballs.set(pkg.name, path.join(dest, info.filename));
  });
  return tarballs;
}
