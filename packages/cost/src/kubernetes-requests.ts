import { parseQuantity } from './kubernetes-quantity.js';

/** The parts of a Kubernetes container spec the effective request needs. */
export interface K8sContainer {
  /** Container name (for error messages). */
  name?: string;
  /** `Always` on an init container makes it a native sidecar. */
  restartPolicy?: string;
  /** Requests and limits as Kubernetes quantities (`500m`, `12Gi`); limits stand in for missing requests. */
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
}

/** The parts of a Kubernetes pod spec the effective request needs. */
export interface K8sPodSpec {
  /** The node the pod is bound to. */
  nodeName?: string;
  /** App containers. */
  containers?: K8sContainer[];
  /** Init containers, in order (sidecars have `restartPolicy: Always`). */
  initContainers?: K8sContainer[];
  /** RuntimeClass overhead, added to the effective request. */
  overhead?: Record<string, string | number>;
  /** Pod-level requests (PodLevelResources): replace cpu, memory and hugepages. */
  resources?: { requests?: Record<string, string | number> };
}

// A container without requests but with limits gets requests = limits (API server defaulting),
// so a recorded pod has them already; reading limits too keeps hand-written specs right.
function requestsOf(c: K8sContainer, bad: string[]): Map<string, number> {
  const out = new Map<string, number>();
  const from = { ...(c.resources?.limits ?? {}), ...(c.resources?.requests ?? {}) };
  for (const [k, v] of Object.entries(from)) {
    const x = parseQuantity(v);
    if (!(x >= 0)) bad.push(`${c.name ?? '?'}: ${k}=${String(v)}`);
    else out.set(k, x);
  }
  return out;
}

const add = (into: Map<string, number>, from: Map<string, number>) => {
  for (const [k, v] of from) into.set(k, (into.get(k) ?? 0) + v);
};

/**
 * The effective request of a pod per resource, as the scheduler computes it
 * (kubernetes/component-helpers `resource.PodRequests`): the sum over app containers; init
 * containers in order, where a sidecar (`restartPolicy: Always`) adds to the running sum and to
 * the sidecars every later init container runs beside; the larger of the two per resource;
 * pod-level `spec.resources.requests` replaces cpu, memory and hugepages; then `spec.overhead`.
 * Malformed quantities are collected in `bad`.
 */
export function effectiveRequests(spec: K8sPodSpec, bad: string[]): Map<string, number> {
  const sum = new Map<string, number>();
  for (const c of spec.containers ?? []) add(sum, requestsOf(c, bad));
  const initMax = new Map<string, number>();
  const sidecars = new Map<string, number>();
  for (const c of spec.initContainers ?? []) {
    const req = requestsOf(c, bad);
    let use: Map<string, number>;
    if (c.restartPolicy === 'Always') {
      add(sum, req);
      add(sidecars, req);
      use = new Map(sidecars);
    } else {
      use = new Map(req);
      add(use, sidecars);
    }
    for (const [k, v] of use) initMax.set(k, Math.max(initMax.get(k) ?? 0, v));
  }
  const out = new Map(sum);
  for (const [k, v] of initMax) out.set(k, Math.max(out.get(k) ?? 0, v));
  const podLevel = spec.resources?.requests;
  if (podLevel) {
    for (const [k, v] of Object.entries(podLevel)) {
      if (k !== 'cpu' && k !== 'memory' && !k.startsWith('hugepages-')) continue;
      const x = parseQuantity(v);
      if (!(x >= 0)) bad.push(`pod resources: ${k}=${String(v)}`);
      else out.set(k, x);
    }
  }
  for (const [k, v] of Object.entries(spec.overhead ?? {})) {
    const x = parseQuantity(v);
    if (!(x >= 0)) bad.push(`overhead: ${k}=${String(v)}`);
    else out.set(k, (out.get(k) ?? 0) + x);
  }
  return out;
}
