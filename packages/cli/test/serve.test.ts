import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logisticRegressionOnnx } from '../src/onnx/logistic-model.js';
import { mlops } from './run-mlops.js';
import { freePort, inferX, sigmoid, startMlops, waitForOk } from './servers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mlops-cli-serve-'));
  // What KServe's storage initializer leaves in /mnt/models for a single-model storageUri.
  await mkdir(path.join(dir, 'mnt-models'));
  await writeFile(path.join(dir, 'mnt-models', 'model.onnx'), logisticRegressionOnnx([0.5, -1, 2, 0], 0.25));
  // A Triton-style repository: two versions of churn, plus a bare file.
  await mkdir(path.join(dir, 'repo', 'churn', '1'), { recursive: true });
  await mkdir(path.join(dir, 'repo', 'churn', '2'), { recursive: true });
  await writeFile(path.join(dir, 'repo', 'churn', '1', 'model.onnx'), logisticRegressionOnnx([1, 0, 0, 0], 0));
  await writeFile(path.join(dir, 'repo', 'churn', '2', 'model.onnx'), logisticRegressionOnnx([0, 1, 0, 0], 0));
  await writeFile(path.join(dir, 'repo', 'fraud.onnx'), logisticRegressionOnnx([1, 1], -1));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('mlops serve', () => {
  it('runs the KServe ServingRuntime container args as written against a model folder, answers on the declared port, drains on SIGTERM', async () => {
    const manifest = parse(await readFile(path.join(here, '../deploy/kserve-servingruntime.yaml'), 'utf8')) as {
      kind: string;
      spec: { protocolVersions: string[]; supportedModelFormats: { name: string }[]; containers: { name: string; args: string[]; ports: { containerPort: number }[]; readinessProbe: { httpGet: { path: string; port: number } } }[] };
    };
    expect(manifest.kind).toBe('ServingRuntime');
    expect(manifest.spec.protocolVersions).toEqual(['v2']);
    expect(manifest.spec.supportedModelFormats.map((f) => f.name)).toEqual(['onnx']);
    const container = manifest.spec.containers.find((c) => c.name === 'kserve-container')!;
    const declared = container.ports[0]!.containerPort;
    const args = container.args;
    expect(args[args.indexOf('--port') + 1]).toBe(String(declared));
    expect(container.readinessProbe.httpGet).toEqual({ path: '/v2/health/ready', port: declared });
    // The Dockerfile's entrypoint is `mlops`, so these args follow it; swap only the mount, {{.Name}} and the port.
    const docker = await readFile(path.join(here, '../deploy/Dockerfile'), 'utf8');
    expect(docker).toContain('ENTRYPOINT ["mlops"]');
    const port = await freePort();
    const local = args.map((a) => (a === '/mnt/models' ? path.join(dir, 'mnt-models') : a === '{{.Name}}' ? 'churn-isvc' : a === String(declared) ? String(port) : a));
    expect(local.filter((a, i) => a !== args[i])).toHaveLength(3);
    const server = startMlops(local);
    try {
      await waitForOk(`http://127.0.0.1:${port}/v2/health/ready`, server);
      expect((await fetch(`http://127.0.0.1:${port}/v2/models/churn-isvc/ready`)).status).toBe(200);
      const meta = (await (await fetch(`http://127.0.0.1:${port}/v2/models/churn-isvc`)).json()) as { inputs: { name: string; shape: number[] }[] };
      expect(meta.inputs).toEqual([{ name: 'x', datatype: 'FP32', shape: [-1, 4] }]);
      const r = await inferX(`http://127.0.0.1:${port}/v2/models/churn-isvc/infer`, [[1, 2, 3, 4], [0, 0, 0, 0]]);
      expect(r.status).toBe(200);
      expect(r.body.outputs![0]!.data[0]).toBeCloseTo(sigmoid(0.5 - 2 + 6 + 0.25), 6);
      expect(r.body.outputs![0]!.data[1]).toBeCloseTo(sigmoid(0.25), 6);
    } finally {
      expect(await server.stop()).toBe(0);
    }
    expect(server.output().stderr).toContain('drained and stopped');
  });

  it('serves a Triton-style folder: every version, the highest by default, bare .onnx files as models', async () => {
    const port = await freePort();
    const server = startMlops(['serve', path.join(dir, 'repo'), '--port', String(port), '--workers', '1']);
    try {
      await waitForOk(`http://127.0.0.1:${port}/v2/health/ready`, server);
      const base = `http://127.0.0.1:${port}/v2/models`;
      const v2 = await inferX(`${base}/churn/infer`, [[1, 2, 3, 4]]);
      expect(v2.body.model_version).toBe('2');
      expect(v2.body.outputs![0]!.data[0]).toBeCloseTo(sigmoid(2), 6);
      const v1 = await inferX(`${base}/churn/versions/1/infer`, [[1, 2, 3, 4]]);
      expect(v1.body.outputs![0]!.data[0]).toBeCloseTo(sigmoid(1), 6);
      const fraud = await inferX(`${base}/fraud/infer`, [[1, 1]]);
      expect(fraud.body.outputs![0]!.data[0]).toBeCloseTo(sigmoid(1), 6);
      expect(server.output().stdout).toMatch(/^serving fraud \(version 1\), churn \(versions 1, 2\) on http:\/\/127\.0\.0\.1:\d+/);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  it('serves name@alias from a registry store and follows the alias when it moves', async () => {
    const store = path.join(dir, 'store');
    await writeFile(path.join(dir, 'v1.onnx'), logisticRegressionOnnx([1, 0, 0, 0], 0));
    await writeFile(path.join(dir, 'v2.onnx'), logisticRegressionOnnx([0, 0, 1, 0], 0));
    expect((await mlops(['registry', 'register', 'churn', 'v1.onnx', '--alias', 'champion', '--no-git', '--store', store], { cwd: dir })).code).toBe(0);
    expect((await mlops(['registry', 'register', 'churn', 'v2.onnx', '--no-git', '--store', store], { cwd: dir })).code).toBe(0);
    const port = await freePort();
    const server = startMlops(['serve', 'churn@champion', '--store', store, '--port', String(port), '--poll-interval', '1', '--workers', '1']);
    try {
      await waitForOk(`http://127.0.0.1:${port}/v2/models/churn/ready`, server);
      const url = `http://127.0.0.1:${port}/v2/models/churn/infer`;
      expect((await inferX(url, [[1, 2, 3, 4]])).body.model_version).toBe('1');
      expect((await mlops(['registry', 'alias', 'churn', 'champion', '2', '--store', store])).code).toBe(0);
      let answer;
      for (let i = 0; i < 240; i++) {
        answer = await inferX(url, [[1, 2, 3, 4]]);
        expect(answer.status).toBe(200);
        if (answer.body.model_version === '2') break;
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(answer!.body.model_version).toBe('2');
      expect(answer!.body.outputs![0]!.data[0]).toBeCloseTo(sigmoid(3), 6);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  it('bad targets and flags: one line, exit 2', async () => {
    const missing = await mlops(['serve', 'nothing-here', '--port', '0'], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toBe('mlops: nothing-here: no such file or folder, and not a registry reference like churn@champion.');
    const port = await mlops(['serve', 'repo', '--port', '99999'], { cwd: dir });
    expect(port.code).toBe(2);
    expect(port.stderr.trim()).toBe('mlops: --port: expected a whole number between 0 and 65535, found "99999".');
    const unknownModel = await mlops(['serve', 'nosuch@champion', '--store', path.join(dir, 'store')], { cwd: dir });
    expect(unknownModel.code).toBe(2);
  });
});
