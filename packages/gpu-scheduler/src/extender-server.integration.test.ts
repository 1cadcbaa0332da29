import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExtenderHandlers, createExtenderServer, type ExtenderServer } from './extender-server.js';
import { parseCpuMilli, parseMemoryMiB } from './pod-requests.js';
import { createScheduler, type Scheduler } from './scheduler.js';
import type { ExtenderBindingArgs } from './extender-types.js';

// Payloads shaped exactly as kube-scheduler marshals them: the extender structs have no json
// tags (Go field names as keys), while the embedded v1.Pod / v1.NodeList use the API's
// lower-camel json names.
function pod(name: string, gpus: string, extra: { priority?: number; annotations?: Record<string, string>; queue?: string; product?: string } = {}) {
  return {
    metadata: {
      name,
      namespace: 'ml',
      uid: `uid-${name}`,
      resourceVersion: '4711',
      creationTimestamp: '2026-11-23T20:00:00Z',
      labels: { app: 'trainer', ...(extra.queue ? { 'kueue.x-k8s.io/queue-name': extra.queue } : {}) },
      ...(extra.annotations ? { annotations: extra.annotations } : {}),
    },
    spec: {
      schedulerName: 'default-scheduler',
      priority: extra.priority ?? 0,
      ...(extra.product ? { nodeSelector: { 'nvidia.com/gpu.product': extra.product } } : {}),
      containers: [
        {
          name: 'main',
          image: 'pytorch/pytorch:2.5.0-cuda12.4-cudnn9-runtime',
          resources: {
            limits: { 'nvidia.com/gpu': gpus, memory: '16Gi' },
            requests: { 'nvidia.com/gpu': gpus, cpu: '4', memory: '16Gi' },
          },
        },
      ],
    },
    status: { phase: 'Pending', qosClass: 'Burstable' },
  };
}

function k8sNode(name: string, gpus: number, product: string, zone: string) {
  return {
    metadata: { name, labels: { 'kubernetes.io/hostname': name, 'nvidia.com/gpu.product': product, 'topology.kubernetes.io/zone': zone } },
    spec: {},
    status: {
      capacity: { cpu: '96', memory: '1056250000Ki', 'nvidia.com/gpu': String(gpus), pods: '110' },
      allocatable: { cpu: '95500m', memory: '1055000000Ki', 'nvidia.com/gpu': String(gpus), pods: '110' },
    },
  };
}

const nodeList = {
  metadata: {},
  items: [k8sNode('gpu-a', 8, 'NVIDIA-A100-SXM4-80GB', 'z1'), k8sNode('gpu-b', 8, 'NVIDIA-A100-SXM4-80GB', 'z1'), k8sNode('gpu-t4', 4, 'Tesla-T4', 'z2')],
};

let server: ExtenderServer;
let scheduler: Scheduler;
const bound: ExtenderBindingArgs[] = [];

