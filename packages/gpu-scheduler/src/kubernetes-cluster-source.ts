import { ErrorCode, InvalidArgumentError, MlopsError, loadOptionalPeer } from '@mlops/contracts';
import type { ClusterSourceV1, PodGroupList } from './cluster-source.js';
import type { K8sNodeList, K8sPodList } from './extender-types.js';

/**
 * A `KubeConfig` of `@kubernetes/client-node` (structural: this package's types never name the
 * optional peer). Build it with `new KubeConfig()` and `loadFromDefault()`, `loadFromCluster()`
 * or `loadFromFile(path)`.
 */
export interface KubeConfigLike {
  /** `KubeConfig.makeApiClient(CoreV1Api)` and `makeApiClient(CustomObjectsApi)`. */
  makeApiClient(apiClientType: never): unknown;
}

/** Options of {@link createKubernetesClusterSource}. */
export interface KubernetesClusterSourceOptions {
  /**
   * A loaded `KubeConfig` from `@kubernetes/client-node`. Default: `new KubeConfig()` with
   * `loadFromDefault()` (in a pod: the service account; elsewhere `$KUBECONFIG` or
   * `~/.kube/config`, with its exec plugins, OIDC, client certificates and proxy settings).
   */
  kubeConfig?: KubeConfigLike;
  /** Objects per list request (the API server pages with `limit` / `continue`). Default 500. */
  pageSize?: number;
}

/** The part of a client-node list response that is read. */
interface ListPage {
  metadata?: { _continue?: string; continue?: string };
  items: unknown[];
}

interface CoreApi {
  listNode(param: { limit?: number; _continue?: string }): Promise<ListPage>;
  listPodForAllNamespaces(param: { limit?: number; _continue?: string; fieldSelector?: string }): Promise<ListPage>;
}
interface CustomApi {
  listClusterCustomObject(param: { group: string; version: string; plural: string; limit?: number; _continue?: string }): Promise<ListPage>;
}

/** Pods that may hold resources: everything not finished (as `createApiServerClusterSource`). */
const UNFINISHED = 'status.phase!=Succeeded,status.phase!=Failed';

const loadClientNode = () =>
  loadOptionalPeer('@kubernetes/client-node', 'createKubernetesClusterSource (@mlops/gpu-scheduler/kubernetes)', () => import('@kubernetes/client-node'));

/** HTTP status of a client-node `ApiException` (`code`), if the error is one. */
function statusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

function toSourceError(error: unknown, what: string): MlopsError {
  if (MlopsError.isInstance(error)) return error;
  const status = statusOf(error);
  const detail = error instanceof Error ? error.message.split('\n')[0] : String(error);
  if (status === 401 || status === 403) {
    return new MlopsError(
      ErrorCode.PermissionDenied,
      `${what} answered ${status}: ${detail}. Expected RBAC list on nodes and pods (and podgroups.scheduling.x-k8s.io) for the kubeconfig's user or the pod's service account.`,
      { cause: error },
    );
  }
  return new MlopsError(
    ErrorCode.ServiceUnavailable,
    `${what} failed${status !== undefined ? ` with ${status}` : ''}: ${detail}. Check the kubeconfig's cluster URL and that the API server is reachable.`,
    { retryable: true, cause: error },
  );
}

/**
 * client-node turns responses into model objects (Dates, `_continue`); the extender reads the
 * API's JSON shape, so each item goes back to plain JSON (timestamps as ISO strings).
 */
function plain<T>(value: unknown): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/**
 * A {@link ClusterSourceV1} over `@kubernetes/client-node` (an optional peer dependency:
 * `npm install @kubernetes/client-node`), for clusters the plain
 * {@link createApiServerClusterSource} cannot authenticate to: kubeconfig contexts, exec
 * credential plugins (EKS, GKE, AKS), OIDC, client certificates, proxies. Lists nodes, unfinished
 * pods (`fieldSelector=status.phase!=Succeeded,status.phase!=Failed`) and coscheduling PodGroups
 * (`scheduling.x-k8s.io/v1alpha1`; a missing CRD means none), page by page. RBAC: `list` on
 * `nodes`, `pods` and `podgroups.scheduling.x-k8s.io`.
 *
 * Nothing is loaded or connected until the first list; a missing peer then throws
 * `MISSING_PEER_DEPENDENCY` naming the install line. List failures are `PERMISSION_DENIED`
 * (401/403) or `SERVICE_UNAVAILABLE` (retryable).
 */
export function createKubernetesClusterSource(options: KubernetesClusterSourceOptions = {}): ClusterSourceV1 {
  const pageSize = options.pageSize ?? 500;
  if (!Number.isInteger(pageSize) || pageSize < 1) {
    throw new InvalidArgumentError(`createKubernetesClusterSource: pageSize must be a positive integer; found ${String(pageSize)}. Omit it for 500.`);
  }
  let clients: Promise<{ core: CoreApi; custom: CustomApi }> | undefined;
  const connect = () => {
    clients ??= loadClientNode()
      .then((k8s) => {
        let kc = options.kubeConfig as unknown as InstanceType<typeof k8s.KubeConfig> | undefined;
        if (!kc) {
          kc = new k8s.KubeConfig();
          kc.loadFromDefault();
        }
        return { core: kc.makeApiClient(k8s.CoreV1Api) as unknown as CoreApi, custom: kc.makeApiClient(k8s.CustomObjectsApi) as unknown as CustomApi };
      })
      .catch((e: unknown) => {
        clients = undefined;
        throw e;
      });
    return clients;
  };
  const listAll = async <T>(what: string, page: (apis: { core: CoreApi; custom: CustomApi }, cont: string | undefined) => Promise<ListPage>, missingOk = false): Promise<T> => {
    const apis = await connect();
    const items: unknown[] = [];
    let cont: string | undefined;
    do {
      let res: ListPage;
      try {
        res = await page(apis, cont);
      } catch (e) {
        if (missingOk && statusOf(e) === 404) return { items: [] } as T; // the PodGroup CRD is not installed
        throw toSourceError(e, what);
      }
      for (const item of res.items ?? []) items.push(plain(item));
      cont = res.metadata?._continue ?? res.metadata?.continue ?? undefined;
      if (cont === '') cont = undefined;
    } while (cont !== undefined);
    return { items } as T;
  };
  return {
    specificationVersion: 'v1',
    listNodes: () => listAll<K8sNodeList>('list nodes', ({ core }, c) => core.listNode({ limit: pageSize, ...(c ? { _continue: c } : {}) })),
    listPods: () =>
      listAll<K8sPodList>('list pods', ({ core }, c) => core.listPodForAllNamespaces({ fieldSelector: UNFINISHED, limit: pageSize, ...(c ? { _continue: c } : {}) })),
    listPodGroups: () =>
      listAll<PodGroupList>(
        'list podgroups.scheduling.x-k8s.io',
        ({ custom }, c) => custom.listClusterCustomObject({ group: 'scheduling.x-k8s.io', version: 'v1alpha1', plural: 'podgroups', limit: pageSize, ...(c ? { _continue: c } : {}) }),
        true,
      ),
  };
}
