import { InvalidArgumentError } from '@mlops/contracts';
import type { K8sPod } from './extender-types.js';

/** Effective requests of a pod, as the scheduler and quota see them. */
export interface PodRequests {
  /** Whole GPUs of the GPU extended resource. */
  gpus: number;
  /** CPU, millicores. */
  cpuMilli: number;
  /** Memory, MiB. */
  memoryMiB: number;
}

/** Parses a Kubernetes CPU quantity into millicores (`500m`, `2`, `1.5`). */
export function parseCpuMilli(q: string | number | undefined): number {
  if (q === undefined) return 0;
  const s = String(q).trim();
  if (s.endsWith('m')) return Number(s.slice(0, -1));
  return Math.round(parseQuantity(s) * 1000);
}

/** Parses a Kubernetes memory quantity into MiB (`16Gi`, `512Mi`, `1G`, `1e9`). */
export function parseMemoryMiB(q: string | number | undefined): number {
  if (q === undefined) return 0;
  return parseQuantity(String(q).trim()) / (1024 * 1024);
}

const SUFFIX: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

/** Parses a Kubernetes `resource.Quantity` into a plain number (`16Gi` -> 17179869184). */
export function parseQuantity(s: string): number {
  const m = /^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)([a-zA-Z]*)$/.exec(s);
  const mult = m ? (m[2] === '' ? 1 : SUFFIX[m[2]!]) : undefined;
  if (!m || mult === undefined || !Number.isFinite(Number(m[1]))) {
    throw new InvalidArgumentError(`Kubernetes quantity ${JSON.stringify(s)} is not valid; expected e.g. "500m", "2", "16Gi".`);
  }
  return Number(m[1]) * mult;
}

type Container = NonNullable<NonNullable<K8sPod['spec']>['containers']>[number];

/**
 * Effective pod requests exactly as Kubernetes computes them (component-helpers
 * `resource.PodRequests`): per resource, `max(sum of app containers + sidecars,
 * max over init containers of (its request + sidecars declared before it))`, then pod-level
 * `spec.resources.requests` replace CPU and memory when set, then `spec.overhead` is added.
 * Sidecars are init containers with `restartPolicy: Always`. A container's request defaults
 * to its limit (the API server fills it in for extended resources).
 */
export function podRequests(pod: K8sPod, gpuResource = 'nvidia.com/gpu'): PodRequests {
  const one = (c: Container): PodRequests => {
    const r = c.resources ?? {};
    const g = r.requests?.[gpuResource] ?? r.limits?.[gpuResource];
    return {
      gpus: g === undefined ? 0 : Number(g),
      cpuMilli: parseCpuMilli(r.requests?.cpu ?? r.limits?.cpu),
      memoryMiB: parseMemoryMiB(r.requests?.memory ?? r.limits?.memory),
    };
  };
  const add = (a: PodRequests, b: PodRequests): PodRequests => ({ gpus: a.gpus + b.gpus, cpuMilli: a.cpuMilli + b.cpuMilli, memoryMiB: a.memoryMiB + b.memoryMiB });
  const max = (a: PodRequests, b: PodRequests): PodRequests => ({ gpus: Math.max(a.gpus, b.gpus), cpuMilli: Math.max(a.cpuMilli, b.cpuMilli), memoryMiB: Math.max(a.memoryMiB, b.memoryMiB) });
  const zero: PodRequests = { gpus: 0, cpuMilli: 0, memoryMiB: 0 };
  let sum = zero;
  for (const c of pod.spec?.containers ?? []) sum = add(sum, one(c));
  let sidecars = zero;
  let initMax = zero;
  for (const c of pod.spec?.initContainers ?? []) {
    const req = one(c);
    if (c.restartPolicy === 'Always') {
      // A sidecar keeps running beside the app containers and the later init containers.
      sum = add(sum, req);
      sidecars = add(sidecars, req);
      initMax = max(initMax, sidecars);
    } else initMax = max(initMax, add(req, sidecars));
  }
  let eff = max(sum, initMax);
  const podLevel = pod.spec?.resources?.requests;
  if (podLevel?.cpu !== undefined) eff = { ...eff, cpuMilli: parseCpuMilli(podLevel.cpu) };
  if (podLevel?.memory !== undefined) eff = { ...eff, memoryMiB: parseMemoryMiB(podLevel.memory) };
  const oh = pod.spec?.overhead;
  if (oh) eff = add(eff, { gpus: 0, cpuMilli: parseCpuMilli(oh.cpu), memoryMiB: parseMemoryMiB(oh.memory) });
  return eff;
}
