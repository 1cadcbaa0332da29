import { readFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { ErrorCode, InvalidArgumentError, MlopsError } from '@mlops/contracts';
import type { K8sNodeList, K8sPodList } from './extender-types.js';

/**
 * Where the extender reads the cluster (pods and nodes), so its state comes from the cluster
 * and not from memory. Implement it over an informer cache, the API server, or files.
 */
export interface ClusterSourceV1 {
  /** Interface version. */
  readonly specificationVersion: 'v1';
  /** All nodes (`v1.NodeList`). */
  listNodes(): Promise<K8sNodeList>;
  /** Pods that may hold resources: bound and pending ones (`v1.PodList`); finished pods are ignored. */
  listPods(): Promise<K8sPodList>;
  /** Coscheduling PodGroups (`scheduling.x-k8s.io/v1alpha1`), for each gang's `minMember`. Optional. */
  listPodGroups?(): Promise<PodGroupList>;
}

/** A coscheduling `PodGroup` list (only what is read). */
export interface PodGroupList {
  /** PodGroups: namespace, name and `spec.minMember`. */
  items: Array<{ metadata?: { name?: string; namespace?: string }; spec?: { minMember?: number } }>;
}

/** Options of {@link createFileClusterSource}. */
export interface FileClusterSourceOptions {
  /** JSON file with a `v1.NodeList` (`kubectl get nodes -o json`). */
  nodesPath: string;
  /** JSON file with a `v1.PodList` (`kubectl get pods -A -o json`). */
  podsPath: string;
  /** JSON file with PodGroups (`kubectl get podgroups.scheduling.x-k8s.io -A -o json`). Optional. */
  podGroupsPath?: string;
}

async function readList<T extends { items: unknown[] }>(path: string, kind: string): Promise<T> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new InvalidArgumentError(`ClusterSource: ${path} is not a readable JSON ${kind}: ${e instanceof Error ? e.message : String(e)}. Write it with kubectl get ... -o json.`);
  }
  if (typeof parsed !== 'object' || parsed === null || !Array.isArray((parsed as { items?: unknown }).items)) {
    throw new InvalidArgumentError(`ClusterSource: ${path} has no items array; expected a ${kind} ({ "kind": "${kind}", "items": [...] }).`);
  }
  return parsed as T;
}

/** A {@link ClusterSourceV1} reading `kubectl get ... -o json` output from files (read on every call). */
export function createFileClusterSource(options: FileClusterSourceOptions): ClusterSourceV1 {
  return {
    specificationVersion: 'v1',
    listNodes: () => readList<K8sNodeList>(options.nodesPath, 'NodeList'),
    listPods: () => readList<K8sPodList>(options.podsPath, 'PodList'),
    ...(options.podGroupsPath !== undefined ? { listPodGroups: () => readList<PodGroupList>(options.podGroupsPath!, 'PodGroupList') } : {}),
  };
}

/** Options of {@link createApiServerClusterSource}. */
export interface ApiServerClusterSourceOptions {
  /** API server URL, e.g. `https://10.0.0.1:6443` (in a pod: `https://kubernetes.default.svc`). */
  url: string;
  /** Bearer token (in a pod: `/var/run/secrets/kubernetes.io/serviceaccount/token`). */
  token?: string;
  /** PEM CA bundle for the API server's certificate (in a pod: the service account `ca.crt`). */
  ca?: string | Buffer;
  /** Request timeout, ms. Default 10,000. */
  timeoutMs?: number;
}

/**
 * A {@link ClusterSourceV1} over the API server's list endpoints (`GET /api/v1/nodes`,
 * `GET /api/v1/pods?fieldSelector=status.phase!=Succeeded,status.phase!=Failed`), with plain
 * HTTP(S) requests: no client library needed. RBAC: `list` on `nodes` and `pods`.
 */
export function createApiServerClusterSource(options: ApiServerClusterSourceOptions): ClusterSourceV1 {
  let base: URL;
  try {
    base = new URL(options.url);
  } catch {
    throw new InvalidArgumentError(`createApiServerClusterSource: url ${JSON.stringify(options.url)} is not a URL; expected e.g. https://kubernetes.default.svc.`);
  }
  const get = <T>(path: string, missingOk = false): Promise<T> =>
    new Promise((resolve, reject) => {
      const u = new URL(path, base);
      const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(
        u,
        {
          method: 'GET',
          headers: { accept: 'application/json', ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) },
          ...(options.ca ? { ca: options.ca } : {}),
          timeout: options.timeoutMs ?? 10_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if (missingOk && res.statusCode === 404) {
              resolve({ items: [] } as T); // the PodGroup CRD is not installed
              return;
            }
            if (res.statusCode !== 200) {
              reject(new MlopsError(ErrorCode.ServiceUnavailable, `GET ${u.pathname}${u.search} answered ${res.statusCode}: ${text.slice(0, 200)}. Check the URL, token and RBAC (list nodes and pods).`, { retryable: true }));
              return;
            }
            try {
              resolve(JSON.parse(text) as T);
            } catch (e) {
              reject(new MlopsError(ErrorCode.ServiceUnavailable, `GET ${u.pathname} returned non-JSON: ${e instanceof Error ? e.message : String(e)}.`, { retryable: true }));
            }
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new MlopsError(ErrorCode.ServiceUnavailable, `GET ${u.pathname} timed out after ${options.timeoutMs ?? 10_000} ms.`, { retryable: true })));
      req.on('error', (e) => reject(MlopsError.isInstance(e) ? e : new MlopsError(ErrorCode.ServiceUnavailable, `GET ${u.pathname} failed: ${e.message}. Is the API server reachable at ${base.origin}?`, { retryable: true, cause: e })));
      req.end();
    });
  return {
    specificationVersion: 'v1',
    listNodes: () => get<K8sNodeList>('/api/v1/nodes'),
    listPods: () => get<K8sPodList>('/api/v1/pods?fieldSelector=status.phase%21%3DSucceeded%2Cstatus.phase%21%3DFailed'),
    listPodGroups: () => get<PodGroupList>('/apis/scheduling.x-k8s.io/v1alpha1/podgroups', true),
  };
}
