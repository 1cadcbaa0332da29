import { runPlatformFlow } from './platform-flow.js';
import { formatSummary } from './summary.js';

const result = await runPlatformFlow({ log: (line) => console.log(`- ${line}`) });
console.log();
console.log(formatSummary(result));
console.log();
console.log(result.gpu.table);
