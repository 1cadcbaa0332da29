import type { Vector } from 'apache-arrow';
import type { ArrowTableLike } from '@mlops/contracts';
import { readEpochMillisColumn } from '@mlops/contracts';
import { asOfJoin } from './as-of-join.js';
import type { ColumnAccumulator } from './column-accumulator.js';
import { createColumnAccumulator } from './column-accumulator.js';
import type { EntityKeyCodes } from './entity-keys.js';
import { codeEntityKeys } from './entity-keys.js';
import { fullName } from './feature-refs.js';
import { gatherColumn } from './gather-column.js';
import type { HistoricalEngine, JoinPlan, JoinPlanView } from './join-plan.js';
import { checkPlausibleEpochMs } from './time.js';

interface Prepared {
  featureCodes: Int32Array;
  featureTimes: Float64Array;
  created: Float64Array | null;
}

function prepare(part: JoinPlanView, source: ArrowTableLike, codes: EntityKeyCodes): Prepared {
  const what = `view "${part.view.name}" source`;
  const featureTimes = readEpochMillisColumn(source, part.view.timestampColumn);
  checkPlausibleEpochMs(featureTimes, `${what} column "${part.view.timestampColumn}"`);
  const created = part.view.createdTimestampColumn ? readEpochMillisColumn(source, part.view.createdTimestampColumn) : null;
  return { featureCodes: codes.encode(source, what), featureTimes, created };
}

/**
 * A file source read batch by batch: each batch is as-of joined on its own, and an entity row
 * keeps the best match seen so far (later event time, then later created time, then the later
 * batch), so memory holds the entity rows, the output and one batch.
 */
async function joinBatches(plan: JoinPlan, part: JoinPlanView, codes: EntityKeyCodes, batches: AsyncIterable<ArrowTableLike>, out: Map<string, Vector>): Promise<void> {
  const n = plan.entityRows.numRows;
  const bestTime = new Float64Array(n).fill(NaN);
  const bestCreated = new Float64Array(n).fill(-Infinity);
  let accumulators: ColumnAccumulator[] | undefined;
  for await (const batch of batches) {
    accumulators ??= part.features.map((f) => createColumnAccumulator(batch.getChild(f)!.type, n));
    const { featureCodes, featureTimes, created } = prepare(part, batch, codes);
    const rows = asOfJoin({ entityCodes: codes.codes, entityTimes: plan.entityTimes, keyCount: codes.size, featureCodes, featureTimes, featureCreated: created, ttlMs: part.view.ttlMs });
    const columns = part.features.map((f) => batch.getChild(f)!);
    for (let i = 0; i < n; i++) {
      const r = rows[i]!;
      if (r < 0) continue;
      const t = featureTimes[r]!;
      const c = created ? (created[r]! === created[r]! ? created[r]! : -Infinity) : -Infinity;
      const previous = bestTime[i]!;
      // Equal time and created time: the later batch wins, as a later row does within one table.
      if (previous === previous && (t < previous || (t === previous && c < bestCreated[i]!))) continue;
      bestTime[i] = t;
      bestCreated[i] = c;
      for (let k = 0; k < columns.length; k++) accumulators[k]!.set(i, columns[k]!, r);
    }
  }
  if (!accumulators) {
    // No batches at all: the columns are all null; their types come from a whole (empty) read.
    return;
  }
  part.features.forEach((f, k) => out.set(fullName(part.view.name, f), accumulators![k]!.finish()));
}

/** The default engine: an in-process sort-merge as-of join over typed arrays. */
export function createArrowEngine(): HistoricalEngine {
  return {
    name: 'arrow',
    readsBatches: true,
    async join(plan: JoinPlan): Promise<Map<string, Vector>> {
      const out = new Map<string, Vector>();
      const keyCodes = new Map<string, EntityKeyCodes>();
      for (const part of plan.views) {
        const keyId = part.joinKeys.join('\u0000');
        let codes = keyCodes.get(keyId);
        if (!codes) keyCodes.set(keyId, (codes = codeEntityKeys(plan.entityRows, part.joinKeys, 'entity rows')));
        if (part.batches) {
          await joinBatches(plan, part, codes, part.batches(), out);
          continue;
        }
        const source = part.source!;
        const { featureCodes, featureTimes, created } = prepare(part, source, codes);
        const rows = asOfJoin({ entityCodes: codes.codes, entityTimes: plan.entityTimes, keyCount: codes.size, featureCodes, featureTimes, featureCreated: created, ttlMs: part.view.ttlMs });
        for (const feature of part.features) out.set(fullName(part.view.name, feature), gatherColumn(source.getChild(feature)!, rows));
      }
      return out;
    },
  };
}
