import { InvalidArgumentError } from '@mlops/contracts';

// Compute slices and memory slices per MIG-capable GPU (NVIDIA MIG user guide, "Supported profiles").
const MIG_SLICES: Record<string, { compute: number; memory: number }> = {
  A100: { compute: 7, memory: 8 },
  A30: { compute: 4, memory: 4 },
  H100: { compute: 7, memory: 8 },
  H200: { compute: 7, memory: 8 },
  B200: { compute: 7, memory: 8 },
};

/** Options for {@link migProfileFraction}. */
export interface MigFractionOptions {
  /** GPU model (A100, A30, H100, H200, B200). Default `A100`. */
  gpuModel?: string;
  /** Charge by compute slices (`7g` = whole GPU; default) or by memory slices. */
  basis?: 'compute' | 'memory';
}

/**
 * The fraction of one GPU a MIG profile holds, for `quantity` in UsageRecord rows. `3g.40gb` on an
 * A100 is 3/7 of the GPU by compute slices; `1g.10gb` is 1/7. With `basis: 'memory'`, the memory
 * slice count (e.g. `4g.40gb` -> 4/8) is used instead.
 *
 * @throws InvalidArgumentError for a profile that is not `<n>g.<m>gb` or a model without MIG.
 */
export function migProfileFraction(profile: string, options: MigFractionOptions = {}): number {
  const model = (options.gpuModel ?? 'A100').toUpperCase().replace(/[-_ ].*$/, '');
  const slices = MIG_SLICES[model];
  if (!slices) {
    throw new InvalidArgumentError(`GPU model "${options.gpuModel}" has no MIG profiles here; expected one of ${Object.keys(MIG_SLICES).join(', ')}.`);
  }
  const m = /^(?:mig-)?(\d+)g\.(\d+)gb(?:\+me)?$/i.exec(profile.trim());
  if (!m) throw new InvalidArgumentError(`MIG profile "${profile}" should look like "3g.40gb" (compute slices "g", memory "gb").`);
  const compute = Number(m[1]);
  if (compute < 1 || compute > slices.compute) {
    throw new InvalidArgumentError(`MIG profile "${profile}" asks for ${compute} compute slices, but a ${model} has ${slices.compute}.`);
  }
  if ((options.basis ?? 'compute') === 'compute') return compute / slices.compute;
  // Memory slices are not in the name; profiles use ceil(compute * memory / compute-slices) slices,
  // except the 7g profiles, which take all of them.
  const memSlices = compute === slices.compute ? slices.memory : Math.min(slices.memory, compute === 3 && slices.memory === 8 ? 4 : compute);
  return memSlices / slices.memory;
}

/** The GPU fraction held by one of `replicas` time-slicing shares of a GPU (NVIDIA device plugin `replicas`). */
export function timeSliceFraction(replicas: number): number {
  if (!(Number.isInteger(replicas) && replicas >= 1)) {
    throw new InvalidArgumentError(`Time-slicing replicas must be an integer >= 1, found ${replicas}.`);
  }
  return 1 / replicas;
}

/** The GPU fraction of a `gpu_milli` request (thousandths of a GPU, as in the Alibaba GPU trace). */
export function gpuMilliFraction(gpuMilli: number): number {
  if (!(Number.isFinite(gpuMilli) && gpuMilli >= 0)) {
    throw new InvalidArgumentError(`gpu_milli must be a number >= 0 (1000 = one whole GPU), found ${gpuMilli}.`);
  }
  return gpuMilli / 1000;
}
