import { InvalidArgumentError } from '@mlops/contracts';
import { parseCpuMilli, parseMemoryMiB, parseQuantity } from './pod-requests.js';
import type { CohortSpec, KueueResourceGroup, NodeSpec, QueueSpec, Quantity, ResourceFlavorSpec } from './types.js';

/** Metered resources, Kueue names; index = position in a request vector. */
export const QUOTA_RESOURCES = ['nvidia.com/gpu', 'cpu', 'memory', 'pods'] as const;
/** Units inside the book: GPUs, millicores, MiB, pods. */
type Vec4 = readonly [number, number, number, number];

/** One node of the quota tree: a ClusterQueue or a Cohort (Kueue `resourceNode`). */
interface TreeNode {
  name: string;
  kind: 'queue' | 'cohort';
  parent: TreeNode | null;
  children: TreeNode[];
  /** flavor|resource -> quota. */
  quota: Map<string, { nominal: number; borrow: number | undefined; lend: number | undefined }>;
  /** Own nominal plus what children make available (Kueue `SubtreeQuota`). */
  subtree: Map<string, number>;
  /** Usage that counts against `subtree` (for cohorts: children's usage past their guarantee). */
  usage: Map<string, number>;
}

/** Internal queue record with usage counters. */
export interface QueueRecord {
  spec: QueueSpec;
  id: string;
  cohort: string | undefined;
  weight: number;
  node: TreeNode;
  /** Resource groups: covered resource indices and flavours in order. */
  groups: Array<{ covered: number[]; flavors: string[] }>;
  /** Admit only to listed flavours (Kueue resourceGroups); false for the GPU shorthand. */
  strict: boolean;
  reclaim: 'Never' | 'LowerPriority' | 'Any' | undefined;
  /** Kueue StrictFIFO: a head that cannot be placed holds back the rest of the queue. */
  strictFifo: boolean;
  /** Kueue borrowWithinCohort with policy LowerPriority: victims' priority ceiling (Infinity: none); undefined when off. */
  borrowWithinCohortMax: number | undefined;
  /** GPUs in use per flavour (for snapshots). */
  gpuUsedMilli: number;
  cpuUsed: number;
  memUsed: number;
  pending: number;
  running: number;
  allowSpot: boolean;
  cheapest: boolean;
  /** Node spec -> flavour per resource ('' unmetered, null not admitted). */
  flavorCache: WeakMap<object, ReadonlyArray<string | null>>;
}

/** Validates Kueue `spec.queueingStrategy` of a queue. */
function readQueueingStrategy(spec: QueueSpec): 'StrictFIFO' | 'BestEffortFIFO' {
  const s = spec.queueingStrategy ?? 'BestEffortFIFO';
  if (s !== 'StrictFIFO' && s !== 'BestEffortFIFO') {
    throw new InvalidArgumentError(`queue "${spec.id}": queueingStrategy must be 'StrictFIFO' or 'BestEffortFIFO' as in Kueue; found ${JSON.stringify(spec.queueingStrategy)}.`);
  }
  return s;
}

/** Validates Kueue `spec.preemption` of a queue; the victims' priority ceiling of borrowWithinCohort, or undefined when off. */
function readBorrowWithinCohort(spec: QueueSpec): number | undefined {
  const p = spec.preemption;
  if (p === undefined) return undefined;
  if (p.reclaimWithinCohort !== undefined && !['Never', 'LowerPriority', 'Any'].includes(p.reclaimWithinCohort)) {
    throw new InvalidArgumentError(`queue "${spec.id}": preemption.reclaimWithinCohort must be Never, LowerPriority or Any; found ${JSON.stringify(p.reclaimWithinCohort)}.`);
  }
  const b = p.borrowWithinCohort;
  if (b === undefined) return undefined;
  if (b === null || typeof b !== 'object' || (b.policy !== 'Never' && b.policy !== 'LowerPriority')) {
    throw new InvalidArgumentError(`queue "${spec.id}": preemption.borrowWithinCohort must be { policy: 'Never' | 'LowerPriority', maxPriorityThreshold? } as in Kueue; found ${JSON.stringify(b)}.`);
  }
  if (b.maxPriorityThreshold !== undefined && !Number.isInteger(b.maxPriorityThreshold)) {
    throw new InvalidArgumentError(`queue "${spec.id}": preemption.borrowWithinCohort.maxPriorityThreshold must be an integer priority; found ${JSON.stringify(b.maxPriorityThreshold)}.`);
  }
  if (b.policy === 'Never') return undefined;
  if (p.reclaimWithinCohort === 'Never') {
    throw new InvalidArgumentError(`queue "${spec.id}": preemption.borrowWithinCohort.policy LowerPriority needs reclaimWithinCohort LowerPriority or Any (Kueue refuses reclaimWithinCohort Never with it); found Never.`);
  }
  return b.maxPriorityThreshold ?? Number.POSITIVE_INFINITY;
}

