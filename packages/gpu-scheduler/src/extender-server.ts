import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { InvalidArgumentError, MlopsError } from '@mlops/contracts';
import { createScheduler, type Scheduler, type SchedulerOptions } from './scheduler.js';
import type { ClusterSourceV1 } from './cluster-source.js';
import type { JobSpec, NodeSpec } from './types.js';
import { parseCpuMilli, parseMemoryMiB, podRequests } from './pod-requests.js';
import {
  MAX_EXTENDER_PRIORITY,
  type ExtenderArgs,
  type ExtenderBindingArgs,
  type ExtenderBindingResult,
  type ExtenderFilterResult,
  type ExtenderPreemptionArgs,
  type ExtenderPreemptionResult,
  type HostPriority,
  type K8sNode,
  type K8sPod,
} from './extender-types.js';

/** Options of {@link createExtenderHandlers}. */
export interface ExtenderHandlerOptions {
  /**
   * The scheduler whose capacity view and placement policy answer the webhooks (memory-only
   * mode: the view is what this process saw). Mutually exclusive with `source`.
   */
  scheduler?: Scheduler;
  /**
   * Where the cluster's pods and nodes are read (`createFileClusterSource`,
   * `createApiServerClusterSource`, or your own): on `sync()` — at server start and every
   * `resyncIntervalMs` — the scheduler is rebuilt from them, so a restart loses nothing and pods
   * bound by the default scheduler count.
   */
  source?: ClusterSourceV1;
  /** Options of the scheduler built from `source` (queues, cohorts, policy...). Nodes come from the source; `policy.preemption` is off (kube-scheduler evicts, via the preempt verb). */
  schedulerOptions?: Omit<SchedulerOptions, 'nodes' | 'clock'>;
  /** Time source, ms. Default `Date.now`. */
  clock?: () => number;
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
  /**
   * Pod label naming its gang (coscheduling PodGroup). Default `scheduling.x-k8s.io/pod-group`;
   * the Volcano annotation `scheduling.k8s.io/group-name` is read too.
   */
  podGroupLabel?: string;
  /**
   * Pod annotation with the gang's `minMember`. Default `gpu-scheduler.mlops.dev/min-member`;
   * without it, the PodGroup's `spec.minMember` (when the source lists PodGroups), else the
   * number of the group's pods seen.
   */
  minMemberAnnotation?: string;
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

/** What a {@link ExtenderHandlers.sync} found. */
export interface SyncReport {
  /** Nodes read. */
  nodes: number;
  /** Bound, unfinished pods counted (whoever bound them). */
  boundPods: number;
  /** Pending pods of gangs. */
  pendingGangPods: number;
  /** Bound pods that did not fit the rebuilt view (over-committed node, unknown node), with why. */
  skipped: Array<{ pod: string; reason: string }>;
}

/** The webhooks as plain functions (mount them on any HTTP framework). */
export interface ExtenderHandlers {
  /** `filterVerb`: nodes that can hold the pod now; the others with a reason. Gang pods wait here until their whole group fits. */
  filter(args: ExtenderArgs): ExtenderFilterResult;
  /** `prioritizeVerb`: the placement policy's preference per node, 0..10. */
  prioritize(args: ExtenderArgs): HostPriority[];
  /** `bindVerb`: records the allocation, then calls `binder`. */
  bind(args: ExtenderBindingArgs): Promise<ExtenderBindingResult>;
  /** `preemptVerb`: keeps the candidate nodes where evicting (a subset of) the victims really makes room. */
  preempt(args: ExtenderPreemptionArgs): ExtenderPreemptionResult;
  /** Tell the scheduler a bound pod finished or was deleted (from a pod informer). */
  release(podUid: string): void;
  /** Rebuilds the state from `source` (no-op without one). */
  sync(): Promise<SyncReport>;
  /** The scheduler answering now (replaced on every `sync`). */
  readonly scheduler: Scheduler;
}

function podKey(pod: K8sPod): string {
  const md = pod.metadata ?? {};
  return md.uid ?? `${md.namespace ?? 'default'}/${md.name ?? ''}`;
}

/** A gang (pod group) being placed: its members and, once it fits, the nodes reserved for it. */
interface Gang {
  key: string;
  minMember: number;
  /** Pod key -> member; `nodeName` once bound. */
  members: Map<string, { job: JobSpec; nodeName: string | undefined }>;
  /** Reservation job id and its slots (one per missing member) once the group fits. */
  reservation: { id: string; slots: Array<{ nodeId: string; pod: string | undefined; bound: boolean }> } | undefined;
}

/** Creates the filter / prioritize / bind / preempt handlers over a scheduler or a cluster source. */
export function createExtenderHandlers(options: ExtenderHandlerOptions): ExtenderHandlers {
  if (options.scheduler && options.source) {
    throw new InvalidArgumentError('createExtenderHandlers: pass scheduler (memory-only) or source (state read from the cluster), not both; with source, put scheduler settings in schedulerOptions.');
  }
  const clock = options.clock ?? Date.now;
  // Evictions are kube-scheduler's (through the preempt verb): the scheduler here never preempts
  // on its own, or a gang reservation could stop jobs that stand for real pods.
  const build = (nodes: NodeSpec[]): Scheduler => createScheduler({ ...options.schedulerOptions, policy: { ...options.schedulerOptions?.policy, preemption: false }, nodes, clock });
  let sched: Scheduler = options.scheduler ?? build([]);
  const gpuRes = options.gpuResource ?? 'nvidia.com/gpu';
  const milliAnn = options.gpuMilliAnnotation ?? 'gpu-scheduler.mlops.dev/gpu-milli';
  const queueLabel = options.queueLabel ?? 'kueue.x-k8s.io/queue-name';
  const modelLabel = options.gpuModelLabel ?? 'nvidia.com/gpu.product';
  const topoLabel = options.topologyLabel ?? 'topology.kubernetes.io/zone';
  const groupLabel = options.podGroupLabel ?? 'scheduling.x-k8s.io/pod-group';
  const minMemberAnn = options.minMemberAnnotation ?? 'gpu-scheduler.mlops.dev/min-member';
  const autoAdd = options.autoAddNodes ?? true;
  const knownQueues = options.queues ? new Set(options.queues) : null;
  const seen = new Map<string, JobSpec>();
  const byName = new Map<string, string>();
  const gangs = new Map<string, Gang>();
  let reservationSeq = 0;
  /** `minMember` of PodGroups read from the source, by namespace/name. */
  let podGroupMin = new Map<string, number>();

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

  function groupKey(pod: K8sPod): string | undefined {
    const md = pod.metadata ?? {};
    const name = md.labels?.[groupLabel] ?? md.annotations?.['scheduling.k8s.io/group-name'];
    return name === undefined ? undefined : `${md.namespace ?? 'default'}/${name}`;
  }

  function gangOf(pod: K8sPod, key: string): Gang {
    let g = gangs.get(key);
    if (!g) {
      g = { key, minMember: 0, members: new Map(), reservation: undefined };
      gangs.set(key, g);
    }
    const ann = Number(pod.metadata?.annotations?.[minMemberAnn]);
    if (Number.isInteger(ann) && ann > 0) g.minMember = ann;
    else if (podGroupMin.has(key)) g.minMember = podGroupMin.get(key)!;
    const id = podKey(pod);
    const m = g.members.get(id);
    if (m) m.job = jobOf(pod);
    else g.members.set(id, { job: jobOf(pod), nodeName: pod.spec?.nodeName || undefined });
    return g;
  }

  const boundCount = (g: Gang): number => [...g.members.values()].filter((m) => m.nodeName !== undefined).length;
  const minOf = (g: Gang): number => (g.minMember > 0 ? g.minMember : g.members.size);

  /** Reserves room for the group's missing members at once, or nothing; why it never can, if so. */
  function reserve(g: Gang, template: JobSpec): boolean | string {
    const needed = minOf(g) - boundCount(g);
    if (needed <= 0) return true;
    const id = `podgroup:${g.key}#${++reservationSeq}`;
    const t = clock();
    const submitted = sched.submit({ ...template, id, workers: needed, preemptible: false }, t);
    if (submitted.status !== 'queued') return `pod group ${g.key} can never fit: ${submitted.reason}`;
    const d = sched.schedule(t).find((x) => x.jobId === id);
    if (!d || d.type !== 'bind') {
      sched.cancel(id, t);
      return false;
    }
    g.reservation = { id, slots: d.placements.map((p) => ({ nodeId: p.nodeId, pod: undefined, bound: false })) };
    return true;
  }

  /** The gang slot of a member pod (assigning a free one), or undefined. */
  function slotOf(g: Gang, pod: string): { nodeId: string; pod: string | undefined; bound: boolean } | undefined {
    const r = g.reservation;
    if (!r) return undefined;
    return r.slots.find((s) => s.pod === pod) ?? r.slots.find((s) => s.pod === undefined && !s.bound);
  }

  function filterGang(pod: K8sPod, job: JobSpec, names: string[], key: string): { ok: string[]; failed: Record<string, string>; unresolvable: Record<string, string> } | null {
    const g = gangOf(pod, key);
    const id = podKey(pod);
    if (g.members.get(id)!.nodeName !== undefined) return null;
    if (!g.reservation && boundCount(g) >= minOf(g)) return null; // the group runs: an extra member is an ordinary pod
    const reserved = g.reservation ? true : reserve(g, job);
    if (typeof reserved === 'string') return { ok: [], failed: {}, unresolvable: Object.fromEntries(names.map((n) => [n, reserved])) };
    if (!reserved) {
      const missing = minOf(g) - boundCount(g);
      const why = `pod group ${g.key} waits until all ${missing} missing member(s) fit at once (${minOf(g)} needed, ${boundCount(g)} bound); not enough room now`;
      return { ok: [], failed: Object.fromEntries(names.map((n) => [n, why])), unresolvable: {} };
    }
    const slot = slotOf(g, id);
    if (!slot) return null;
    slot.pod = id;
    const ok = names.filter((n) => n === slot.nodeId);
    const failed = Object.fromEntries(names.filter((n) => n !== slot.nodeId).map((n) => [n, `pod group ${g.key} reserved node ${slot.nodeId} for this pod`]));
    return { ok, failed, unresolvable: {} };
  }

  function gangOfPodId(id: string): Gang | undefined {
    for (const g of gangs.values()) if (g.members.has(id)) return g;
    return undefined;
  }

  async function sync(): Promise<SyncReport> {
    if (!options.source) return { nodes: sched.snapshot(clock()).nodes.length, boundPods: 0, pendingGangPods: 0, skipped: [] };
    const [nodes, pods, groups] = await Promise.all([options.source.listNodes(), options.source.listPods(), options.source.listPodGroups?.() ?? Promise.resolve({ items: [] })]);
    const minMembers = new Map<string, number>();
    for (const pg of groups.items) {
      const m = pg.spec?.minMember;
      if (pg.metadata?.name && Number.isInteger(m) && m! > 0) minMembers.set(`${pg.metadata.namespace ?? 'default'}/${pg.metadata.name}`, m!);
    }
    podGroupMin = minMembers;
    const specs = nodes.items.map(nodeSpecOf).filter((n): n is NodeSpec => n !== null);
    const next = build(specs);
    sched = next; // jobOf reads queues from the scheduler in use
    const report: SyncReport = { nodes: specs.length, boundPods: 0, pendingGangPods: 0, skipped: [] };
    const hadReservation = new Set([...gangs.values()].filter((g) => g.reservation).map((g) => g.key));
    // Pods seen by filter stay known (a bind may follow a resync); gangs are re-read.
    gangs.clear();
    for (const pod of pods.items) {
      const phase = pod.status?.phase;
      if (phase === 'Succeeded' || phase === 'Failed') continue;
      let job: JobSpec;
      try {
        job = jobOf(pod);
      } catch (e) {
        report.skipped.push({ pod: podKey(pod), reason: e instanceof Error ? e.message : String(e) });
        continue;
      }
      const key = groupKey(pod);
      if (key) gangOf(pod, key);
      const nodeName = pod.spec?.nodeName;
      if (nodeName) {
        try {
          sched.bindExternal(job, nodeName);
          report.boundPods++;
        } catch (e) {
          report.skipped.push({ pod: job.id, reason: e instanceof Error ? e.message : String(e) });
        }
      } else if (key) report.pendingGangPods++;
    }
    // Forget filtered pods that no longer exist (deleted before being bound).
    const live = new Set(pods.items.map(podKey));
    for (const id of [...seen.keys()]) if (!live.has(id)) seen.delete(id);
    for (const [name, id] of [...byName]) if (!seen.has(id)) byName.delete(name);
    // Keep holding room for groups that had it (the pods may be between filter and bind).
    for (const key of hadReservation) {
      const g = gangs.get(key);
      const template = g && [...g.members.values()].find((m) => m.nodeName === undefined)?.job;
      if (g && template) reserve(g, template);
    }
    return report;
  }

  return {
    get scheduler() {
      return sched;
    },

    filter(args) {
      try {
        const job = jobOf(args.Pod);
        seen.set(job.id, job);
        const md = args.Pod.metadata ?? {};
        byName.set(`${md.namespace ?? 'default'}/${md.name ?? ''}`, job.id);
        const names = candidates(args);
        const key = groupKey(args.Pod);
        const gang = key === undefined ? null : filterGang(args.Pod, job, names, key);
        let ok: string[] = [];
        let failed: Record<string, string> = {};
        let unresolvable: Record<string, string> = {};
        if (gang) ({ ok, failed, unresolvable } = gang);
        else {
          for (const name of names) {
            const r = sched.fitsOnNode(job, name);
            if (r.fits) ok.push(name);
            else if (r.unresolvable) unresolvable[name] = r.reason;
            else failed[name] = r.reason;
          }
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
      const g = gangOfPodId(job.id);
      const slot = g?.reservation ? (g.reservation.slots.find((s) => s.pod === job.id && s.nodeId === args.Node) ?? g.reservation.slots.find((s) => !s.bound && s.pod === undefined && s.nodeId === args.Node)) : undefined;
      if (g?.reservation && !slot) {
        return { Error: `pod ${args.PodNamespace}/${args.PodName} is in pod group ${g.key}, which holds no free slot on ${args.Node}; filter again.` };
      }
      if (slot) {
        // The group's room is already held by its reservation: binding uses a slot.
        slot.pod = job.id;
        slot.bound = true;
        try {
          await options.binder?.(args);
        } catch (e) {
          slot.bound = false;
          return { Error: `binding ${args.PodNamespace}/${args.PodName} to ${args.Node} failed: ${e instanceof Error ? e.message : String(e)}` };
        }
        g!.members.get(job.id)!.nodeName = args.Node;
        seen.delete(job.id);
        return { Error: '' };
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
      const member = g?.members.get(job.id);
      if (member) member.nodeName = args.Node;
      seen.delete(job.id);
      return { Error: '' };
    },

    preempt(args) {
      const job = jobOf(args.Pod);
      const proposed: Record<string, { uids: string[]; pdb: number }> = {};
      for (const [node, v] of Object.entries(args.NodeNameToMetaVictims ?? {})) proposed[node] = { uids: (v?.Pods ?? []).map((p) => p.UID), pdb: v?.NumPDBViolations ?? 0 };
      for (const [node, v] of Object.entries(args.NodeNameToVictims ?? {})) proposed[node] = { uids: (v?.Pods ?? []).map((p) => podKey(p)), pdb: v?.NumPDBViolations ?? 0 };
      const out: ExtenderPreemptionResult = { NodeNameToMetaVictims: {} };
      for (const [node, { uids, pdb }] of Object.entries(proposed)) {
        if (uids.length === 0 || !sched.fitsOnNode(job, node, { without: uids }).fits) continue; // evicting them would not make room here
        // Spare the most important victims the pod does not need (keep at least one: zero is an error).
        const keep = [...uids].sort((a, b) => (sched.job(b)?.priority ?? 0) - (sched.job(a)?.priority ?? 0));
        const victims = new Set(uids);
        for (const uid of keep) {
          if (victims.size === 1) break;
          victims.delete(uid);
          if (!sched.fitsOnNode(job, node, { without: [...victims] }).fits) victims.add(uid);
        }
        out.NodeNameToMetaVictims[node] = { Pods: uids.filter((u) => victims.has(u)).map((UID) => ({ UID })), NumPDBViolations: pdb };
      }
      return out;
    },

    release(podUid) {
      const g = gangOfPodId(podUid);
      const slot = g?.reservation?.slots.find((x) => x.pod === podUid && x.bound);
      if (g?.reservation && slot) {
        // A member placed through the group's reservation: the reservation holds the room
        // until every member bound through it has finished.
        g.members.delete(podUid);
        slot.pod = '';
        if (g.reservation.slots.every((x) => x.pod === '')) {
          if (sched.job(g.reservation.id)?.state === 'running') sched.complete(g.reservation.id);
          g.reservation = undefined;
        }
        return;
      }
      const status = sched.job(podUid);
      if (status?.state === 'running') sched.complete(podUid);
      else if (status?.state === 'queued') sched.cancel(podUid);
    },

    sync,
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
  /** Serve HTTPS (the KubeSchedulerConfiguration's `enableHTTPS: true` + `tlsConfig`): PEM certificate and key. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** With `source`: re-read the cluster this often, ms. Default 30,000; 0 = only at start. */
  resyncIntervalMs?: number;
  /** Called when a periodic resync fails (the previous state stays). Default: ignored. */
  onSyncError?: (error: unknown) => void;
}

/** A running extender server. */
export interface ExtenderServer {
  /** Base URL, e.g. `http://127.0.0.1:8888/`. */
  readonly url: string;
  /** The port listened on. */
  readonly port: number;
  /** The handlers behind the routes (for `release`, `sync`, `scheduler`). */
  readonly handlers: ExtenderHandlers;
  /** What the sync at start found (with `source`). */
  readonly initialSync: SyncReport | undefined;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

/**
 * Serves the kube-scheduler extender webhooks over HTTP or HTTPS: `POST <prefix>filter`,
 * `<prefix>prioritize`, `<prefix>bind`, `<prefix>preempt` (verbs as in the
 * KubeSchedulerConfiguration). With `source`, the state is read from the cluster before
 * listening and every `resyncIntervalMs`.
 */
export async function createExtenderServer(options: ExtenderServerOptions): Promise<ExtenderServer> {
  const handlers = createExtenderHandlers(options);
  const initialSync = options.source ? await handlers.sync() : undefined;
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
    if (req.method !== 'POST' || !['filter', 'prioritize', 'bind', 'preempt'].includes(verb)) {
      send(res, 404, { Error: `expected POST ${prefix}filter, ${prefix}prioritize, ${prefix}bind or ${prefix}preempt; got ${req.method} ${path}` });
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
      else if (verb === 'preempt') send(res, 200, handlers.preempt(body as ExtenderPreemptionArgs));
      else send(res, 200, await handlers.bind(body as ExtenderBindingArgs));
    } catch (e) {
      send(res, MlopsError.isInstance(e, 'INVALID_ARGUMENT') ? 400 : 500, { Error: e instanceof Error ? e.message : String(e) });
    }
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch((e: unknown) => send(res, 500, { Error: e instanceof Error ? e.message : String(e) }));
  };
  const server: Server = options.tls ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, onRequest) : createServer(onRequest);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8888, options.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const every = options.resyncIntervalMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  if (options.source && every > 0) {
    timer = setInterval(() => {
      handlers.sync().catch((e: unknown) => options.onSyncError?.(e));
    }, every);
    timer.unref();
  }
  return {
    url: `${options.tls ? 'https' : 'http'}://${options.host ?? '127.0.0.1'}:${port}${prefix}`,
    port,
    handlers,
    initialSync,
    close: () =>
      new Promise<void>((resolve, reject) => {
        if (timer) clearInterval(timer);
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
