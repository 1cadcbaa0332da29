import { InvalidArgumentError } from '@mlops/contracts';
import type { CohortSpec, KueueResourceGroup, QueueSpec, ResourceFlavorSpec } from './types.js';

/** What {@link fromKueueManifests} read. */
export interface KueueConfig {
  /** One queue per ClusterQueue (`metadata.name` -> `id`). */
  queues: QueueSpec[];
  /** One cohort per Cohort object. */
  cohorts: CohortSpec[];
  /** One flavour per ResourceFlavor. */
  resourceFlavors: ResourceFlavorSpec[];
  /** `kind/name` of objects not used (LocalQueue, WorkloadPriorityClass, ...). */
  ignored: string[];
  /**
   * `kind/name field` of set fields that change Kueue's decisions but are not simulated
   * (`spec.flavorFungibility`, `spec.fairSharing`, `spec.admissionChecks`,
   * `spec.admissionChecksStrategy`, `spec.preemption.withinClusterQueue`, `spec.stopPolicy`):
   * results may differ from the real cluster's where they matter. Scheduler-wide options cover
   * some (`policy.preemption.byPriority`, `fairShareOrdering` with `QueueSpec.weight`).
   */
  notSimulated: string[];
}

/** Fields that change Kueue's decisions and are not simulated, per kind. */
const NOT_SIMULATED: Record<string, readonly string[]> = {
  ClusterQueue: ['flavorFungibility', 'fairSharing', 'admissionChecks', 'admissionChecksStrategy', 'preemption.withinClusterQueue', 'stopPolicy'],
  Cohort: ['fairSharing'],
};

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Turns parsed Kueue manifests (`kueue.x-k8s.io/v1beta1` or `v1beta2` ClusterQueue, Cohort,
 * ResourceFlavor objects, e.g. from `kubectl get clusterqueues,cohorts,resourceflavors -o json`
 * `.items` or a YAML file parsed with any YAML library) into `createScheduler` options. Fields map
 * one to one: `spec.resourceGroups`, `spec.cohort` / `spec.cohortName`,
 * `spec.preemption.reclaimWithinCohort` / `borrowWithinCohort`, Cohort `spec.parentName` /
 * `spec.resourceGroups`, ResourceFlavor `spec.nodeLabels`. Set fields that change Kueue's
 * decisions but are not simulated are listed in {@link KueueConfig.notSimulated}.
 */
export function fromKueueManifests(objects: readonly unknown[]): KueueConfig {
  if (!Array.isArray(objects)) throw new InvalidArgumentError('fromKueueManifests: expected an array of Kueue objects ({ apiVersion, kind, metadata, spec }).');
  const out: KueueConfig = { queues: [], cohorts: [], resourceFlavors: [], ignored: [], notSimulated: [] };
  objects.forEach((o, i) => {
    if (!isObj(o) || typeof o.kind !== 'string' || !isObj(o.metadata) || typeof o.metadata.name !== 'string') {
      throw new InvalidArgumentError(`fromKueueManifests: item ${i} is not a Kubernetes object with kind and metadata.name; found ${JSON.stringify(o)?.slice(0, 120)}.`);
    }
    const name = o.metadata.name;
    const spec = isObj(o.spec) ? o.spec : {};
    const api = typeof o.apiVersion === 'string' ? o.apiVersion : '';
    if (!api.startsWith('kueue.x-k8s.io/')) {
      out.ignored.push(`${o.kind}/${name}`);
      return;
    }
    const groups = spec.resourceGroups as KueueResourceGroup[] | undefined;
    for (const field of NOT_SIMULATED[o.kind] ?? []) {
      const [a, b] = field.split('.') as [string, string | undefined];
      const v = b === undefined ? spec[a] : isObj(spec[a]) ? (spec[a] as Obj)[b] : undefined;
      if (v !== undefined && v !== null) out.notSimulated.push(`${o.kind}/${name} spec.${field}`);
    }
    if (o.kind === 'ClusterQueue') {
      const q: QueueSpec = { id: name };
      const cohort = (spec.cohortName ?? spec.cohort) as string | undefined;
      if (cohort !== undefined) q.cohortName = cohort;
      if (groups !== undefined) q.resourceGroups = groups;
      if (spec.queueingStrategy !== undefined) {
        if (spec.queueingStrategy !== 'StrictFIFO' && spec.queueingStrategy !== 'BestEffortFIFO') {
          throw new InvalidArgumentError(`ClusterQueue ${name}: spec.queueingStrategy must be StrictFIFO or BestEffortFIFO; found ${JSON.stringify(spec.queueingStrategy)}.`);
        }
        q.queueingStrategy = spec.queueingStrategy;
      }
      const reclaim = isObj(spec.preemption) ? spec.preemption.reclaimWithinCohort : undefined;
      if (reclaim !== undefined) {
        if (reclaim !== 'Never' && reclaim !== 'LowerPriority' && reclaim !== 'Any') {
          throw new InvalidArgumentError(`ClusterQueue ${name}: spec.preemption.reclaimWithinCohort must be Never, LowerPriority or Any; found ${JSON.stringify(reclaim)}.`);
        }
        q.preemption = { reclaimWithinCohort: reclaim };
      }
      const bwc = isObj(spec.preemption) ? spec.preemption.borrowWithinCohort : undefined;
      if (bwc !== undefined) {
        if (!isObj(bwc) || (bwc.policy !== 'Never' && bwc.policy !== 'LowerPriority') || (bwc.maxPriorityThreshold !== undefined && !Number.isInteger(bwc.maxPriorityThreshold))) {
          throw new InvalidArgumentError(`ClusterQueue ${name}: spec.preemption.borrowWithinCohort must be { policy: Never | LowerPriority, maxPriorityThreshold?: integer }; found ${JSON.stringify(bwc)}.`);
        }
        q.preemption = {
          ...q.preemption,
          borrowWithinCohort: { policy: bwc.policy, ...(bwc.maxPriorityThreshold !== undefined ? { maxPriorityThreshold: bwc.maxPriorityThreshold as number } : {}) },
        };
      }
      out.queues.push(q);
    } else if (o.kind === 'Cohort') {
      const c: CohortSpec = { name };
      if (typeof spec.parentName === 'string') c.parentName = spec.parentName;
      if (groups !== undefined) c.resourceGroups = groups;
      out.cohorts.push(c);
    } else if (o.kind === 'ResourceFlavor') {
      const f: ResourceFlavorSpec = { name };
      if (isObj(spec.nodeLabels)) f.nodeLabels = spec.nodeLabels as Record<string, string>;
      out.resourceFlavors.push(f);
    } else out.ignored.push(`${o.kind}/${name}`);
  });
  return out;
}
