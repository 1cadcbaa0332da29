import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingHttpHeaders, Server } from 'node:http';
import { createServer } from 'node:https';
import { tmpdir } from 'node:os';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApiServerClusterSource } from './cluster-source.js';
import { createExtenderHandlers } from './extender-server.js';
import { createKubernetesClusterSource } from './kubernetes.js';
import type { K8sNodeList, K8sPodList } from './extender-types.js';

// No kube-apiserver can run on this machine (no Go toolchain or Debian package), so a real HTTP
// server answers the three list endpoints with the NodeList / PodList JSON in
// test/fixtures/extender. Those lists are hand-written in the API server's exact response shape
// (not captured from a cluster); what this test proves is the client-node request side (paths,
// field selector, limit/continue paging, bearer token from a kubeconfig) and that the extender
// sees the same cluster through this source as through the plain-HTTP one. A live cluster run
// is still to do.
const fixture = <T>(name: string): T => JSON.parse(readFileSync(fileURLToPath(new URL(`../test/fixtures/extender/${name}`, import.meta.url)), 'utf8')) as T;

interface Seen {
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
}

let server: Server | undefined;
let dir: string;
let tls: { cert: string; key: string };
beforeAll(() => {
  // A self-signed certificate for 127.0.0.1; the kubeconfig carries it as certificate-authority-data.
  dir = mkdtempSync(path.join(tmpdir(), 'gpu-k8s-source-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=kube-apiserver', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  tls = { cert: readFileSync(path.join(dir, 'cert.pem'), 'utf8'), key: readFileSync(path.join(dir, 'key.pem'), 'utf8') };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  if (server) await new Promise((r) => server!.close(r));
  server = undefined;
});

/** An API server stand-in that pages lists by `limit` / `continue` like kube-apiserver. */
async function apiServer(opts: { podGroups?: 'none' | 'some'; status?: number } = {}): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const nodes = fixture<K8sNodeList>('nodes.json');
  const pods = fixture<K8sPodList>('pods.json');
  const groups = { apiVersion: 'scheduling.x-k8s.io/v1alpha1', kind: 'PodGroupList', metadata: { resourceVersion: '9' }, items: [{ apiVersion: 'scheduling.x-k8s.io/v1alpha1', kind: 'PodGroup', metadata: { name: 'train-a', namespace: 'ml' }, spec: { minMember: 2 } }] };
  server = createServer(tls, (req, res) => {
    const u = new URL(req.url!, 'http://x');
    seen.push({ path: u.pathname, query: u.searchParams, headers: req.headers });
    const json = (code: number, body: unknown) => res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (opts.status) return json(opts.status, { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'nodes is forbidden: User "system:serviceaccount:kube-system:gpu" cannot list resource "nodes"', reason: 'Forbidden', code: opts.status });
    if (req.headers.authorization !== 'Bearer t0k3n') return json(401, { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
    let list: { apiVersion?: string; kind?: string; metadata?: object; items: unknown[] };
    if (u.pathname === '/api/v1/nodes') list = nodes;
    else if (u.pathname === '/api/v1/pods') list = pods;
    else if (u.pathname === '/apis/scheduling.x-k8s.io/v1alpha1/podgroups' && opts.podGroups === 'some') list = groups;
    else return json(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'the server could not find the requested resource', reason: 'NotFound', code: 404 });
    const limit = Number(u.searchParams.get('limit') ?? 0) || list.items.length;
    const from = Number(u.searchParams.get('continue') ?? 0);
    const next = from + limit < list.items.length ? String(from + limit) : undefined;
    json(200, { ...list, metadata: { resourceVersion: '88240', ...(next ? { continue: next, remainingItemCount: list.items.length - from - limit } : {}) }, items: list.items.slice(from, from + limit) });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

function kubeConfig(url: string, token = 't0k3n'): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'test', server: url, caData: Buffer.from(tls.cert).toString('base64'), skipTLSVerify: false }],
    users: [{ name: 'gpu', token }],
    contexts: [{ name: 'test', cluster: 'test', user: 'gpu' }],
    currentContext: 'test',
  });
  return kc;
}

