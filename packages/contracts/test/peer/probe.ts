// Run in a child process with the optional peers hidden: importing the package root must
// succeed, and only the Parquet functions fail, with MISSING_PEER_DEPENDENCY.
import { MlopsError, tableToIpc, readParquet, tableToParquet } from '@mlops/contracts';
import { tableFromArrays } from 'apache-arrow';

const report: Record<string, unknown> = { rootImported: typeof tableToIpc === 'function' };
try {
  await readParquet(new Uint8Array([1, 2, 3]));
} catch (error) {
  report.read = { code: MlopsError.isInstance(error) ? error.code : 'other', message: (error as Error).message };
}
try {
  await tableToParquet(tableFromArrays({ a: new Float64Array([1]) }));
} catch (error) {
  report.write = { code: MlopsError.isInstance(error) ? error.code : 'other', message: (error as Error).message };
}
process.stdout.write(JSON.stringify(report));
