import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aggregateCosts } from './aggregate-costs.js';
import { attributeAndAggregate } from './attribute-and-aggregate.js';
import { attributeCosts } from './attribute-costs.js';
import { readCategories, readNumbers } from './arrow-columns.js';
import { samplePriceCatalog } from './price-catalog.js';
import { H, T0, usageRowArbitrary, usageTable } from '../test/usage-fixtures.js';

const prices = samplePriceCatalog();
const row = usageRowArbitrary({
  nodes: ['a', 'b', 'a', 'b', null],
  kinds: ['gpu', 'cpu', 'memory', 'gpu', 'storage'],
  startMin: 0,
  startMax: 5 * H,
  maxLength: 3 * H,
  end: 6 * H,
  maxQuantity: 4,
  requests: false,
  skus: [null],
  labels: { team: ['t1', 't2', null], model: ['m1', 'm2', 'm3'] },
});

function columns(t: ReturnType<typeof aggregateCosts>): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const f of t.schema.fields) {
    const v = t.getChild(f.name)!;
    out[f.name] = ['team', 'model', 'node', 'resource_kind', 'sku', 'allocation'].includes(f.name)
      ? (() => {
          const c = readCategories(v, f.name);
          return Array.from(c.codes, (k) => c.values[k]);
        })()
      : Array.from(readNumbers(v, f.name, f.name.startsWith('window') ? 'time' : 'number'));
  }
  return out;
}

describe('attributeAndAggregate', () => {
  it('equals aggregateCosts(attributeCosts(...)) exactly, for every idle and shared option', () => {
    fc.assert(
      fc.property(
        fc.array(row, { minLength: 1, maxLength: 40 }),
        fc.constantFrom('hour', 'day', 'all'),
        fc.constantFrom<string[]>(['team', 'model'], ['node', 'team'], ['resource_kind', 'sku'], ['allocation']),
        fc.option(
          fc.record({
            mode: fc.constant('share' as const),
            by: fc.constantFrom('proportional' as const, 'even' as const),
            scope: fc.constantFrom('node' as const, 'cluster' as const),
          }),
          { nil: undefined }
        ),
        fc.option(
          fc.record({
            labels: fc.constant({ team: ['t2'] }),
            by: fc.constantFrom('proportional' as const, 'even' as const),
            scope: fc.constantFrom('node' as const, 'cluster' as const),
          }),
          { nil: undefined }
        ),
        (rows, window, groupBy, idle, shared) => {
          const opts = {
            usage: usageTable(rows, ['team', 'model']),
            prices,
            assets: [
              { node: 'a', instanceType: 'p3.16xlarge' },
              { node: 'b', instanceType: 'p3.16xlarge' },
            ],
            window: { step: 'hour' as const, start: T0, end: T0 + 6 * H },
            overcommit: 'scale' as const,
            duplicates: 'allow' as const,
            overlaps: 'allow' as const,
            ...(idle ? { idle } : {}),
            ...(shared ? { shared } : {}),
          };
          const aggregate = {
            groupBy,
            window: window as 'hour' | 'day' | 'all',
          };
          const fused = attributeAndAggregate({ ...opts, aggregate });
          const twoStep = aggregateCosts(attributeCosts(opts), aggregate);
          expect(columns(fused)).toEqual(columns(twoStep));
        }
      ),
      { numRuns: 60 }
    );
  });
});