/** Outcome of a quota check. */
export type QuotaFit = 'nominal' | 'borrow' | 'no';

/** Quota charges of one placement: `flavor|resourceIndex` -> amount. */
export type Charges = Array<[string, number]>;

const EPS = 1e-9;

function toUnits(resource: number, q: Quantity, where: string): number {
  let v: number;
  try {
    v = resource === 1 ? parseCpuMilli(q) : resource === 2 ? parseMemoryMiB(q) : typeof q === 'number' ? q : parseQuantity(String(q));
  } catch {
    throw new InvalidArgumentError(`${where}: ${JSON.stringify(q)} is not a Kubernetes quantity; expected e.g. 8, "500m", "36Gi".`);
  }
  if (!Number.isFinite(v) || v < 0) throw new InvalidArgumentError(`${where}: expected a quantity >= 0, found ${JSON.stringify(q)}.`);
  return v;
}

function resIndex(name: string, where: string): number {
  const i = (QUOTA_RESOURCES as readonly string[]).indexOf(name);
  if (i < 0) {
    throw new InvalidArgumentError(`${where}: resource ${JSON.stringify(name)} is not metered here; expected one of ${QUOTA_RESOURCES.join(', ')}. Drop it from coveredResources/resources.`);
  }
  return i;
}

function newNode(name: string, kind: TreeNode['kind']): TreeNode {
  return { name, kind, parent: null, children: [], quota: new Map(), subtree: new Map(), usage: new Map() };
}

/** Reads Kueue resourceGroups into a tree node's quotas; returns the groups. */
function readGroups(node: TreeNode, groups: readonly KueueResourceGroup[], where: string, mayLimit: boolean): Array<{ covered: number[]; flavors: string[] }> {
  const out: Array<{ covered: number[]; flavors: string[] }> = [];
  const seen = new Set<number>();
  groups.forEach((g, gi) => {
    const gw = `${where}.resourceGroups[${gi}]`;
    if (!g || !Array.isArray(g.coveredResources) || !Array.isArray(g.flavors) || g.flavors.length === 0) {
      throw new InvalidArgumentError(`${gw}: expected { coveredResources: [...], flavors: [{ name, resources }] } as in a Kueue ClusterQueue.`);
    }
    const covered = g.coveredResources.map((r) => resIndex(r, `${gw}.coveredResources`));
    for (const r of covered) {
      if (seen.has(r)) throw new InvalidArgumentError(`${gw}: resource ${QUOTA_RESOURCES[r]} is covered by two resource groups; Kueue allows one.`);
      seen.add(r);
    }
    for (const f of g.flavors) {
      const fw = `${gw}.flavors["${f?.name}"]`;
      if (!f || typeof f.name !== 'string' || !Array.isArray(f.resources)) throw new InvalidArgumentError(`${fw}: expected { name, resources: [{ name, nominalQuota }] }.`);
      const listed = new Set<number>();
      for (const rq of f.resources) {
        const r = resIndex(rq.name, `${fw}.resources`);
        if (!covered.includes(r)) throw new InvalidArgumentError(`${fw}: ${rq.name} is not in coveredResources (${g.coveredResources.join(', ')}).`);
        if (rq.nominalQuota === undefined) throw new InvalidArgumentError(`${fw}.${rq.name}.nominalQuota is required (Kueue).`);
        if (!mayLimit && (rq.borrowingLimit !== undefined || rq.lendingLimit !== undefined)) {
          throw new InvalidArgumentError(`${fw}.${rq.name}: borrowingLimit/lendingLimit need a cohort (a parent, for a Cohort); Kueue rejects them otherwise. Set the cohort or drop the limits.`);
        }
        listed.add(r);
        node.quota.set(`${f.name}|${r}`, {
          nominal: toUnits(r, rq.nominalQuota, `${fw}.${rq.name}.nominalQuota`),
          borrow: rq.borrowingLimit === undefined ? undefined : toUnits(r, rq.borrowingLimit, `${fw}.${rq.name}.borrowingLimit`),
          lend: rq.lendingLimit === undefined ? undefined : toUnits(r, rq.lendingLimit, `${fw}.${rq.name}.lendingLimit`),
        });
      }
      if (listed.size !== covered.length) {
        throw new InvalidArgumentError(`${fw}: lists ${[...listed].map((r) => QUOTA_RESOURCES[r]).join(', ') || 'nothing'}; Kueue requires every covered resource (${g.coveredResources.join(', ')}).`);
      }
    }
    out.push({ covered, flavors: g.flavors.map((f) => f.name) });
  });
  return out;
}

