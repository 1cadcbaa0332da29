import { execFileSync } from 'node:child_process';
import { mkdtemp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, mlops } from './run-mlops.js';

let dir: string;
let store: string;
let commit: string;

// A training job's checkout: a git repo with a model directory and a metrics file.
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mlops-cli-registry-'));
  store = path.join(dir, 'store');
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' }).trim();
  git('init', '-q');
  git('config', 'user.email', 'ci@example.com');
  git('config', 'user.name', 'ci');
  await mkdir(path.join(dir, 'model', 'tokenizer'), { recursive: true });
  await writeFile(path.join(dir, 'model', 'model.onnx'), 'onnx-bytes-v1');
  await writeFile(path.join(dir, 'model', 'tokenizer', 'vocab.txt'), 'a\nb\n');
  await writeFile(path.join(dir, 'metrics.json'), JSON.stringify({ auc: 0.84, loss: 0.31 }));
  await writeFile(path.join(dir, 'train.csv'), 'x,y\n1,0\n');
  await writeFile(path.join(dir, 'train.py'), 'print("train")\n');
  git('add', '.');
  git('commit', '-q', '-m', 'train');
  commit = git('rev-parse', 'HEAD');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const run = (args: string[], env: Record<string, string> = {}) => mlops([...args, '--store', store], { cwd: dir, env: { MLOPS_ACTOR: 'ci-bot', ...env } });

