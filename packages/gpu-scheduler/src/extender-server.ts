import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InvalidArgumentError, MlopsError } from '@mlops/contracts';
import type { Scheduler } from './scheduler.js';
import type { JobSpec, NodeSpec } from './types.js';
import { parseCpuMilli, parseMemoryMiB, podRequests } from './pod-requests.js';
import {
  MAX_EXTENDER_PRIORITY,
  type ExtenderArgs,
  type ExtenderBindingArgs,
  type ExtenderBindingResult,
  type ExtenderFilterResult,
  type HostPriority,
  type K8sNode,
  type K8sPod,
} from './extender-types.js';

/** Options of {@link createExtenderHandlers}. */
export interface ExtenderHandlerOptions {
  /** The scheduler whose capacity view and placement policy answer the webhooks. */
  scheduler: Scheduler;
  /** Extended resource name of a whole GPU. Default `nvidia.com/gpu`. */
  gpuResource?: string;
  /** Pod annotation with a GPU fraction in thousandths (GPU sharing). Default `gpu-scheduler.mlops.dev/gpu-milli`. */
  gpuMilliAnnotation?: string;
  /** Pod label naming the queue. Default `kueue.x-k8s.io/queue-name`; queues the scheduler does not have map to `default`. */
  queueLabel?: string;
  /** Node label holding the GPU model. Default `nvidia.com/gpu.product`. */
  gpuModelLabel?: string;
  /** Node label holding the topology domain. Default `topology.kubernetes.io/zone`. */
  topologyLabel?: string;
  /** Add nodes the scheduler does not know yet from the `Nodes` list (allocatable GPU/CPU/memory). Default true. */
  autoAddNodes?: boolean;
  /** Known queue ids (pods naming other queues go to `default`). Default: any. */
  queues?: readonly string[];
  /**
   * Called on bind, after the scheduler recorded the allocation: create the `v1.Binding` in the
   * API server here (POST /api/v1/namespaces/{ns}/pods/{name}/binding). Throwing reports the
   * error to kube-scheduler and undoes the allocation.
   */
  binder?: (args: ExtenderBindingArgs) => Promise<void> | void;
}

/** The three webhooks as plain functions (mount them on any HTTP framework). */
export interface ExtenderHandlers {
  /** `filterVerb`: nodes that can hold the pod now; the others with a reason. */
  filter(args: ExtenderArgs): ExtenderFilterResult;
  /** `prioritizeVerb`: the placement policy's preference per node, 0..10. */
  prioritize(args: ExtenderArgs): HostPriority[];
  /** `bindVerb`: records the allocation, then calls `binder`. */
  bind(args: ExtenderBindingArgs): Promise<ExtenderBindingResult>;
  /** Tell the scheduler a bound pod finished or was deleted (from a pod informer). */
  release(podUid: string): void;
}

function podKey(pod: K8sPod): string {
  const md = pod.metadata ?? {};
  return md.uid ?? `${md.namespace ?? 'default'}/${md.name ?? ''}`;
}