async function post<T>(verb: string, body: unknown): Promise<{ status: number; json: T }> {
  const res = await fetch(`${server.url}${verb}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as T };
}

beforeAll(async () => {
  scheduler = createScheduler({ clock: () => 0 });
  server = await createExtenderServer({
    scheduler,
    port: 0,
    pathPrefix: '/scheduler',
    binder: (args) => {
      if (args.PodName === 'refused') throw new Error('pods "refused" is forbidden');
      bound.push(args);
    },
  });
});

afterAll(async () => {
  await server.close();
});

describe('kube-scheduler extender over HTTP', () => {
  it('filter (NodeList form): learns nodes from the list, keeps those with room, explains the others', async () => {
    const { status, json } = await post<Record<string, unknown>>('filter', { Pod: pod('p1', '6'), Nodes: nodeList });
    expect(status).toBe(200);
    expect(Object.keys(json).sort()).toEqual(['Error', 'FailedAndUnresolvableNodes', 'FailedNodes', 'NodeNames', 'Nodes']);
    expect((json.Nodes as { items: Array<{ metadata: { name: string } }> }).items.map((n) => n.metadata.name)).toEqual(['gpu-a', 'gpu-b']);
    expect(json.NodeNames).toBeNull();
    expect(json.FailedAndUnresolvableNodes).toEqual({ 'gpu-t4': expect.stringContaining('can never hold 6 GPU(s)') });
    expect(json.FailedNodes).toEqual({});
    expect(json.Error).toBe('');
    expect(scheduler.snapshot(0).nodes.map((n) => [n.id, n.gpuModel, n.gpuCount, n.cpuFreeMilli])).toEqual([
      ['gpu-a', 'NVIDIA-A100-SXM4-80GB', 8, 95500],
      ['gpu-b', 'NVIDIA-A100-SXM4-80GB', 8, 95500],
      ['gpu-t4', 'Tesla-T4', 4, 95500],
    ]);
  });

  it('prioritize returns a HostPriorityList with integer scores 0..10 (best-fit prefers fuller nodes)', async () => {
    // Occupy 4 GPUs of gpu-b through filter + bind, then score a 2-GPU pod.
    await post('filter', { Pod: pod('p-occupy', '4'), NodeNames: ['gpu-b'] });
    const b = await post<{ Error: string }>('bind', { PodName: 'p-occupy', PodNamespace: 'ml', PodUID: 'uid-p-occupy', Node: 'gpu-b' });
    expect(b.json).toEqual({ Error: '' });
    const { json } = await post<Array<{ Host: string; Score: number }>>('prioritize', { Pod: pod('p2', '2'), NodeNames: ['gpu-a', 'gpu-b', 'gpu-t4'] });
    expect(json).toEqual([
      { Host: 'gpu-a', Score: expect.any(Number) },
      { Host: 'gpu-b', Score: 10 },
      { Host: 'gpu-t4', Score: expect.any(Number) },
    ]);
    for (const h of json) {
      expect(Number.isInteger(h.Score)).toBe(true);
      expect(h.Score).toBeGreaterThanOrEqual(0);
      expect(h.Score).toBeLessThanOrEqual(10);
    }
    expect(json[0]!.Score).toBeLessThan(10);
  });

  it('filter (NodeNames form, nodeCacheCapable): FailedNodes for nodes that are full now', async () => {
    const { json } = await post<Record<string, unknown>>('filter', { Pod: pod('p3', '8'), NodeNames: ['gpu-a', 'gpu-b'] });
    expect(json.NodeNames).toEqual(['gpu-a']);
    expect(json.Nodes).toBeNull();
    expect(json.FailedNodes).toEqual({ 'gpu-b': 'node gpu-b has 4 whole GPUs free; needs 8 GPU(s), 4000 mCPU, 16384 MiB per worker' });
  });

  it('bind records the allocation and calls the binder; usage follows', async () => {
    await post('filter', { Pod: pod('p4', '8'), NodeNames: ['gpu-a'] });
    const { json } = await post<{ Error: string }>('bind', { PodName: 'p4', PodNamespace: 'ml', PodUID: 'uid-p4', Node: 'gpu-a' });
    expect(json).toEqual({ Error: '' });
    expect(bound.map((a) => a.PodName)).toEqual(['p-occupy', 'p4']);
    expect(scheduler.job('uid-p4')).toMatchObject({ state: 'running', gpus: 8, placements: [{ nodeId: 'gpu-a', gpuIndices: [0, 1, 2, 3, 4, 5, 6, 7] }] });
    const again = await post<Record<string, unknown>>('filter', { Pod: pod('p5', '1'), NodeNames: ['gpu-a'] });
    expect(again.json.NodeNames).toEqual([]);
    server.handlers.release('uid-p4');
    const after = await post<Record<string, unknown>>('filter', { Pod: pod('p6', '1'), NodeNames: ['gpu-a'] });
    expect(after.json.NodeNames).toEqual(['gpu-a']);
  });

  it('bind errors: unknown pod, binder failure (allocation undone), full node', async () => {
    const unknown = await post<{ Error: string }>('bind', { PodName: 'ghost', PodNamespace: 'ml', PodUID: 'uid-ghost', Node: 'gpu-a' });
    expect(unknown.json.Error).toMatch(/was not seen by filter/);
    await post('filter', { Pod: pod('refused', '2'), NodeNames: ['gpu-a'] });
    const before = scheduler.stats().allocatedGpus;
    const refused = await post<{ Error: string }>('bind', { PodName: 'refused', PodNamespace: 'ml', PodUID: 'uid-refused', Node: 'gpu-a' });
    expect(refused.json.Error).toMatch(/forbidden/);
    expect(scheduler.stats().allocatedGpus).toBe(before);
    await post('filter', { Pod: pod('huge', '8'), NodeNames: ['gpu-b'] });
    const full = await post<{ Error: string }>('bind', { PodName: 'huge', PodNamespace: 'ml', PodUID: 'uid-huge', Node: 'gpu-b' });
    expect(full.json.Error).toMatch(/no longer has room/);
  });

  it('fractional GPUs via annotation, and GPU model via nodeSelector', async () => {
    const frac = pod('frac', '1', { annotations: { 'gpu-scheduler.mlops.dev/gpu-milli': '250' }, product: 'Tesla-T4' });
    const { json } = await post<Record<string, unknown>>('filter', { Pod: frac, NodeNames: ['gpu-a', 'gpu-t4'] });
    expect(json.NodeNames).toEqual(['gpu-t4']);
    expect(Object.keys(json.FailedAndUnresolvableNodes as object)).toEqual(['gpu-a']);
  });

  it('malformed requests: 400 with an Error, 404 for unknown verbs, Error field for bad quantities', async () => {
    const res = await fetch(`${server.url}filter`, { method: 'POST', body: '{not json' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { Error: string }).Error).toMatch(/not JSON ExtenderArgs/);
    const nf = await fetch(`${server.url}reserve`, { method: 'POST', body: '{}' });
    expect(nf.status).toBe(404);
    const bad = pod('bad', '1');
    bad.spec.containers[0]!.resources.requests.cpu = 'lots';
    const { json } = await post<{ Error: string }>('filter', { Pod: bad, NodeNames: ['gpu-a'] });
    expect(json.Error).toMatch(/quantity "lots" is not valid/);
  });
});

describe('extender handlers without HTTP', () => {
  it('maps the Kueue queue label to a known queue, and unknown queues to default', async () => {
    const s = createScheduler({ queues: [{ id: 'team-a', nominalGpus: { '*': 8 } }], clock: () => 0 });
    const h = createExtenderHandlers({ scheduler: s });
    h.filter({ Pod: pod('qa', '2', { queue: 'team-a' }), Nodes: nodeList });
    h.filter({ Pod: pod('qx', '2', { queue: 'team-x' }), NodeNames: ['gpu-a'] });
    expect(await h.bind({ PodName: 'qa', PodNamespace: 'ml', PodUID: 'uid-qa', Node: 'gpu-a' })).toEqual({ Error: '' });
    expect(await h.bind({ PodName: 'qx', PodNamespace: 'ml', PodUID: 'uid-qx', Node: 'gpu-a' })).toEqual({ Error: '' });
    expect(s.job('uid-qa')!.queue).toBe('team-a');
    expect(s.job('uid-qx')!.queue).toBe('default');
    expect(s.snapshot(0).queues.find((q) => q.id === 'team-a')!.usedGpus).toEqual({ '*': 2 });
  });

  it('filter enforces the queue quota: nodes with room fail with the quota reason', () => {
    const s = createScheduler({ queues: [{ id: 'team-a', nominalGpus: { '*': 4 } }], clock: () => 0 });
    const h = createExtenderHandlers({ scheduler: s });
    expect(h.filter({ Pod: pod('q1', '4', { queue: 'team-a' }), Nodes: nodeList }).Nodes!.items).toHaveLength(3);
    s.bindExternal({ id: 'uid-q1', queue: 'team-a', gpusPerWorker: 4 }, 'gpu-a');
    const r = h.filter({ Pod: pod('q2', '2', { queue: 'team-a' }), NodeNames: ['gpu-a', 'gpu-b'] });
    expect(r.NodeNames).toEqual([]);
    expect(r.FailedNodes).toEqual({
      'gpu-a': 'queue team-a has no quota left on node gpu-a: needs 2 more nvidia.com/gpu GPU(s) in flavour *, uses 4 of 4 nominal, no cohort to borrow from',
      'gpu-b': 'queue team-a has no quota left on node gpu-b: needs 2 more nvidia.com/gpu GPU(s) in flavour *, uses 4 of 4 nominal, no cohort to borrow from',
    });
  });
});

describe('Kubernetes quantities', () => {
  it('parses CPU and memory the way the API server does', () => {
    expect(parseCpuMilli('500m')).toBe(500);
    expect(parseCpuMilli('2')).toBe(2000);
    expect(parseCpuMilli('1.5')).toBe(1500);
    expect(parseMemoryMiB('16Gi')).toBe(16384);
    expect(parseMemoryMiB('512Mi')).toBe(512);
    expect(parseMemoryMiB('1G')).toBeCloseTo(953.674, 3);
    expect(parseMemoryMiB('1055000000Ki')).toBeCloseTo(1_030_273.4375, 4);
    expect(parseMemoryMiB(1048576)).toBe(1);
  });
});