describe('mlops registry', () => {
  it('registers a directory with metrics from a JSON file, params, tags, a hashed dataset and git lineage', async () => {
    const r = await run(['registry', 'register', 'churn', 'model', '--metrics', 'metrics.json', '--params', 'lr=0.1,epochs=20', '--tags', 'team=growth', '--dataset', 'train=train.csv', '--description', 'first', '--alias', 'champion', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const v = json<{ version: number; metrics: object; params: object; tags: object; lineage: { code: { commit: string }; datasets: { uri: string; sha256: string; role: string }[] }; artifacts: { path: string }[]; createdBy: string }>(r);
    expect(v.version).toBe(1);
    expect(v.metrics).toEqual({ auc: 0.84, loss: 0.31 });
    expect(v.params).toEqual({ lr: 0.1, epochs: 20 });
    expect(v.tags).toEqual({ team: 'growth' });
    expect(v.createdBy).toBe('ci-bot');
    expect(v.lineage.code.commit).toBe(commit);
    // sha256 of "x,y\n1,0\n", computed independently with sha256sum.
    expect(v.lineage.datasets).toEqual([{ uri: `file://${path.join(dir, 'train.csv')}`, sha256: execFileSync('sha256sum', [path.join(dir, 'train.csv')], { encoding: 'utf8' }).split(' ')[0], role: 'train' }]);
    expect(v.artifacts.map((a) => a.path)).toEqual(['model.onnx', 'tokenizer/vocab.txt']);
  });

  it('marks a dirty checkout, registers single files, and lists', async () => {
    await writeFile(path.join(dir, 'train.py'), 'print("changed")\n');
    await writeFile(path.join(dir, 'model', 'model.onnx'), 'onnx-bytes-v2');
    const r = await run(['registry', 'register', 'churn', 'model/model.onnx', '--metric', 'auc=0.86', '--metric', 'loss=0.3', '--alias', 'challenger']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('registered churn/2 (1 file) and set @challenger -> 2');
    const shown = json<{ tags: Record<string, string>; metrics: object; aliases: string[] }>(await run(['registry', 'show', 'churn@challenger', '--json']));
    expect(shown.tags).toEqual({ 'git.dirty': 'true' });
    expect(shown.metrics).toEqual({ auc: 0.86, loss: 0.3 });
    expect(shown.aliases).toEqual(['challenger']);
    const list = await run(['registry', 'list']);
    expect(list.stdout).toMatch(/churn\s+2\s+2\s+champion=1,challenger=2|churn\s+2\s+2\s+challenger=2,champion=1/);
    const text = await run(['registry', 'show', 'churn/1']);
    expect(text.stdout).toContain(`code        `);
    expect(text.stdout).toContain(commit);
    expect(text.stdout).toContain('metrics     auc=0.84, loss=0.31');
  });

  it('promote: a refusing gate exits 3 and leaves the alias; a passing one moves it', async () => {
    const refused = await run(['registry', 'promote', 'churn', '--metric', 'auc', '--min-improvement', '0.05', '--reason', 'weekly']);
    expect(refused.code).toBe(3);
    expect(refused.stdout).toMatch(/^refused: churn@champion stays at 1 \(auc 0\.86 vs incumbent v1 0\.84: needs >= 0\.89 -> fail\)/);
    const passed = await run(['registry', 'promote', 'churn', '--from', 'challenger', '--to', 'champion', '--metric', 'auc', '--min-improvement', '0.01', '--reason', 'auc +0.02', '--json']);
    expect(passed.code).toBe(0);
    expect(json(passed)).toMatchObject({ promoted: true, candidate: 2, incumbent: 1 });
  });

  it('rollback and history: who, when, why', async () => {
    const rb = await run(['registry', 'rollback', 'churn', 'champion', '--reason', 'latency regression']);
    expect(rb.code).toBe(0);
    expect(rb.stdout.trim()).toBe('rolled back churn@champion: 2 -> 1');
    const h = json<{ changes: { from: number | null; to: number; actor: string; reason: string; rollback?: boolean }[] }>(await run(['registry', 'history', 'churn', 'champion', '--json']));
    expect(h.changes.map((c) => [c.from, c.to, c.actor, c.reason, c.rollback ?? false])).toEqual([
      [null, 1, 'ci-bot', 'registered churn/1', false],
      [1, 2, 'ci-bot', 'auc +0.02', false],
      [2, 1, 'ci-bot', 'latency regression', true],
    ]);
    const events = await run(['registry', 'history', 'churn', '--events']);
    expect(events.stdout).toContain('promotion to @champion refused for version 2');
    expect(events.stdout).toContain('rolled back @champion: 2 -> 1');
    const missing = await run(['registry', 'history', 'nosuch']);
    expect(missing.code).toBe(2);
  });

  it('alias set with --expect, delete, and the precondition failure exit 1', async () => {
    expect((await run(['registry', 'alias', 'churn', 'staging', '2', '--expect', 'none'])).stdout.trim()).toBe('churn@staging: - -> 2');
    const lost = await run(['registry', 'alias', 'churn', 'staging', '1', '--expect', '1']);
    expect(lost.code).toBe(1);
    expect(lost.stderr).toMatch(/^mlops: .*staging/);
    expect((await run(['registry', 'alias', 'churn', 'staging', '--delete'])).stdout.trim()).toBe('deleted churn@staging (was 2)');
    expect((await run(['registry', 'alias', 'churn', 'staging'])).code).toBe(2);
  });

  it('search with a filter and order', async () => {
    const r = json<{ versions: { version: number }[] }>(await run(['registry', 'search', '--filter', "name = 'churn' AND metrics.auc > 0.85", '--json']));
    expect(r.versions.map((v) => v.version)).toEqual([2]);
    const bad = await run(['registry', 'search', '--filter', 'metrics.auc >>> 1']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  });

  it('download checks hashes; verify finds a damaged blob and exits 3; gc reports', async () => {
    const out = path.join(dir, 'out');
    const dl = await run(['registry', 'download', 'churn/1', out]);
    expect(dl.code).toBe(0);
    expect(await readFile(path.join(out, 'model.onnx'), 'utf8')).toBe('onnx-bytes-v1');
    expect((await run(['registry', 'verify'])).stdout.trim()).toBe('2 versions, 3 files checked: all intact');
    // Damage the stored vocab file (the only 4-byte object in the store) behind the registry's back.
    const files = await listFiles(store);
    const vocab = [];
    for (const f of files) if ((await readFile(f, 'utf8')) === 'a\nb\n') vocab.push(f);
    expect(vocab).toHaveLength(1);
    await writeFile(vocab[0]!, 'a\nc\n');
    const bad = await run(['registry', 'verify', '--json']);
    expect(bad.code).toBe(3);
    expect(json(bad)).toMatchObject({ versions: 2, files: 3, ok: false, problems: [{ ref: 'churn/1', path: 'tokenizer/vocab.txt', code: 'DATA_CORRUPTED' }] });
    const gc = json<{ dryRun: boolean; deleted: string[] }>(await run(['registry', 'gc', '--json']));
    expect(gc).toMatchObject({ dryRun: true, deleted: [] });
  });

  it('delete: refused while an alias points at the version, then with --force; verify skips the tombstone', async () => {
    const refused = await run(['registry', 'delete', 'churn/1', '--reason', 'data deletion request']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    const forced = await run(['registry', 'delete', 'churn/1', '--force', '--reason', 'data deletion request']);
    expect(forced.code).toBe(0);
    expect(forced.stdout.trim()).toBe('deleted churn/1; run mlops registry gc --apply to reclaim the bytes');
    const shown = await run(['registry', 'show', 'churn/1']);
    expect(shown.code).toBe(2);
    expect(shown.stderr).toContain('churn/1 was deleted');
    const verify = await run(['registry', 'verify']);
    expect(verify.code).toBe(0);
    expect(verify.stdout.trim()).toBe('1 versions, 1 files checked: all intact');
  });

  it('reads the store from MLOPS_REGISTRY_URL; bad input is exit 2 with one line', async () => {
    const r = await mlops(['registry', 'list', '--json'], { cwd: dir, env: { MLOPS_REGISTRY_URL: store } });
    expect(json<{ models: { name: string }[] }>(r).models.map((m) => m.name)).toEqual(['churn']);
    const missingFile = await run(['registry', 'register', 'churn', 'nope.onnx']);
    expect(missingFile.code).toBe(2);
    expect(missingFile.stderr.trim()).toBe('mlops: No such file or directory: nope.onnx. Give the model\'s files or its directory.');
    const badMetric = await run(['registry', 'register', 'churn', 'model', '--metrics', 'auc=high']);
    expect(badMetric.code).toBe(2);
    expect(badMetric.stderr.trim()).toBe('mlops: --metrics auc: expected a finite number, found "high".');
  });
});

async function listFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(root, { withFileTypes: true })) {
    const p = path.join(root, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(p)));
    else out.push(p);
  }
  return out;
}
