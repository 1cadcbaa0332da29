import { readFloat64Column, toStringArray } from '@mlops/contracts';
import { createProfileBuilder } from '@mlops/drift';
import type { Profile, ProfileBuilder } from '@mlops/drift';
import { tableFromArrays } from 'apache-arrow';
import type { Table } from 'apache-arrow';

/** Selects the rows of `version` and the given columns, as Float64 columns. */
export function selectRows(tables: readonly Table[], columns: readonly string[], keep: (row: number, table: Table) => boolean): Table {
  const values: number[][] = columns.map(() => []);
  for (const t of tables) {
    const cols = columns.map((c) => readFloat64Column(t, c));
    for (let r = 0; r < t.numRows; r++) {
      if (!keep(r, t)) continue;
      for (let c = 0; c < cols.length; c++) values[c]!.push(cols[c]![r]!);
    }
  }
  return tableFromArrays(Object.fromEntries(columns.map((c, i) => [c, Float64Array.from(values[i]!)])));
}

/** An in-process monitor for `@mlops/serve`'s `monitor` option: one drift profile per model version. */
export interface VersionProfileMonitor {
  /** Called by the server with each logged `PredictionLog` batch. */
  observe(table: Table): void;
  /** The profile of each version's logged inputs so far. */
  profiles(): Map<string, Profile>;
}

/**
 * `@mlops/serve` hands a monitor each prediction-log batch; `@mlops/drift` exports profiles,
 * not a monitor object, so this is the few lines between them: keep a mergeable profile of the
 * `columns` per model version, to compare with the reference profile without keeping the rows.
 */
export function createVersionProfileMonitor(columns: readonly string[]): VersionProfileMonitor {
  const builders = new Map<string, ProfileBuilder>();
  return {
    observe(table) {
      const versions = toStringArray(table.getChild('model_version')!, 'model_version');
      for (const version of new Set(versions)) {
        if (version === null) continue;
        let builder = builders.get(version);
        if (!builder) builders.set(version, (builder = createProfileBuilder()));
        builder.add(selectRows([table], columns, (r) => versions[r] === version));
      }
    },
    profiles: () => new Map([...builders].map(([v, b]) => [v, b.finish()])),
  };
}
