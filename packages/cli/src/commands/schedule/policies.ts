import type { PolicyName as SchedulerPolicyName, SchedulerPolicy } from '@mlops/gpu-scheduler';

/**
 * Policy names `mlops schedule simulate --policy` takes: @mlops/gpu-scheduler's `POLICY_NAMES`,
 * listed here so `--help` does not load the scheduler (a test checks the two lists are equal).
 */
export const POLICY_NAMES = ['fifo', 'las', 'tiresias', 'sjf', 'drf'] as const satisfies readonly SchedulerPolicyName[];
/** One of {@link POLICY_NAMES}. */
export type PolicyName = (typeof POLICY_NAMES)[number];

const LABELS: Record<PolicyName, string> = {
  fifo: 'FIFO',
  las: 'LAS (Tiresias 2D-LAS, preemptive)',
  tiresias: 'Tiresias (LAS + starvation guard)',
  sjf: 'shortest job first (trace durations as estimates)',
  drf: 'dominant-resource fair share across queues',
};

/** The scheduler's own named policy (`namedPolicy`) and a label for people. */
export async function policyFor(name: PolicyName): Promise<{ policy: SchedulerPolicy; label: string }> {
  const { namedPolicy } = await import('@mlops/gpu-scheduler');
  return { policy: namedPolicy(name), label: LABELS[name] };
}