describe('createKubernetesClusterSource (@kubernetes/client-node)', () => {
  it('lists nodes, unfinished pods and PodGroups page by page with the kubeconfig token, as plain API JSON', async () => {
    const { url, seen } = await apiServer({ podGroups: 'some' });
    const source = createKubernetesClusterSource({ kubeConfig: kubeConfig(url), pageSize: 3 });
    const nodes = await source.listNodes();
    const pods = await source.listPods();
    const groups = await source.listPodGroups!();
    expect(nodes.items.map((n) => n.metadata?.name)).toEqual(fixture<K8sNodeList>('nodes.json').items.map((n) => n.metadata?.name));
    expect(pods.items.map((p) => p.metadata?.name)).toEqual(fixture<K8sPodList>('pods.json').items.map((p) => p.metadata?.name));
    expect(groups.items).toEqual([expect.objectContaining({ metadata: { name: 'train-a', namespace: 'ml' }, spec: { minMember: 2 } })]);
    // client-node's Date objects come back as strings; quantities stay Kubernetes strings.
    expect(typeof (nodes.items[0]!.metadata as { creationTimestamp?: unknown }).creationTimestamp).toBe('string');
    expect(nodes.items[0]!.status!.allocatable!['nvidia.com/gpu']).toBe('8');
    // 4 nodes in pages of 3: two requests, the second with the server's continue token.
    const nodeCalls = seen.filter((s) => s.path === '/api/v1/nodes');
    expect(nodeCalls.map((s) => [s.query.get('limit'), s.query.get('continue')])).toEqual([['3', null], ['3', '3']]);
    const podCalls = seen.filter((s) => s.path === '/api/v1/pods');
    expect(podCalls.length).toBe(Math.ceil(fixture<K8sPodList>('pods.json').items.length / 3));
    expect(new Set(podCalls.map((s) => s.query.get('fieldSelector')))).toEqual(new Set(['status.phase!=Succeeded,status.phase!=Failed']));
    expect(new Set(seen.map((s) => s.headers.authorization))).toEqual(new Set(['Bearer t0k3n']));
  });

  it('gives the extender the same cluster as the plain API-server source', async () => {
    const { url } = await apiServer();
    const viaClientNode = createExtenderHandlers({ source: createKubernetesClusterSource({ kubeConfig: kubeConfig(url) }), clock: () => 0 });
    const viaHttp = createExtenderHandlers({ source: createApiServerClusterSource({ url, token: 't0k3n', ca: tls.cert }), clock: () => 0 });
    const a = await viaClientNode.sync();
    const b = await viaHttp.sync();
    expect(a).toEqual(b);
    expect(a.nodes).toBe(4);
    expect(a.boundPods).toBeGreaterThan(0);
    expect(viaClientNode.scheduler.snapshot(0)).toEqual(viaHttp.scheduler.snapshot(0));
  });

  it('a missing PodGroup CRD means no groups; 401/403 are PERMISSION_DENIED, a dead server SERVICE_UNAVAILABLE', async () => {
    const { url } = await apiServer();
    expect(await createKubernetesClusterSource({ kubeConfig: kubeConfig(url) }).listPodGroups!()).toEqual({ items: [] });
    await expect(createKubernetesClusterSource({ kubeConfig: kubeConfig(url, 'wrong') }).listNodes()).rejects.toMatchObject({ code: 'PERMISSION_DENIED', message: expect.stringContaining('answered 401') });
    await new Promise((r) => server!.close(r));
    const forbidden = await apiServer({ status: 403 });
    await expect(createKubernetesClusterSource({ kubeConfig: kubeConfig(forbidden.url) }).listPods()).rejects.toMatchObject({ code: 'PERMISSION_DENIED', message: expect.stringContaining('RBAC list on nodes and pods') });
    await new Promise((r) => server!.close(r));
    server = undefined;
    await expect(createKubernetesClusterSource({ kubeConfig: kubeConfig(forbidden.url) }).listNodes()).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE', retryable: true });
    expect(() => createKubernetesClusterSource({ pageSize: 0 })).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('is not loaded by importing the package or its ./kubernetes entry, only by the first list', async () => {
    const probe = fileURLToPath(new URL('../test/fixtures/kubernetes/lazy-peer-probe.ts', import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, ['--conditions=@mlops/source', '--import', 'tsx', probe], { cwd: path.dirname(probe), timeout: 60_000 });
    const result = JSON.parse(stdout.trim()) as { afterImport: number; afterUse: number };
    expect(result.afterImport).toBe(0);
    expect(result.afterUse).toBeGreaterThan(0);
  }, 60_000);
});
