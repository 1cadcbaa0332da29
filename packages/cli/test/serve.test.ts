import { spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logisticRegressionOnnx } from '../src/onnx/logistic-model.js';
import { mlops } from './run-mlops.js';
import { freePort, inferX, sigmoid, startMlops, waitForOk } from './servers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** Debian's python with python3-grpcio and python3-grpc-tools (the first python3 on PATH lacks them). */
const PY = '/usr/bin/python3';
let dir: string;

function runPython(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(PY, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mlops-cli-serve-'));
  // What KServe's storage initializer leaves in /mnt/models for a single-model storageUri.
  await mkdir(path.join(dir, 'mnt-models'));
  await writeFile(path.join(dir, 'mnt-models', 'model.onnx'), logisticRegressionOnnx([0.5, -1, 2, 0], 0.25));
  // A Triton-style repository: churn serves both versions (config.json version_policy all),
  // fraud has versions 1 and 3 and no config.json, so only the latest (3) is served, as in Triton.
  const model = async (rel: string, weights: number[], bias: number) => {
    await mkdir(path.join(dir, 'repo', rel), { recursive: true });
    await writeFile(path.join(dir, 'repo', rel, 'model.onnx'), logisticRegressionOnnx(weights, bias));
  };
  await model('churn/1', [1, 0, 0, 0], 0);
  await model('churn/2', [0, 1, 0, 0], 0);
  await writeFile(path.join(dir, 'repo', 'churn', 'config.json'), JSON.stringify({ version_policy: { all: {} }, max_batch_size: 8 }));
  await model('fraud/1', [1, 1], -1);
  await model('fraud/3', [1, 1], 1);
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

  it('serves a Triton-style repository through @mlops/serve: config.json version policy, the latest version by default, the repository endpoints', async () => {
    const port = await freePort();
    const server = startMlops(['serve', path.join(dir, 'repo'), '--port', String(port), '--workers', '1']);
    try {
      // Each model's own ready URL: @mlops/serve answers /v2/health/ready while repository models still load.
      const base = `http://127.0.0.1:${port}/v2/models`;
      for (const m of ['churn', 'fraud']) await waitForOk(`${base}/${m}/ready`, server);
      const v2 = await inferX(`${base}/churn/infer`, [[1, 2, 3, 4]]);
      expect(v2.body.model_version).toBe('2');
      expect(v2.body.outputs![0]!.data[0]).toBeCloseTo(sigmoid(2), 6);
      const v1 = await inferX(`${base}/churn/versions/1/infer`, [[1, 2, 3, 4]]);
      expect(v1.body.outputs![0]!.data[0]).toBeCloseTo(sigmoid(1), 6);
      const fraud = await inferX(`${base}/fraud/infer`, [[1, 1]]);
      expect(fraud.body.model_version).toBe('3');
      expect(fraud.body.outputs![0]!.data[0]).toBeCloseTo(sigmoid(3), 6);
      expect((await inferX(`${base}/fraud/versions/1/infer`, [[1, 1]])).status).toBe(404);
      const index = (await (await fetch(`http://127.0.0.1:${port}/v2/repository/index`, { method: 'POST', body: '{}' })).json()) as { name: string; version: string; state: string }[];
      expect(index.map((m) => `${m.name}/${m.version} ${m.state}`).sort()).toEqual(['churn/1 READY', 'churn/2 READY', 'fraud/3 READY']);
      expect(server.output().stdout).toMatch(/^serving churn \(versions 1, 2\), fraud \(version 3\) from .*repo on http:\/\/127\.0\.0\.1:\d+/);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  it('answers OIP over gRPC on --grpc-port to python grpcio (another implementation), code generated from the proto @mlops/serve ships', async () => {
    // The proto is @mlops/serve's (the KServe grpc_predict_v2 messages); grpc_tools compiles it as a Python user would.
    const protoDir = path.join(path.dirname(createRequire(import.meta.url).resolve('@mlops/serve/package.json')), 'proto');
    const gen = path.join(dir, 'grpc-gen');
    await mkdir(gen);
    const protoc = spawnSync(PY, ['-m', 'grpc_tools.protoc', `-I${protoDir}`, `--python_out=${gen}`, `--grpc_python_out=${gen}`, 'grpc_predict_v2.proto'], { encoding: 'utf8' });
    expect(protoc.status, protoc.stderr).toBe(0);
    const [port, grpcPort] = [await freePort(), await freePort()];
    const server = startMlops(['serve', path.join(dir, 'repo'), '--port', String(port), '--grpc-port', String(grpcPort), '--workers', '1']);
    try {
      for (const m of ['churn', 'fraud']) await waitForOk(`http://127.0.0.1:${port}/v2/models/${m}/ready`, server);
      expect(server.output().stdout).toContain(`gRPC on 127.0.0.1:${grpcPort}`);
      const rows = [[1, 2, 3, 4], [0, 0, 0, 0]];
      const run = await runPython([path.join(here, 'grpc', 'oip_client.py'), gen, `127.0.0.1:${grpcPort}`, 'churn', JSON.stringify(rows)]);
      expect(run.status, run.stderr).toBe(0);
      const out = JSON.parse(run.stdout) as Record<string, { data?: number[] } & Record<string, unknown>>;
      const answer = (version: string, data: number[]) => ({ id: 'py-1', model_name: 'churn', model_version: version, output: 'score', datatype: 'FP32', shape: [2, 1], data: data.map((d) => expect.closeTo(d, 6)) });
      expect(out).toEqual({
        live: true,
        ready: true,
        metadata: { name: 'churn', versions: ['1', '2'], inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 4] }], outputs: [{ name: 'score', datatype: 'FP32', shape: [-1, 1] }] },
        model_ready: true,
        // churn/2 weighs x_1 only, churn/1 x_0 only (bias 0): the latest version by default, version 1 on request.
        typed: answer('2', [sigmoid(2), sigmoid(0)]),
        raw: answer('2', [sigmoid(2), sigmoid(0)]),
        version_1: answer('1', [sigmoid(1), sigmoid(0)]),
        unknown_model: 'NOT_FOUND',
        bad_shape: 'INVALID_ARGUMENT',
      });
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  it('serves a repository from an object-store URL (file:// here; s3:// and gs:// go through the same @mlops/storage store)', async () => {
    const port = await freePort();
    const server = startMlops(['serve', pathToFileURL(path.join(dir, 'repo')).href, '--port', String(port), '--workers', '1', '--json']);
    try {
      for (const m of ['churn', 'fraud']) await waitForOk(`http://127.0.0.1:${port}/v2/models/${m}/ready`, server);
      const churn = await inferX(`http://127.0.0.1:${port}/v2/models/churn/versions/1/infer`, [[1, 2, 3, 4]]);
      expect(churn.body.outputs![0]!.data[0]).toBeCloseTo(sigmoid(1), 6);
      const started = JSON.parse(server.output().stdout) as { port: number; models: { name: string; versions: string[] }[] };
      expect(started.port).toBe(port);
      expect(started.models.map((m) => [m.name, m.versions])).toEqual([['churn', ['1', '2']], ['fraud', ['3']]]);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  it('a repository that does not load stops at start: exit 2 with the layout or the model that failed', async () => {
    await mkdir(path.join(dir, 'flat'));
    await writeFile(path.join(dir, 'flat', 'fraud.onnx'), logisticRegressionOnnx([1, 1], -1));
    const flat = await mlops(['serve', 'flat', '--port', '0'], { cwd: dir });
    expect(flat.code).toBe(2);
    expect(flat.stderr.trim()).toBe(`mlops: Model repository ${path.join(dir, 'flat')} has no models; expected <model>/<version>/model.onnx (Triton layout, optional <model>/config.json), or model.onnx at the top (a KServe storage mount).`);
    await mkdir(path.join(dir, 'broken', 'churn', '1'), { recursive: true });
    await writeFile(path.join(dir, 'broken', 'churn', '1', 'model.onnx'), 'not an onnx model');
    const broken = await mlops(['serve', 'broken', '--port', '0', '--workers', '1'], { cwd: dir });
    expect(broken.stderr.trim().split('\n')).toHaveLength(1);
    expect(broken.stderr).toMatch(/^mlops: 1 model of .*broken failed to load: /);
    expect(broken.code).toBe(2);
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
