import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError, NotFoundError } from '@mlops/contracts';
import { readAlibabaNodes, readAlibabaPods, readPhillyTrace, type TraceJob } from './trace-readers.js';
import type { NodeSpec } from './types.js';

/**
 * Names of the bundled traces (`traces/`, see `traces/PROVENANCE.md`). Philly ships in the npm
 * package; Alibaba (research or study use only) is in the repository but not in the tarball.
 */
export type BundledTraceName = 'philly' | 'alibaba';

/** The names {@link simulate} and {@link bundledTrace} accept. */
export const BUNDLED_TRACES: readonly BundledTraceName[] = ['philly', 'alibaba'];

/** Files of the bundled traces, absolute paths inside the installed package. */
export interface BundledTraceFiles {
  /** Philly job table, gzip (`readPhillyTrace` reads `.gz` directly). */
  philly: string;
  /** Alibaba GPU v2023 node list (`openb_node_list_gpu_node.csv`). */
  alibabaNodes: string;
  /** Alibaba GPU v2023 pod list (`openb_pod_list_default.csv`). */
  alibabaPods: string;
}

/**
 * Absolute paths of the bundled trace files. They sit in `traces/` beside `dist/` (and `src/`),
 * so one relative URL works from source, ESM and CJS builds (tsup shims `import.meta.url`).
 */
export function bundledTraceFiles(): BundledTraceFiles {
  const dir = new URL('../traces/', import.meta.url);
  const at = (p: string): string => fileURLToPath(new URL(p, dir));
  return {
    philly: at('philly-jobs.csv.gz'),
    alibabaNodes: at('alibaba-gpu-v2023/openb_node_list_gpu_node.csv'),
    alibabaPods: at('alibaba-gpu-v2023/openb_pod_list_default.csv'),
  };
}

/** A bundled trace with the cluster it is replayed on by default. */
export interface BundledTrace {
  /** Trace name. */
  name: BundledTraceName;
  /** Jobs in submit order. */
  jobs: TraceJob[];
  /**
   * Default cluster: Philly -> 60 nodes of 8 P100s (480 GPUs, the smallest size Tiresias'
   * evaluation replays the trace on); Alibaba -> the trace's own 1,213 GPU nodes.
   */
  nodes: NodeSpec[];
}

/** Options of {@link bundledTrace}. */
export interface BundledTraceOptions {
  /** Keep at most this many jobs (in submit order). */
  limit?: number;
  /** Philly only: number of 8-GPU nodes of the default cluster. Default 60 (480 GPUs). */
  phillyNodes?: number;
}

/** Nodes of `count` x 8 P100s in racks of 4, the machines of Philly's servers. */
export function phillyCluster(count = 60): NodeSpec[] {
  return Array.from({ length: count }, (_, i) => ({ id: `philly-node-${i}`, gpuModel: 'P100', gpuCount: 8, topologyDomain: `rack-${i >> 2}` }));
}

/**
 * Loads a trace shipped with the package: `'philly'` (82,247 jobs, Microsoft Philly, CC BY 4.0)
 * or `'alibaba'` (8,152 pods and 1,213 nodes, Alibaba GPU v2023). Provenance and licences:
 * `traces/PROVENANCE.md` in the package.
 */
export function bundledTrace(name: BundledTraceName, options: BundledTraceOptions = {}): BundledTrace {
  if (!BUNDLED_TRACES.includes(name)) {
    throw new InvalidArgumentError(
      `bundledTrace: unknown trace ${JSON.stringify(name)}; expected one of ${BUNDLED_TRACES.join(', ')}. For your own file use readPhillyTrace({ path }) or readAlibabaPods({ path }).`,
    );
  }
  const files = bundledTraceFiles();
  const file = name === 'philly' ? files.philly : files.alibabaPods;
  if (name === 'alibaba' && !existsSync(file)) {
    // alibaba/clusterdata grants research or study use only, so the npm tarball leaves it out.
    throw new NotFoundError(
      `bundledTrace: the Alibaba GPU v2023 trace is not in the published package (its licence allows research or study use only); expected ${file}. Download cluster-trace-gpu-v2023/csv from github.com/alibaba/clusterdata and read it with readAlibabaPods({ path }) and readAlibabaNodes({ path }), or run from a clone of the mlops repository.`,
    );
  }
  if (!existsSync(file)) {
    throw new InvalidArgumentError(`bundledTrace: ${file} is missing; expected the package's traces/ folder. Reinstall @mlops/gpu-scheduler (its "files" include traces/).`);
  }
  const lim = options.limit === undefined ? {} : { limit: options.limit };
  if (name === 'philly') return { name, jobs: readPhillyTrace({ path: file, ...lim }), nodes: phillyCluster(options.phillyNodes ?? 60) };
  return { name, jobs: readAlibabaPods({ path: file, ...lim }), nodes: readAlibabaNodes({ path: files.alibabaNodes }) };
}
