import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExtenderServer, type ExtenderServer } from './extender-server.js';
import { createFileClusterSource } from './cluster-source.js';
import type { ExtenderBindingArgs, K8sPod, K8sPodList } from './extender-types.js';

// Request bodies as kube-scheduler sends them (k8s.io/kube-scheduler/extender/v1: Go field
// names as keys; embedded v1.Pod / v1.NodeList in API JSON), hand-written in that shape in
// test/fixtures/extender: no kube-scheduler runs here, so none was captured from a real one.
const fixtureDir = fileURLToPath(new URL('../test/fixtures/extender/', import.meta.url));
const fixture = <T>(name: string): T => JSON.parse(readFileSync(join(fixtureDir, name), 'utf8')) as T;

let dir: string;
let cert: string;
let key: string;
const bound: ExtenderBindingArgs[] = [];

function post<T>(server: ExtenderServer, verb: string, body: unknown): Promise<{ status: number; json: T }> {
  return new Promise((resolve, reject) => {
    const text = JSON.stringify(body);
    const req = request(`${server.url}${verb}`, { method: 'POST', ca: cert, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as T }));
    });
    req.on('error', reject);
    req.end(text);
  });
}

/** Edits the pod list the file source serves, as the API server's state would change. */
function editPods(fn: (pods: K8sPod[]) => void): void {
  const list = JSON.parse(readFileSync(join(dir, 'pods.json'), 'utf8')) as K8sPodList;
  fn(list.items);
  writeFileSync(join(dir, 'pods.json'), JSON.stringify(list));
}
const byName = (pods: K8sPod[], name: string): K8sPod => pods.find((p) => p.metadata?.name === name)!;

