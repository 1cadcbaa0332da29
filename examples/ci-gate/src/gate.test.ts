import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { tableFromArrays } from 'apache-arrow';
import { seededRandom } from '@mlops/contracts';
import { profile, serializeProfile } from '@mlops/drift';
import { createRegistry } from '@mlops/registry';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const here = path.dirname(fileURLToPath(import.meta.url));
const GATE = path.resolve(here, '../gate.sh');
let dir: string;
let binDir: string;

function trainingProfile(seed: number, ageScale: number): Uint8Array {
  const rnd = seededRandom(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  const n = 2000;
  return serializeProfile(profile(tableFromArrays({ user_age: Float64Array.from({ length: n }, () => (42 + 12 * normal()) * ageScale), tenure: Float64Array.from({ length: n }, () => rnd() * 60) })));
}

/** A store with churn@champion (v1, auc 0.80) and churn@challenger (v2). */
async function store(name: string, challenger: { auc: number; ageScale: number }): Promise<string> {
  const root = path.join(dir, name);
  const registry = createRegistry({ store: root, actor: 'training-job' });
  await registry.registerModelVersion({ name: 'churn', artifacts: { 'model.onnx': new Uint8Array([1]), 'reference.profile': trainingProfile(1, 1) }, metrics: { auc: 0.8 } });
  await registry.setAlias('churn', 'champion', 1, { reason: 'release' });
  await registry.registerModelVersion({ name: 'churn', artifacts: { 'model.onnx': new Uint8Array([2]), 'reference.profile': trainingProfile(2, challenger.ageScale) }, metrics: { auc: challenger.auc } });
  await registry.setAlias('churn', 'challenger', 2, { reason: 'weekly retrain' });
  await registry.close();
  return root;
}

function gate(storeDir: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('sh', [GATE, 'churn'], { cwd: dir, env: { ...process.env, PATH: `${binDir}:${process.env.PATH}`, MLOPS_REGISTRY_URL: storeDir, GATE_OUT: path.join(storeDir, '..', `${path.basename(storeDir)}-out`), GITHUB_SHA: 'abc123', NO_COLOR: '1' }, timeout: 200_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function champion(storeDir: string): Promise<number | undefined> {
  const registry = createRegistry({ store: storeDir });
  const model = (await registry.listModels())[0];
  await registry.close();
  return model?.aliases.champion;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mlops-ci-gate-'));
  // `mlops` on PATH, run from the CLI's source (what `npm install @mlops/cli` puts in node_modules/.bin in CI).
  binDir = path.join(dir, 'bin');
  const require = createRequire(import.meta.url);
  const cliSource = path.resolve(path.dirname(require.resolve('@mlops/cli/package.json')), 'src/bin.ts');
  const tsx = pathToFileURL(require.resolve('tsx')).href;
  await import('node:fs/promises').then((fs) => fs.mkdir(binDir));
  await writeFile(path.join(binDir, 'mlops'), `#!/bin/sh\nexec "${process.execPath}" --conditions=@mlops/source --import "${tsx}" "${cliSource}" "$@"\n`);
  await chmod(path.join(binDir, 'mlops'), 0o755);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('examples/ci-gate', () => {
  it('promotes a better challenger trained on data like production', async () => {
    const s = await store('good', { auc: 0.83, ageScale: 1 });
    const r = await gate(s);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('no dataset drift');
    expect(r.stdout).toMatch(/promoted: churn@champion 1 -> 2/);
    expect(await champion(s)).toBe(2);
    expect(await readFile(path.join(dir, 'good-out', 'drift.html'), 'utf8')).toContain('user_age');
  });

  it('fails with exit 3 when the challenger was trained on drifted data (user_age in months); champion unchanged', async () => {
    const s = await store('drifted', { auc: 0.9, ageScale: 12 });
    const r = await gate(s);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/user_age\s.*DRIFT/);
    expect(r.stdout).not.toContain('== gate');
    expect(await champion(s)).toBe(1);
  });

  it('fails with exit 3 when the metric gate refuses; champion unchanged', async () => {
    const s = await store('worse', { auc: 0.805, ageScale: 1 });
    const r = await gate(s);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/refused: churn@champion stays at 1 \(auc 0\.805 vs incumbent v1 0\.8: needs >= 0\.81 -> fail\)/);
    expect(await champion(s)).toBe(1);
  });

  it('the workflow runs this script with the registry from a repository variable', async () => {
    const wf = parse(await readFile(path.resolve(here, '../workflow.yml'), 'utf8')) as { jobs: { gate: { env: Record<string, string>; steps: { run?: string }[] } } };
    expect(wf.jobs.gate.env.MLOPS_REGISTRY_URL).toContain('vars.MLOPS_REGISTRY_URL');
    expect(wf.jobs.gate.steps.some((s) => s.run?.includes('examples/ci-gate/gate.sh'))).toBe(true);
  });
});
