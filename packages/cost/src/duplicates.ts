// Interval bounds are whole milliseconds, so hashing their integer halves is enough; quantity
// and request only take part in the full compare.
function mix(h: number, x: number): number {
  h = Math.imul(h ^ (x >>> 0), 0x9e3779b1);
  h = Math.imul(h ^ ((x / 4294967296) | 0), 0x85ebca77);
  return h ^ (h >>> 16);
}

/**
 * Rows that repeat an earlier row exactly (same workload group, interval, quantity and request):
 * the signature of a usage export read twice. Open addressing on row numbers with a full field
 * compare on every hit, so hash collisions never produce false duplicates.
 */
export function findDuplicateRows(
  n: number,
  group: Int32Array,
  start: Float64Array,
  end: Float64Array,
  quantity: Float64Array,
  request: Float64Array,
  onDuplicate: (row: number, firstRow: number) => void,
): void {
  let cap = 1024;
  while (cap < n * 2) cap *= 2;
  const table = new Int32Array(cap);
  const mask = cap - 1;
  for (let i = 0; i < n; i++) {
    let h = mix(mix(Math.imul(group[i]! + 1, 0x27d4eb2d), start[i]!), end[i]!);
    h &= mask;
    while (true) {
      const j = table[h]! - 1;
      if (j < 0) {
        table[h] = i + 1;
        break;
      }
      if (
        group[j] === group[i] &&
        start[j] === start[i] &&
        end[j] === end[i] &&
        quantity[j] === quantity[i] &&
        (request[j] === request[i] || (Number.isNaN(request[j]!) && Number.isNaN(request[i]!)))
      ) {
        onDuplicate(i, j);
        break;
      }
      h = (h + 1) & mask;
    }
  }
}