/** Creates the filter / prioritize / bind handlers over a scheduler. */
export function createExtenderHandlers(options: ExtenderHandlerOptions): ExtenderHandlers {
  const sched = options.scheduler;
  const gpuRes = options.gpuResource ?? 'nvidia.com/gpu';
  const milliAnn = options.gpuMilliAnnotation ?? 'gpu-scheduler.mlops.dev/gpu-milli';
  const queueLabel = options.queueLabel ?? 'kueue.x-k8s.io/queue-name';
  const modelLabel = options.gpuModelLabel ?? 'nvidia.com/gpu.product';
  const topoLabel = options.topologyLabel ?? 'topology.kubernetes.io/zone';
  const autoAdd = options.autoAddNodes ?? true;
  const knownQueues = options.queues ? new Set(options.queues) : null;
  const seen = new Map<string, JobSpec>();
  const byName = new Map<string, string>();

  function jobOf(pod: K8sPod): JobSpec {
    if (typeof pod !== 'object' || pod === null) throw new InvalidArgumentError('ExtenderArgs.Pod is missing; kube-scheduler always sends the pod being scheduled.');
    // Init containers, sidecars, pod-level resources and overhead count as Kubernetes counts them.
    const { gpus, cpuMilli: cpu, memoryMiB: mem } = podRequests(pod, gpuRes);
    if (!Number.isInteger(gpus) || gpus < 0) {
      throw new InvalidArgumentError(`Pod ${podKey(pod)} requests ${gpus} ${gpuRes}; whole GPUs only (use the ${milliAnn} annotation for a fraction).`);
    }
    const md = pod.metadata ?? {};
    const milliRaw = md.annotations?.[milliAnn];
    const q = md.labels?.[queueLabel];
    const queue = q !== undefined && (knownQueues === null || knownQueues.has(q)) && sched.hasQueue(q) ? q : 'default';
    const job: JobSpec = {
      id: podKey(pod),
      queue,
      priority: pod.spec?.priority ?? 0,
      cpuMilliPerWorker: cpu,
      memoryMiBPerWorker: mem,
    };
    if (milliRaw !== undefined && gpus <= 1) job.gpuMilli = Number(milliRaw);
    else job.gpusPerWorker = gpus;
    const model = pod.spec?.nodeSelector?.[modelLabel];
    if (model) job.gpuModels = [model];
    return job;
  }

  function nodeSpecOf(node: K8sNode): NodeSpec | null {
    const name = node.metadata?.name;
    if (!name) return null;
    const alloc = node.status?.allocatable ?? node.status?.capacity ?? {};
    const labels = node.metadata?.labels ?? {};
    const spec: NodeSpec = {
      id: name,
      gpuModel: labels[modelLabel] ?? 'unknown',
      gpuCount: Number(alloc[gpuRes] ?? 0),
      labels,
      schedulable: !node.spec?.unschedulable,
    };
    if (alloc.cpu !== undefined) spec.cpuMilli = parseCpuMilli(alloc.cpu);
    if (alloc.memory !== undefined) spec.memoryMiB = parseMemoryMiB(alloc.memory);
    if (labels[topoLabel]) spec.topologyDomain = labels[topoLabel];
    return spec;
  }

  function candidates(args: ExtenderArgs): string[] {
    if (Array.isArray(args.NodeNames)) return args.NodeNames;
    const items = args.Nodes?.items ?? [];
    const names: string[] = [];
    for (const n of items) {
      const name = n.metadata?.name;
      if (!name) continue;
      names.push(name);
      if (autoAdd && !sched.hasNode(name)) {
        const spec = nodeSpecOf(n);
        if (spec) sched.nodeEvent({ type: 'add', node: spec });
      }
    }
    return names;
  }

  return {
    filter(args) {
      try {
        const job = jobOf(args.Pod);
        seen.set(job.id, job);
        const md = args.Pod.metadata ?? {};
        byName.set(`${md.namespace ?? 'default'}/${md.name ?? ''}`, job.id);
        const names = candidates(args);
        const ok: string[] = [];
        const failed: Record<string, string> = {};
        const unresolvable: Record<string, string> = {};
        for (const name of names) {
          const r = sched.fitsOnNode(job, name);
          if (r.fits) ok.push(name);
          else if (r.unresolvable) unresolvable[name] = r.reason;
          else failed[name] = r.reason;
        }
        const result: ExtenderFilterResult = { FailedNodes: failed, FailedAndUnresolvableNodes: unresolvable, Error: '' };
        if (Array.isArray(args.NodeNames)) {
          result.NodeNames = ok;
          result.Nodes = null;
        } else {
          const keep = new Set(ok);
          result.Nodes = { ...(args.Nodes ?? { items: [] }), items: (args.Nodes?.items ?? []).filter((n) => keep.has(n.metadata?.name ?? '')) };
          result.NodeNames = null;
        }
        return result;
      } catch (e) {
        return { FailedNodes: {}, FailedAndUnresolvableNodes: {}, Error: e instanceof Error ? e.message : String(e) };
      }
    },

    prioritize(args) {
      const job = jobOf(args.Pod);
      const names = candidates(args);
      const scores = sched.scoreNodes(job, names);
      return names.map((Host) => ({ Host, Score: Math.round((scores.get(Host) ?? 0) * MAX_EXTENDER_PRIORITY) }));
    },

    async bind(args) {
      const key = seen.has(args.PodUID) ? args.PodUID : byName.get(`${args.PodNamespace}/${args.PodName}`);
      const job = key === undefined ? undefined : seen.get(key);
      if (!job) {
        return { Error: `pod ${args.PodNamespace}/${args.PodName} (uid ${args.PodUID}) was not seen by filter; enable filterVerb for this extender.` };
      }
      try {
        sched.bindExternal(job, args.Node);
      } catch (e) {
        return { Error: e instanceof Error ? e.message : String(e) };
      }
      try {
        await options.binder?.(args);
      } catch (e) {
        sched.cancel(job.id);
        return { Error: `binding ${args.PodNamespace}/${args.PodName} to ${args.Node} failed: ${e instanceof Error ? e.message : String(e)}` };
      }
      seen.delete(job.id);
      return { Error: '' };
    },

    release(podUid) {
      const status = sched.job(podUid);
      if (status?.state === 'running') sched.complete(podUid);
      else if (status?.state === 'queued') sched.cancel(podUid);
    },
  };
}

