/** Inputs of {@link asOfJoin}: entity rows and feature rows with dense key codes and times. */
export interface AsOfJoinInput {
  /** Key code per entity row, in `[0, keyCount)`. */
  entityCodes: Int32Array;
  /** Entity (label) time per row, epoch ms. */
  entityTimes: Float64Array;
  /** Number of distinct key codes. */
  keyCount: number;
  /** Key code per feature row; -1 = no entity has this key. */
  featureCodes: Int32Array;
  /** Event time per feature row, epoch ms (NaN rows never match). */
  featureTimes: Float64Array;
  /** Created time per feature row (tie-break, NaN loses), or null. */
  featureCreated: Float64Array | null;
  /** TTL in ms; 0 = none. */
  ttlMs: number;
}

// Counting sort of row indices by key code (stable: rows keep their order inside a key).
function groupByCode(codes: Int32Array, keep: (i: number) => boolean, keyCount: number): { order: Int32Array; starts: Int32Array } {
  const starts = new Int32Array(keyCount + 1);
  let kept = 0;
  for (let i = 0; i < codes.length; i++) {
    if (keep(i)) {
      starts[codes[i]! + 1]!++;
      kept++;
    }
  }
  for (let k = 0; k < keyCount; k++) starts[k + 1]! += starts[k]!;
  const cursor = starts.slice(0, keyCount);
  const order = new Int32Array(kept);
  for (let i = 0; i < codes.length; i++) if (keep(i)) order[cursor[codes[i]!]!++] = i;
  return { order, starts };
}

// Sorts each key group by `compare`, skipping groups that are already in order (the common case
// for sources written in time order).
function sortGroups(order: Int32Array, starts: Int32Array, compare: (a: number, b: number) => number): void {
  for (let k = 0; k + 1 < starts.length; k++) {
    const from = starts[k]!;
    const to = starts[k + 1]!;
    if (to - from < 2) continue;
    let sorted = true;
    for (let i = from + 1; i < to; i++) {
      if (compare(order[i - 1]!, order[i]!) > 0) {
        sorted = false;
        break;
      }
    }
    if (!sorted) order.subarray(from, to).sort(compare);
  }
}

/**
 * Point-in-time as-of join by sort-merge: for each entity row, the index of the feature row
 * with the same key and the greatest event time `<=` the entity time (ties: greatest created
 * time, then the later row), or -1 when there is none or it is older than `entity time - ttl`.
 * Memory is O(entity rows + feature rows): the inputs are never multiplied.
 */
export function asOfJoin(input: AsOfJoinInput): Int32Array {
  const { entityCodes, entityTimes, keyCount, featureCodes, featureTimes, featureCreated, ttlMs } = input;
  const result = new Int32Array(entityCodes.length).fill(-1);
  if (entityCodes.length === 0 || keyCount === 0) return result;
  let maxEntity = -Infinity;
  let minEntity = Infinity;
  for (let i = 0; i < entityTimes.length; i++) {
    const t = entityTimes[i]!;
    if (t > maxEntity) maxEntity = t;
    if (t < minEntity) minEntity = t;
  }
  // Feast's pre-filter: rows after the last entity time, or before the first one minus the TTL, can never match.
  const lowest = ttlMs > 0 ? minEntity - ttlMs : -Infinity;
  const feature = groupByCode(
    featureCodes,
    (i) => {
      const t = featureTimes[i]!;
      return featureCodes[i]! >= 0 && t <= maxEntity && t >= lowest;
    },
    keyCount,
  );
  sortGroups(feature.order, feature.starts, (a, b) => {
    const d = featureTimes[a]! - featureTimes[b]!;
    if (d !== 0) return d;
    if (featureCreated) {
      const ca = featureCreated[a]!;
      const cb = featureCreated[b]!;
      if (ca !== cb) {
        if (ca !== ca) return -1;
        if (cb !== cb) return 1;
        return ca - cb;
      }
    }
    return a - b;
  });
  const entity = groupByCode(entityCodes, () => true, keyCount);
  sortGroups(entity.order, entity.starts, (a, b) => entityTimes[a]! - entityTimes[b]! || a - b);
  const fOrder = feature.order;
  for (let k = 0; k < keyCount; k++) {
    let p = feature.starts[k]!;
    const pEnd = feature.starts[k + 1]!;
    if (p === pEnd) continue;
    const pStart = p;
    for (let e = entity.starts[k]!; e < entity.starts[k + 1]!; e++) {
      const row = entity.order[e]!;
      const t = entityTimes[row]!;
      while (p < pEnd && featureTimes[fOrder[p]!]! <= t) p++;
      if (p === pStart) continue;
      const match = fOrder[p - 1]!;
      if (ttlMs > 0 && featureTimes[match]! < t - ttlMs) continue;
      result[row] = match;
    }
  }
  return result;
}
