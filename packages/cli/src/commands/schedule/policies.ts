import type { SchedulerPolicy } from '@mlops/gpu-scheduler';

/** Policy names `mlops schedule simulate --policy` takes. */
export const POLICY_NAMES = ['fifo', 'sjf', 'las', 'tiresias', 'drf'] as const;
/** One of {@link POLICY_NAMES}. */
export type PolicyName = (typeof POLICY_NAMES)[number];

/** Scheduler policy and simulator preemption cost for a policy name. */
export async function policyFor(name: PolicyName): Promise<{ policy: SchedulerPolicy; preemptionCost?: false; label: string }> {
  const gs = await import('@mlops/gpu-scheduler');
  switch (name) {
    case 'fifo':
      return { policy: { ordering: gs.fifoOrdering() }, label: 'FIFO' };
    case 'sjf':
      return { policy: { ordering: gs.shortestJobFirstOrdering() }, label: 'shortest job first (trace durations as estimates)' };
    case 'las':
      // Least attained service (Tiresias' discretised 2D-LAS), preemption free of cost.
      return { policy: { ordering: gs.tiresiasOrdering(), preemption: true }, preemptionCost: false, label: 'LAS, free preemption' };
    case 'tiresias':
      return { policy: { ordering: gs.tiresiasOrdering({ starvationFactor: 2 }), preemption: true }, label: 'Tiresias (LAS + starvation guard, checkpoint/restore cost)' };
    case 'drf':
      return { policy: { ordering: gs.fairShareOrdering() }, label: 'fair share across queues' };
  }
}