const start = () =>
  createExtenderServer({
    source: createFileClusterSource({ nodesPath: join(dir, 'nodes.json'), podsPath: join(dir, 'pods.json') }),
    port: 0,
    pathPrefix: '/gpu',
    tls: { cert, key },
    resyncIntervalMs: 0,
    clock: () => 0,
    binder: (args) => {
      bound.push(args);
    },
  });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gpu-extender-'));
  copyFileSync(join(fixtureDir, 'nodes.json'), join(dir, 'nodes.json'));
  copyFileSync(join(fixtureDir, 'pods.json'), join(dir, 'pods.json'));
  // A self-signed certificate for 127.0.0.1, as a cluster admin would mount into the extender.
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=gpu-extender', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
  key = readFileSync(join(dir, 'key.pem'), 'utf8');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('extender over TLS with its state read from the cluster', () => {
  it('every verb with kube-scheduler-shaped request bodies, pods bound by the default scheduler counted, a gang held until it fits, and a restart in the middle of the gang', async () => {
    let server = await start();
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/gpu\/$/);
    // eval-0 was bound by the default scheduler (4 GPUs on gpu-c); old-0 has finished.
    expect(server.initialSync).toEqual({ nodes: 4, boundPods: 1, pendingGangPods: 3, skipped: [] });
    expect(server.handlers.scheduler.job('uid-eval-0')).toMatchObject({ state: 'running', placements: [{ nodeId: 'gpu-c' }] });

    // filter (NodeList form) and prioritize: best-fit prefers gpu-c, the fullest node.
    const f = await post<{ Nodes: { items: Array<{ metadata: { name: string } }> }; NodeNames: null; Error: string }>(server, 'filter', fixture('filter-args.json'));
    expect(f.status).toBe(200);
    expect(f.json.Error).toBe('');
    expect(f.json.Nodes.items.map((n) => n.metadata.name)).toEqual(['gpu-a', 'gpu-b', 'gpu-c', 'gpu-t4']);
    const p = await post<Array<{ Host: string; Score: number }>>(server, 'prioritize', fixture('prioritize-args.json'));
    expect(p.json.find((h) => h.Host === 'gpu-c')!.Score).toBe(10);
    expect(p.json.find((h) => h.Host === 'gpu-a')!.Score).toBeLessThan(10);
    const b = await post<{ Error: string }>(server, 'bind', fixture('bind-args.json'));
    expect(b.json).toEqual({ Error: '' });
    expect(bound.map((a) => `${a.PodName}@${a.Node}`)).toEqual(['ft-0@gpu-c']);

    // An init container asking for 200 CPUs fits no 96-CPU node.
    const init = await post<{ NodeNames: string[]; FailedAndUnresolvableNodes: Record<string, string> }>(server, 'filter', fixture('filter-args-init.json'));
    expect(init.json.NodeNames).toEqual([]);
    expect(Object.keys(init.json.FailedAndUnresolvableNodes)).toEqual(['gpu-a', 'gpu-b']);

    // preempt: an 8-GPU pod. On gpu-c evicting both eval-0 and ft-0 makes room; on gpu-t4
    // nothing can (4 GPUs), so that node is dropped. Both wire forms give the meta result.
    const meta = await post<{ NodeNameToMetaVictims: Record<string, unknown> }>(server, 'preempt', fixture('preempt-args-meta.json'));
    expect(meta.json).toEqual({ NodeNameToMetaVictims: { 'gpu-c': { Pods: [{ UID: 'uid-eval-0' }, { UID: 'uid-ft-0' }], NumPDBViolations: 0 } } });
    const full = await post<{ NodeNameToMetaVictims: Record<string, unknown> }>(server, 'preempt', fixture('preempt-args-full.json'));
    expect(full.json).toEqual(meta.json);
    // A 4-GPU pod needs only one victim: the proposal is trimmed to ft-0 (freeing 2 + 2).
    const small = fixture<{ Pod: K8sPod }>('preempt-args-meta.json');
    small.Pod.spec!.containers![0]!.resources!.requests!['nvidia.com/gpu'] = '4';
    small.Pod.spec!.containers![0]!.resources!.limits!['nvidia.com/gpu'] = '4';
    const trimmed = await post<{ NodeNameToMetaVictims: Record<string, { Pods: Array<{ UID: string }> }> }>(server, 'preempt', small);
    expect(trimmed.json.NodeNameToMetaVictims['gpu-c']!.Pods).toEqual([{ UID: 'uid-ft-0' }]);

    // Gang of 3 x 8 GPUs (scheduling.x-k8s.io/pod-group=llm, min-member 3): only gpu-a and
    // gpu-b are empty, so llm-0 is held in filter.
    const held = await post<{ NodeNames: string[]; FailedNodes: Record<string, string> }>(server, 'filter', fixture('filter-args-gang.json'));
    expect(held.json.NodeNames).toEqual([]);
    expect(held.json.FailedNodes['gpu-a']).toMatch(/pod group ml\/llm waits until all 3 missing member\(s\) fit at once/);

    // eval-0 and ft-0 finish; the next resync sees it and the gang fits: gpu-a, gpu-b, gpu-c.
    editPods((pods) => {
      byName(pods, 'eval-0').status!.phase = 'Succeeded';
      pods.push({ ...fixture<{ Pod: K8sPod }>('filter-args.json').Pod, spec: { ...fixture<{ Pod: K8sPod }>('filter-args.json').Pod.spec, nodeName: 'gpu-c' }, status: { phase: 'Succeeded' } });
    });
    expect(await server.handlers.sync()).toMatchObject({ boundPods: 0, pendingGangPods: 3 });
    const gang0 = await post<{ NodeNames: string[] }>(server, 'filter', fixture('filter-args-gang.json'));
    expect(gang0.json.NodeNames).toHaveLength(1);
    const node0 = gang0.json.NodeNames[0]!;
    // The rest of the room is held for the group: a plain 8-GPU pod fits nowhere now.
    const other = fixture<{ Pod: K8sPod }>('filter-args-gang.json');
    other.Pod = { ...other.Pod, metadata: { ...other.Pod.metadata, name: 'intruder', uid: 'uid-intruder', labels: {}, annotations: {} } };
    expect((await post<{ NodeNames: string[] }>(server, 'filter', other)).json.NodeNames).toEqual([]);
    expect((await post<{ Error: string }>(server, 'bind', { PodName: 'llm-0', PodNamespace: 'ml', PodUID: 'uid-llm-0', Node: node0 })).json).toEqual({ Error: '' });

    // Restart in the middle of the gang: the API server now shows llm-0 bound.
    await server.close();
    editPods((pods) => {
      byName(pods, 'llm-0').spec!.nodeName = node0;
      byName(pods, 'llm-0').status!.phase = 'Running';
    });
    server = await start();
    expect(server.initialSync).toEqual({ nodes: 4, boundPods: 1, pendingGangPods: 2, skipped: [] });
    const placed = [node0];
    for (const name of ['llm-1', 'llm-2']) {
      const args = fixture<{ Pod: K8sPod; NodeNames: string[] }>('filter-args-gang.json');
      const pod = JSON.parse(readFileSync(join(dir, 'pods.json'), 'utf8')).items.find((x: K8sPod) => x.metadata?.name === name) as K8sPod;
      const r = await post<{ NodeNames: string[] }>(server, 'filter', { ...args, Pod: pod });
      expect(r.json.NodeNames).toHaveLength(1);
      const node = r.json.NodeNames[0]!;
      expect(placed).not.toContain(node);
      expect((await post<{ Error: string }>(server, 'bind', { PodName: name, PodNamespace: 'ml', PodUID: `uid-${name}`, Node: node })).json).toEqual({ Error: '' });
      placed.push(node);
    }
    expect(placed.sort()).toEqual(['gpu-a', 'gpu-b', 'gpu-c']);
    expect(server.handlers.scheduler.stats().allocatedGpus).toBe(24);
    await server.close();
  });

  it('an unreadable source is a clear error at start', async () => {
    const bad = createExtenderServer({ source: createFileClusterSource({ nodesPath: join(dir, 'missing.json'), podsPath: join(dir, 'pods.json') }), port: 0 });
    await expect(bad).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('missing.json is not a readable JSON NodeList') });
  });

  it("a PodGroup's minMember counts (here: a gang that can never fit is refused as unresolvable)", async () => {
    const pods = fixture<K8sPodList>('pods.json');
    const first = pods.items.find((x) => x.metadata?.name === 'llm-0')!;
    first.metadata = { ...first.metadata, labels: { 'scheduling.x-k8s.io/pod-group': 'pair' }, annotations: {} };
    writeFileSync(join(dir, 'pods-pg.json'), JSON.stringify({ kind: 'PodList', items: [first] }));
    writeFileSync(join(dir, 'podgroups.json'), JSON.stringify({ kind: 'PodGroupList', items: [{ metadata: { name: 'pair', namespace: 'ml' }, spec: { minMember: 5 } }] }));
    const server = await createExtenderServer({
      source: createFileClusterSource({ nodesPath: join(dir, 'nodes.json'), podsPath: join(dir, 'pods-pg.json'), podGroupsPath: join(dir, 'podgroups.json') }),
      port: 0,
      tls: { cert, key },
      resyncIntervalMs: 0,
    });
    try {
      // 5 x 8 GPUs can never fit 3 A100 nodes + a T4 (without the PodGroup, one member would pass).
      const r = await post<{ NodeNames: string[]; FailedAndUnresolvableNodes: Record<string, string> }>(server, 'filter', { Pod: first, NodeNames: ['gpu-a', 'gpu-b', 'gpu-c'] });
      expect(r.json.NodeNames).toEqual([]);
      expect(r.json.FailedAndUnresolvableNodes['gpu-a']).toMatch(/pod group ml\/pair can never fit: The gang needs 5 workers/);
    } finally {
      await server.close();
    }
  });
});
