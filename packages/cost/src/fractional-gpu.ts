import { InvalidArgumentError } from '@mlops/contracts';

/** One MIG profile: compute slices (of 7) and memory slices (of 8) it holds. */
interface MigProfile {
  compute: number;
  memory: number;
}

// NVIDIA MIG profile tables: NVIDIA MIG user guide "Supported MIG profiles" (A100-SXM4-40GB rows
// 1g.5gb 1/8 memory, 2g.10gb 2/8, 3g.20gb 4/8), NVIDIA/mig-parted config-default.yaml (instance
// counts, which fix the double-memory 1g profiles at 2 slices), NVML placement sizes (memory
// slices occupied: 1, 2, 2, 4, 4, 8). Every one of these GPUs has 7 compute and 8 memory slices;
// `+me` (media extensions) variants hold the same slices as their base profile.
const TABLE = (p5: string, p10: string, p20: string, full: string): Record<string, MigProfile> => ({
  [`1g.${p5}`]: { compute: 1, memory: 1 },
  [`1g.${p10}`]: { compute: 1, memory: 2 },
  [`2g.${p10}`]: { compute: 2, memory: 2 },
  [`3g.${p20}`]: { compute: 3, memory: 4 },
  [`4g.${p20}`]: { compute: 4, memory: 4 },
  [`7g.${full}`]: { compute: 7, memory: 8 },
});
const MIG_TABLES: Record<string, Record<string, MigProfile>> = {
  'A100-40GB': TABLE('5gb', '10gb', '20gb', '40gb'),
  'A100-80GB': TABLE('10gb', '20gb', '40gb', '80gb'),
  'H100-80GB': TABLE('10gb', '20gb', '40gb', '80gb'),
  'H200-141GB': TABLE('18gb', '35gb', '71gb', '141gb'),
  // A30-24GB has 4 compute and 4 memory slices (same guide): 1g.6gb x4, 2g.12gb x2, 4g.24gb x1.
  'A30-24GB': { '1g.6gb': { compute: 1, memory: 1 }, '2g.12gb': { compute: 2, memory: 2 }, '4g.24gb': { compute: 4, memory: 4 } },
};
const SLICES: Record<string, { compute: number; memory: number }> = { 'A30-24GB': { compute: 4, memory: 4 } };
const slicesOf = (t: string) => SLICES[t] ?? { compute: 7, memory: 8 };
// A model name without memory: H100 and H200 have one MIG table here; A100 has two (40 and 80 GB).
const FAMILY: Record<string, string[]> = { A100: ['A100-40GB', 'A100-80GB'], H100: ['H100-80GB'], H200: ['H200-141GB'], A30: ['A30-24GB'] };

function tablesFor(gpuModel: string): string[] {
  const up = gpuModel.toUpperCase();
  const family = /(A100|H100|H200|A30)/.exec(up)?.[1];
  if (!family) return [];
  const gb = /(\d+)\s*GB/.exec(up)?.[1];
  const all = FAMILY[family]!;
  return gb ? all.filter((t) => t.endsWith(`-${gb}GB`)) : all;
}

/** Options for {@link migProfileFraction}. */
export interface MigFractionOptions {
  /**
   * GPU model: `A100-40GB`, `A100-80GB`, `H100-80GB` (or `H100`), `H200-141GB` (or `H200`), `A30`; names
   * such as `NVIDIA A100-SXM4-80GB` work too. A bare `A100` resolves by the profile name when only
   * one of the two A100 tables has it. Default `A100`.
   */
  gpuModel?: string;
  /** Charge by compute slices (of 7; default) or by memory slices (of 8). */
  basis?: 'compute' | 'memory';
}

/**
 * The fraction of one GPU a MIG profile holds, for `quantity` in UsageRecord rows, from NVIDIA's
 * MIG profile tables for the A100-40GB, A100-80GB, H100-80GB, H200 and A30. By compute slices,
 * `3g.40gb` is 3/7; by memory slices it is 4/8, and `1g.20gb` on an H100 is 2/8. Accepts
 * `mig-` / `nvidia.com/mig-` prefixes and `+me` variants.
 *
 * @throws InvalidArgumentError for a profile the GPU does not have (`3g.40gb` on an A100-40GB,
 *   listing the ones it has), a model without a MIG table here, or a bare `A100` profile whose
 *   memory share differs between the 40 GB and 80 GB tables.
 */
export function migProfileFraction(profile: string, options: MigFractionOptions = {}): number {
  const model = options.gpuModel ?? 'A100';
  const basis = options.basis ?? 'compute';
  const tables = tablesFor(model);
  if (!tables.length) {
    throw new InvalidArgumentError(`GPU model "${model}" has no MIG profile table here; expected one of ${Object.keys(MIG_TABLES).join(', ')} (or A100, H100, H200).`);
  }
  const name = profile.trim().toLowerCase().replace(/^(?:nvidia\.com\/)?mig-/, '').replace(/\+me$/, '');
  if (!/^\d+g\.\d+gb$/.test(name)) throw new InvalidArgumentError(`MIG profile "${profile}" should look like "3g.40gb" (compute slices "g", memory "gb").`);
  const hits = tables.filter((t) => MIG_TABLES[t]![name]);
  if (!hits.length) {
    const have = tables.map((t) => `${t}: ${Object.keys(MIG_TABLES[t]!).join(', ')}`).join('; ');
    throw new InvalidArgumentError(`MIG profile "${profile}" does not exist on ${tables.join(' or ')} (${model}). Profiles there: ${have}.`);
  }
  const fractions = hits.map((t) => (basis === 'compute' ? MIG_TABLES[t]![name]!.compute / slicesOf(t).compute : MIG_TABLES[t]![name]!.memory / slicesOf(t).memory));
  if (fractions.some((f) => f !== fractions[0])) {
    throw new InvalidArgumentError(
      `MIG profile "${profile}" holds ${hits.map((t, k) => `${fractions[k]! * slicesOf(t).memory}/${slicesOf(t).memory} of the memory on ${t}`).join(' but ')}; give gpuModel as ${hits.join(' or ')}.`,
    );
  }
  return fractions[0]!;
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