/**
 * Kueue's quota model, per flavour and resource: ClusterQueue `nominalQuota`,
 * `borrowingLimit` and `lendingLimit`, hierarchical cohorts, and the `available` /
 * `addUsage` arithmetic of kueue `pkg/cache/resource_node.go`.
 */
export class QuotaBook {
  readonly queues = new Map<string, QueueRecord>();
  private readonly cohorts = new Map<string, TreeNode>();
  private readonly cohortSpecs = new Map<string, CohortSpec>();
  private readonly flavorDefs = new Map<string, ResourceFlavorSpec>();
  private dirty = true;

  constructor(options: { cohorts?: readonly CohortSpec[]; flavors?: readonly ResourceFlavorSpec[] } = {}) {
    for (const f of options.flavors ?? []) {
      if (!f || typeof f.name !== 'string' || f.name === '') throw new InvalidArgumentError(`resourceFlavors: each flavour needs a name; found ${JSON.stringify(f)}.`);
      this.flavorDefs.set(f.name, f);
    }
    for (const c of options.cohorts ?? []) {
      if (!c || typeof c.name !== 'string' || c.name === '') throw new InvalidArgumentError(`cohorts: each cohort needs a name; found ${JSON.stringify(c)}.`);
      if (this.cohortSpecs.has(c.name)) throw new InvalidArgumentError(`cohorts: "${c.name}" is defined twice.`);
      this.cohortSpecs.set(c.name, c);
    }
    for (const c of this.cohortSpecs.values()) {
      const node = this.cohort(c.name);
      readGroups(node, c.resourceGroups ?? [], `cohort "${c.name}"`, c.parentName !== undefined);
      if (c.parentName !== undefined) {
        const parent = this.cohort(c.parentName);
        node.parent = parent;
        parent.children.push(node);
      }
    }
    for (const c of this.cohorts.values()) {
      const path = new Set<TreeNode>();
      for (let n: TreeNode | null = c; n; n = n.parent) {
        if (path.has(n)) throw new InvalidArgumentError(`cohorts: "${c.name}" is in a parentName cycle; Kueue disables such cohorts. Break the cycle.`);
        path.add(n);
      }
    }
  }

  private cohort(name: string): TreeNode {
    let c = this.cohorts.get(name);
    if (!c) {
      // A cohort named only by queues (or a missing parent) is a root without quota, as in Kueue.
      c = newNode(name, 'cohort');
      this.cohorts.set(name, c);
    }
    return c;
  }

