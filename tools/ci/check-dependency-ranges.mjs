// One range per dependency across the workspace, and no unused root dependency; run by the lint
// target of tools/pack-check (so by `npm run lint` and `npm test`).
// - apache-arrow is the data contract every package shares: one range in every field of every
//   package.json (differing peer ranges made `npm i apache-arrow@21.0.0` fail with ERESOLVE).
// - any other dependency: one range among all peerDependencies, and one among all dependencies
//   and devDependencies (a peer may be wider than the version the repo develops against).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const rootJson = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const files = ['package.json'];
for (const pattern of rootJson.workspaces ?? []) {
  const base = pattern.replace(/\/\*$/, '');
  for (const dir of existsSync(path.join(root, base)) ? readdirSync(path.join(root, base)) : []) {
    const file = path.join(base, dir, 'package.json');
    if (existsSync(path.join(root, file))) files.push(file);
  }
}

const SAME_EVERYWHERE = new Set(['apache-arrow']);
const groups = new Map(); // "name|kind" -> Map(range -> [file:field])
for (const file of files) {
  const json = JSON.parse(readFileSync(path.join(root, file), 'utf8'));
  for (const field of ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies']) {
    for (const [name, range] of Object.entries(json[field] ?? {})) {
      if (name.startsWith('@mlops/')) continue; // internal ranges are kept in step by changesets
      const kind = SAME_EVERYWHERE.has(name) ? 'all' : field === 'peerDependencies' ? 'peer' : 'installed';
      const key = `${name}|${kind}`;
      if (!groups.has(key)) groups.set(key, new Map());
      const ranges = groups.get(key);
      if (!ranges.has(range)) ranges.set(range, []);
      ranges.get(range).push(`${file} (${field})`);
    }
  }
}

let problems = 0;
// The root's devDependencies are the shared toolchain plus hoisted copies of what workspaces
// declare; anything else is unused.
const ROOT_TOOLS = new Set(['nx', 'typescript', 'vitest', 'vite', 'eslint', '@eslint/js', 'typescript-eslint', 'tsup', 'tsx',
  '@changesets/cli', 'publint', '@arethetypeswrong/cli', '@types/node']);
const declaredByWorkspaces = new Set(
  files.slice(1).flatMap((file) => {
    const json = JSON.parse(readFileSync(path.join(root, file), 'utf8'));
    return ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'].flatMap((f) => Object.keys(json[f] ?? {}));
  }),
);
for (const name of Object.keys({ ...rootJson.dependencies, ...rootJson.devDependencies })) {
  if (ROOT_TOOLS.has(name) || declaredByWorkspaces.has(name)) continue;
  problems += 1;
  console.error(`${name}: a root dependency that no workspace package declares and no root tool needs: remove it from package.json.`);
}
for (const [key, ranges] of groups) {
  if (ranges.size < 2) continue;
  const [name, kind] = key.split('|');
  problems += 1;
  const where = kind === 'all' ? 'in every package.json field' : kind === 'peer' ? 'in peerDependencies' : 'in dependencies and devDependencies';
  console.error(`${name}: expected one range ${where}, found ${ranges.size}:`);
  for (const [range, uses] of ranges) console.error(`  "${range}" in ${uses.join(', ')}`);
}
if (problems > 0) {
  console.error(`\n${problems} dependency problem${problems === 1 ? '' : 's'}: edit the package.json files listed.`);
  process.exit(1);
}
console.log(`dependency ranges: ${groups.size} checked, one range each`);
