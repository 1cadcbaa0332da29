import { InvalidArgumentError } from '@mlops/contracts';
import { fairShareOrdering, fifoOrdering, shortestJobFirstOrdering, tiresiasOrdering } from './ordering-policies.js';
import type { SchedulerPolicy } from './scheduler.js';

/** Policy names for command lines and configs. */
export type PolicyName = 'fifo' | 'las' | 'tiresias' | 'sjf' | 'drf';

/** Every {@link PolicyName}, in a stable order. */
export const POLICY_NAMES: readonly PolicyName[] = ['fifo', 'las', 'tiresias', 'sjf', 'drf'];

/**
 * A ready policy by name: `fifo` (arrival order), `las` (Tiresias 2D-LAS with preemption),
 * `tiresias` (the same plus the starvation guard, factor 8), `sjf` (shortest job first; needs
 * `estimatedDurationMs`), `drf` (weighted dominant-resource fair share across queues).
 */
export function namedPolicy(name: PolicyName): SchedulerPolicy {
  switch (name) {
    case 'fifo':
      return { ordering: fifoOrdering() };
    case 'las':
      return { ordering: tiresiasOrdering(), preemption: true };
    case 'tiresias':
      return { ordering: tiresiasOrdering({ starvationFactor: 8 }), preemption: true };
    case 'sjf':
      return { ordering: shortestJobFirstOrdering() };
    case 'drf':
      return { ordering: fairShareOrdering() };
    default:
      throw new InvalidArgumentError(`namedPolicy: unknown policy ${JSON.stringify(name)}; expected one of ${POLICY_NAMES.join(', ')}.`);
  }
}
