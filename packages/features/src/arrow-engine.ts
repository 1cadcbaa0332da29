import type { Vector } from 'apache-arrow';
import { readEpochMillisColumn } from '@mlops/contracts';
import { asOfJoin } from './as-of-join.js';
import type { EntityKeyCodes } from './entity-keys.js';
import { codeEntityKeys } from './entity-keys.js';
import { fullName } from './feature-refs.js';
import { gatherColumn } from './gather-column.js';
import type { HistoricalEngine, JoinPlan } from './join-plan.js';
import { checkPlausibleEpochMs } from './time.js';

/** The default engine: an in-process sort-merge as-of join over typed arrays. */
export function createArrowEngine(): HistoricalEngine {
  return {
    name: 'arrow',
    async join(plan: JoinPlan): Promise<Map<string, Vector>> {
      const out = new Map<string, Vector>();
      const keyCodes = new Map<string, EntityKeyCodes>();
      for (const part of plan.views) {
        const keyId = part.joinKeys.join('\u0000');
        let codes = keyCodes.get(keyId);
        if (!codes) keyCodes.set(keyId, (codes = codeEntityKeys(plan.entityRows, part.joinKeys, 'entity rows')));
        const what = `view "${part.view.name}" source`;
        const featureTimes = readEpochMillisColumn(part.source, part.view.timestampColumn);
        checkPlausibleEpochMs(featureTimes, `${what} column "${part.view.timestampColumn}"`);
        const created = part.view.createdTimestampColumn ? readEpochMillisColumn(part.source, part.view.createdTimestampColumn) : null;
        const rows = asOfJoin({
          entityCodes: codes.codes,
          entityTimes: plan.entityTimes,
          keyCount: codes.size,
          featureCodes: codes.encode(part.source, what),
          featureTimes,
          featureCreated: created,
          ttlMs: part.view.ttlMs,
        });
        for (const feature of part.features) out.set(fullName(part.view.name, feature), gatherColumn(part.source.getChild(feature)!, rows));
      }
      return out;
    },
  };
}
