import { describe, expect, it } from 'vitest';
import { podRequests } from './pod-requests.js';
import { createExtenderHandlers } from './extender-server.js';
import { createScheduler } from './scheduler.js';
import type { K8sPod } from './extender-types.js';

const c = (cpu: string, memory = '0', gpus?: string, restartPolicy?: string) => ({
  name: `c-${cpu}`,
  resources: { requests: { cpu, memory, ...(gpus ? { 'nvidia.com/gpu': gpus } : {}) } },
  ...(restartPolicy ? { restartPolicy } : {}),
});

describe('defect 4: effective pod requests as Kubernetes computes them', () => {
  it('an init container asking for 200 CPUs fails filter on a 96-CPU node (was: passed)', () => {
    const scheduler = createScheduler({ nodes: [{ id: 'gpu-a', gpuModel: 'A100', gpuCount: 8, cpuMilli: 96_000, memoryMiB: 1_000_000 }], clock: () => 0 });
    const h = createExtenderHandlers({ scheduler });
    const pod: K8sPod = {
      metadata: { name: 'p', namespace: 'ml', uid: 'u1' },
      spec: { initContainers: [c('200')], containers: [c('4', '16Gi', '1')] },
    };
    const r = h.filter({ Pod: pod, NodeNames: ['gpu-a'] });
    expect(r.NodeNames).toEqual([]);
    expect(r.FailedAndUnresolvableNodes['gpu-a']).toMatch(/can never hold/);
    expect(r.FailedAndUnresolvableNodes['gpu-a']).toMatch(/200000 mCPU/);
  });

  it('max(init) vs sum(app), sidecars counted before later init containers, pod-level requests, overhead', () => {
    // App: 2 + 3 CPUs = 5. Init: 4 alone; a sidecar of 1 CPU before the second init (3 + 1).
    const pod: K8sPod = {
      spec: {
        initContainers: [c('4', '1Gi'), c('1', '512Mi', undefined, 'Always'), c('3', '8Gi')],
        containers: [c('2', '2Gi', '1'), c('3', '2Gi')],
        overhead: { cpu: '250m', memory: '120Mi' },
      },
    };
    // sum = app 5 + sidecar 1 = 6 CPU; init max = max(4, 1, 3 + 1) = 4 -> 6 CPU + 0.25 overhead.
    // memory: sum = 4Gi + 0.5Gi = 4.5Gi; init max = max(1Gi, 0.5Gi, 8.5Gi) = 8.5Gi -> 8.5Gi + 120Mi.
    expect(podRequests(pod)).toEqual({ gpus: 1, cpuMilli: 6250, memoryMiB: 8.5 * 1024 + 120 });
    // Pod-level requests replace CPU and memory (not GPUs); overhead still adds.
    expect(podRequests({ spec: { ...pod.spec, resources: { requests: { cpu: '10', memory: '1Gi' } } } })).toEqual({ gpus: 1, cpuMilli: 10_250, memoryMiB: 1024 + 120 });
    // Limits stand in for missing requests.
    expect(podRequests({ spec: { containers: [{ resources: { limits: { cpu: '500m', 'nvidia.com/gpu': 2 } } }] } })).toEqual({ gpus: 2, cpuMilli: 500, memoryMiB: 0 });
  });
});
