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
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Turns parsed Kueue manifests (`kueue.x-k8s.io/v1beta1` or `v1beta2` ClusterQueue, Cohort,
 * ResourceFlavor objects, e.g. from `kubectl get clusterqueues,cohorts,resourceflavors -o json`
 * `.items` or a YAML file parsed with any YAML library) into `createScheduler` options. Fields map
 * one to one: `spec.resourceGroups`, `spec.cohort` / `spec.cohortName`,
 * `spec.preemption.reclaimWithinCohort`, Cohort `spec.parentName` / `spec.resourceGroups`,
 * ResourceFlavor `spec.nodeLabels`; other fields are not simulated.
 */
export function fromKueueManifests(objects: readonly unknown[]): KueueConfig {
  if (!Array.isArray(objects)) throw new InvalidArgumentError('fromKueueManifests: expected an array of Kueue objects ({ apiVersion, kind, metadata, spec }).');
  const out: KueueConfig = { queues: [], cohorts: [], resourceFlavors: [], ignored: [] };
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
    if (o.kind === 'ClusterQueue') {
      const q: QueueSpec = { id: name };
      const cohort = (spec.cohortName ?? spec.cohort) as string | undefined;
      if (cohort !== undefined) q.cohortName = cohort;
      if (groups !== undefined) q.resourceGroups = groups;
      const reclaim = isObj(spec.preemption) ? spec.preemption.reclaimWithinCohort : undefined;
      if (reclaim !== undefined) {
        if (reclaim !== 'Never' && reclaim !== 'LowerPriority' && reclaim !== 'Any') {
          throw new InvalidArgumentError(`ClusterQueue ${name}: spec.preemption.reclaimWithinCohort must be Never, LowerPriority or Any; found ${JSON.stringify(reclaim)}.`);
        }
        q.preemption = { reclaimWithinCohort: reclaim };
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