  add(spec: QueueSpec): QueueRecord {
    const cohort = spec.cohortName ?? spec.cohort;
    if (spec.cohort !== undefined && spec.cohortName !== undefined && spec.cohort !== spec.cohortName) {
      throw new InvalidArgumentError(`queue "${spec.id}": cohort "${spec.cohort}" and cohortName "${spec.cohortName}" differ; they are the v1beta1 and v1beta2 names of one field. Set one.`);
    }
    const node = newNode(spec.id, 'queue');
    let groups: QueueRecord['groups'];
    let strict = false;
    if (spec.resourceGroups !== undefined) {
      if (spec.nominalGpus !== undefined) throw new InvalidArgumentError(`queue "${spec.id}": set resourceGroups or nominalGpus, not both.`);
      groups = readGroups(node, spec.resourceGroups, `queue "${spec.id}"`, cohort !== undefined);
      strict = true;
    } else {
      // GPU shorthand: one group covering GPUs, a flavour per model key.
      const nominal = spec.nominalGpus ?? {};
      groups = Object.keys(nominal).length === 0 ? [] : [{ covered: [0], flavors: Object.keys(nominal) }];
      for (const [flavor, n] of Object.entries(nominal)) {
        node.quota.set(`${flavor}|0`, { nominal: n, borrow: spec.borrowingLimitGpus?.[flavor], lend: spec.lendingLimitGpus?.[flavor] });
      }
    }
    if (cohort !== undefined) {
      const parent = this.cohort(cohort);
      node.parent = parent;
      parent.children.push(node);
    }
    const q: QueueRecord = {
      spec,
      id: spec.id,
      cohort,
      weight: spec.weight ?? 1,
      node,
      groups,
      strict,
      reclaim: spec.preemption?.reclaimWithinCohort,
      strictFifo: readQueueingStrategy(spec) === 'StrictFIFO',
      borrowWithinCohortMax: readBorrowWithinCohort(spec),
      gpuUsedMilli: 0,
      cpuUsed: 0,
      memUsed: 0,
      pending: 0,
      running: 0,
      allowSpot: spec.allowSpot ?? true,
      cheapest: spec.flavorPreference === 'cheapest',
      flavorCache: new WeakMap(),
    };
    this.queues.set(q.id, q);
    this.dirty = true;
    return q;
  }

  /** True when the queue meters anything. */
  metered(q: QueueRecord): boolean {
    return q.groups.length > 0;
  }

  /** Does a flavour match a node? Declared flavours by labels; others by GPU model name or `*`. */
  private matches(flavor: string, node: Pick<NodeSpec, 'gpuModel' | 'labels'>): boolean {
    const def = this.flavorDefs.get(flavor);
    if (!def) return flavor === '*' || flavor === node.gpuModel;
    for (const [k, v] of Object.entries(def.nodeLabels ?? {})) {
      const have = k === 'nvidia.com/gpu.product' ? (node.labels?.[k] ?? node.gpuModel) : node.labels?.[k];
      if (have !== v) return false;
    }
    return true;
  }

  /** Flavour of each resource for work of `q` on `node`: '' unmetered, null not admitted there. */
  flavorsOn(q: QueueRecord, node: Pick<NodeSpec, 'gpuModel' | 'labels'>): ReadonlyArray<string | null> {
    const hit = q.flavorCache.get(node);
    if (hit) return hit;
    const out: Array<string | null> = ['', '', '', ''];
    for (const g of q.groups) {
      const f = g.flavors.find((name) => this.matches(name, node));
      for (const r of g.covered) out[r] = f ?? (q.strict ? null : '');
    }
    q.flavorCache.set(node, out);
    return out;
  }

