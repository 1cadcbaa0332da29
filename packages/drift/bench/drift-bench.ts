// @mlops/drift benchmarks, each run side by side with its peer in one invocation.
//   npm run bench -w @mlops/drift                 # all three
//   npm run bench -w @mlops/drift -- tests        # 1: KS + Wasserstein + PSI vs scipy/numpy
//   npm run bench -w @mlops/drift -- profile      # 2: profiling an Arrow IPC file
//   npm run bench -w @mlops/drift -- evidently    # 3: wide reference vs current from IPC files
//   npm run bench -w @mlops/drift -- monitor      # 4: monitor.observe() throughput and memory
// Sizes: DRIFT_BENCH_ROWS, DRIFT_BENCH_COLUMNS, DRIFT_BENCH_PROFILE_ROWS, DRIFT_BENCH_WIDE_COLUMNS env vars.
// DRIFT_BENCH_KEEP=1 keeps the generated IPC files in $TMPDIR/mlops-drift-bench and reuses them on
// the next run when complete and of the same shape (the 1M x 1,000 pair is 2 x 7.6 GB).
// DRIFT_BENCH_WIDE_READER=arrow profiles benchmark 3 with RecordBatchReader + profileBatches
// instead of profileIpcFile (the previous, unbounded-memory path), for comparison.
import { runTestsBench } from './tests-bench.js';
import { runProfileBench } from './profile-bench.js';
import { runWideBench } from './wide-bench.js';
import { runMonitorBench } from './monitor-bench.js';

const which = process.argv[2] ?? 'all';
if (which === 'all' || which === 'tests') runTestsBench();
if (which === 'all' || which === 'profile') await runProfileBench();
if (which === 'all' || which === 'evidently') await runWideBench();
if (which === 'all' || which === 'monitor') runMonitorBench();
