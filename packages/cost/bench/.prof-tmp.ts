import { aggregateCosts, attributeCosts, samplePriceCatalog } from '/work/main/packages/cost/src/index.js';
import { syntheticUsage, syntheticUsageTable } from '/work/main/packages/cost/bench/synthetic-usage.js';
const records = Number(process.argv[2] ?? 200000), nodeCount = Number(process.argv[3] ?? 200);
const H = 3_600_000;
const u = syntheticUsage(records, nodeCount);
const usage = syntheticUsageTable(u);
const prices = samplePriceCatalog();
const window = { step: 'hour' as const, start: u.t0, end: u.t0 + u.hours * H };
const assets = Array.from({ length: nodeCount }, (_, k) => ({ node: `node-${String(k).padStart(4, '0')}`, instanceType: 'p4d.24xlarge', region: 'us-east-1', pricingModel: k % 10 < 3 ? ('spot' as const) : ('on-demand' as const) }));
for (let r = 0; r < 2; r++) {
  let t = performance.now();
  const costs = attributeCosts({ usage, prices, assets, window });
  const t1 = performance.now() - t; t = performance.now();
  const agg = aggregateCosts(costs, { groupBy: ['team', 'model'], window: 'hour' });
  console.log(`attr ${t1.toFixed(0)} ms agg ${(performance.now() - t).toFixed(0)} ms rows ${costs.numRows} groups ${agg.numRows}`);
}