  /** Adds the charges of `workers` workers of `perWorker` on `node` to `into`; false if not admitted there. */
  addDemand(q: QueueRecord, node: Pick<NodeSpec, 'gpuModel' | 'labels'>, perWorker: Vec4, workers: number, into: Map<string, number>): boolean {
    const fl = this.flavorsOn(q, node);
    for (let r = 0; r < 4; r++) {
      const amount = perWorker[r]! * workers;
      if (amount <= 0) continue;
      const f = fl[r];
      if (f === null) return false;
      if (f === '') continue;
      const key = `${f}|${r}`;
      into.set(key, (into.get(key) ?? 0) + amount);
    }
    return true;
  }

  private finalize(): void {
    if (!this.dirty) return;
    this.dirty = false;
    const roots = new Set<TreeNode>();
    for (const q of this.queues.values()) {
      let n = q.node;
      while (n.parent) n = n.parent;
      roots.add(n);
    }
    for (const c of this.cohorts.values()) if (!c.parent) roots.add(c);
    const walk = (n: TreeNode): void => {
      n.subtree = new Map([...n.quota].map(([k, v]) => [k, v.nominal]));
      if (n.kind === 'cohort') n.usage = new Map();
      for (const c of n.children) {
        walk(c);
        for (const [k, v] of c.subtree) n.subtree.set(k, (n.subtree.get(k) ?? 0) + v - this.guaranteed(c, k));
        for (const [k, v] of c.usage) n.usage.set(k, (n.usage.get(k) ?? 0) + Math.max(0, v - this.guaranteed(c, k)));
      }
    };
    for (const r of roots) walk(r);
  }

  /** Capacity not lent to the parent (Kueue `guaranteedQuota`). */
  private guaranteed(n: TreeNode, k: string): number {
    const lend = n.quota.get(k)?.lend;
    return lend === undefined ? 0 : Math.max(0, (n.subtree.get(k) ?? 0) - lend);
  }

  private localAvailable(n: TreeNode, k: string): number {
    return Math.max(0, this.guaranteed(n, k) - (n.usage.get(k) ?? 0));
  }

  /** Kueue `available`: what `n` can still take of `k`, borrowing through its ancestors. */
  private available(n: TreeNode, k: string): number {
    if (!n.parent) return (n.subtree.get(k) ?? 0) - (n.usage.get(k) ?? 0);
    let parentAvailable = this.available(n.parent, k);
    const borrow = n.quota.get(k)?.borrow;
    if (borrow !== undefined) {
      const g = this.guaranteed(n, k);
      const storedInParent = (n.subtree.get(k) ?? 0) - g;
      const usedInParent = Math.max(0, (n.usage.get(k) ?? 0) - g);
      parentAvailable = Math.min(storedInParent - usedInParent + borrow, parentAvailable);
    }
    return this.localAvailable(n, k) + parentAvailable;
  }

  /** Kueue `potentialAvailable`: the most `n` could hold of `k` with nothing else running. */
  private potential(n: TreeNode, k: string): number {
    if (!n.parent) return n.subtree.get(k) ?? 0;
    let a = this.guaranteed(n, k) + this.potential(n.parent, k);
    const borrow = n.quota.get(k)?.borrow;
    if (borrow !== undefined) a = Math.min(a, (n.subtree.get(k) ?? 0) + borrow);
    return a;
  }

  /** Can `q` take these charges now, and does that borrow? */
  check(q: QueueRecord, charges: Iterable<[string, number]>): QuotaFit {
    this.finalize();
    let borrowing = false;
    for (const [k, amount] of charges) {
      if (amount <= 0) continue;
      if (!q.node.quota.has(k) && !q.strict) continue;
      if (amount > this.available(q.node, k) + EPS) return 'no';
      if ((q.node.usage.get(k) ?? 0) + amount > (q.node.subtree.get(k) ?? 0) + EPS) borrowing = true;
    }
    return borrowing ? 'borrow' : 'nominal';
  }

  /** Could `q` ever hold these charges (nominal plus everything it may borrow)? */
  couldEverFit(q: QueueRecord, charges: Iterable<[string, number]>): boolean {
    this.finalize();
    for (const [k, amount] of charges) {
      if (amount <= 0 || (!q.node.quota.has(k) && !q.strict)) continue;
      if (amount > this.potential(q.node, k) + EPS) return false;
    }
    return true;
  }