/** Options of {@link createExtenderServer}. */
export interface ExtenderServerOptions extends ExtenderHandlerOptions {
  /** Port; 0 picks a free one. Default 8888. */
  port?: number;
  /** Interface to listen on. Default `127.0.0.1`. */
  host?: string;
  /** URL path prefix (the `urlPrefix` of the KubeSchedulerConfiguration, path part). Default `/`. */
  pathPrefix?: string;
  /** Largest accepted request body, bytes. Default 32 MiB (a NodeList of 5,000 nodes fits). */
  maxBodyBytes?: number;
}

/** A running extender server. */
export interface ExtenderServer {
  /** Base URL, e.g. `http://127.0.0.1:8888/`. */
  readonly url: string;
  /** The port listened on. */
  readonly port: number;
  /** The handlers behind the routes (for `release`). */
  readonly handlers: ExtenderHandlers;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

/**
 * Serves the kube-scheduler extender webhooks over HTTP: `POST <prefix>filter`,
 * `<prefix>prioritize`, `<prefix>bind` (verbs as in the KubeSchedulerConfiguration).
 */
export async function createExtenderServer(options: ExtenderServerOptions): Promise<ExtenderServer> {
  const handlers = createExtenderHandlers(options);
  const prefix = (options.pathPrefix ?? '/').replace(/\/?$/, '/');
  const maxBody = options.maxBodyBytes ?? 32 * 1024 * 1024;

  const send = (res: ServerResponse, status: number, body: unknown): void => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };

  const readBody = (req: IncomingMessage): Promise<string> =>
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > maxBody) {
          reject(new InvalidArgumentError(`request body over ${maxBody} bytes; raise maxBodyBytes or enable nodeCacheCapable.`));
          req.destroy();
        } else chunks.push(c);
      });
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      req.on('error', reject);
    });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0]!;
    const verb = path.startsWith(prefix) ? path.slice(prefix.length) : '';
    if (req.method !== 'POST' || !['filter', 'prioritize', 'bind'].includes(verb)) {
      send(res, 404, { Error: `expected POST ${prefix}filter, ${prefix}prioritize or ${prefix}bind; got ${req.method} ${path}` });
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(await readBody(req));
    } catch (e) {
      send(res, 400, { Error: `request body is not JSON ExtenderArgs: ${e instanceof Error ? e.message : String(e)}` });
      return;
    }
    try {
      if (verb === 'filter') send(res, 200, handlers.filter(body as ExtenderArgs));
      else if (verb === 'prioritize') send(res, 200, handlers.prioritize(body as ExtenderArgs));
      else send(res, 200, await handlers.bind(body as ExtenderBindingArgs));
    } catch (e) {
      send(res, MlopsError.isInstance(e, 'INVALID_ARGUMENT') ? 400 : 500, { Error: e instanceof Error ? e.message : String(e) });
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => send(res, 500, { Error: e instanceof Error ? e.message : String(e) }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8888, options.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}${prefix}`,
    port,
    handlers,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