  /** Adds (sign 1) or removes (sign -1) usage, bubbling past guarantees into cohorts as Kueue does. */
  charge(q: QueueRecord, charges: Iterable<[string, number]>, sign: 1 | -1): void {
    this.finalize();
    for (const [k, amount] of charges) {
      if (amount <= 0) continue;
      if (sign > 0) this.addUsage(q.node, k, amount);
      else this.removeUsage(q.node, k, amount);
    }
  }

  private addUsage(n: TreeNode, k: string, v: number): void {
    const local = this.localAvailable(n, k);
    n.usage.set(k, (n.usage.get(k) ?? 0) + v);
    if (n.parent && v > local) this.addUsage(n.parent, k, v - local);
  }

  private removeUsage(n: TreeNode, k: string, v: number): void {
    const stored = (n.usage.get(k) ?? 0) - this.guaranteed(n, k);
    n.usage.set(k, (n.usage.get(k) ?? 0) - v);
    if (stored <= EPS || !n.parent) return;
    this.removeUsage(n.parent, k, Math.min(v, stored));
  }

  /** How far `q` is above its nominal quota on `k` (0 when within). */
  overNominal(q: QueueRecord, k: string): number {
    this.finalize();
    return Math.max(0, (q.node.usage.get(k) ?? 0) - (q.node.quota.get(k)?.nominal ?? 0));
  }

  /** True when `q` would stay within nominal quota with these charges added. */
  withinNominal(q: QueueRecord, charges: Iterable<[string, number]>): boolean {
    for (const [k, amount] of charges) {
      if (amount > 0 && (q.node.usage.get(k) ?? 0) + amount > (q.node.quota.get(k)?.nominal ?? (q.strict ? 0 : Number.POSITIVE_INFINITY)) + EPS) return false;
    }
    return true;
  }

  /** Why `charges` do not fit `q`: each short flavour/resource with usage, nominal and what is left to borrow. */
  explain(q: QueueRecord, charges: Iterable<[string, number]>): string {
    this.finalize();
    const parts: string[] = [];
    const units = ['GPU(s)', 'mCPU', 'MiB', 'pod(s)'];
    for (const [k, amount] of charges) {
      const avail = this.available(q.node, k);
      if (amount <= avail + EPS) continue;
      const bar = k.lastIndexOf('|');
      const r = Number(k.slice(bar + 1));
      const nominal = q.node.quota.get(k)?.nominal ?? 0;
      const used = q.node.usage.get(k) ?? 0;
      const borrowable = Math.max(0, avail - Math.max(0, nominal - used));
      parts.push(`needs ${amount} more ${QUOTA_RESOURCES[r]} ${units[r]} in flavour ${k.slice(0, bar)}, uses ${used} of ${nominal} nominal, ${q.node.parent ? `${borrowable} left to borrow in its cohort` : 'no cohort to borrow from'}`);
    }
    return parts.join('; ');
  }

  /** Root of the cohort tree `q` is in, or null without a cohort. */
  root(q: QueueRecord): TreeNode | null {
    if (!q.node.parent) return null;
    let n = q.node.parent;
    while (n.parent) n = n.parent;
    return n;
  }

  /** Plain-data usage of `q`: `flavor -> amount` for one resource index, and the part above nominal. */
  usageOf(q: QueueRecord, resource: number): { used: Record<string, number>; borrowed: Record<string, number> } {
    const used: Record<string, number> = {};
    const borrowed: Record<string, number> = {};
    const keys = new Set([...q.node.quota.keys(), ...q.node.usage.keys()]);
    for (const k of keys) {
      const bar = k.lastIndexOf('|');
      if (Number(k.slice(bar + 1)) !== resource) continue;
      const flavor = k.slice(0, bar);
      used[flavor] = q.node.usage.get(k) ?? 0;
      if (q.node.quota.has(k)) borrowed[flavor] = this.overNominal(q, k);
    }
    return { used, borrowed };
  }
}
