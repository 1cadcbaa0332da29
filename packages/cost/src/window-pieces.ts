/** Record-windows ("pieces") bucketed by window, in record order within each window. */
export interface WindowPieces {
  /** Pieces of window w (relative to w0) are `rec[offsets[w]]` .. `rec[offsets[w + 1] - 1]`. */
  offsets: Int32Array;
  /** Record number of each piece. */
  rec: Int32Array;
}

/** What {@link pieceRecords} needs to know about records and the attributed range. */
export interface PieceInput {
  n: number;
  start: Float64Array;
  end: Float64Array;
  /** Asset of each record (-1: priced without a node). */
  asset: Int32Array;
  assetStart: Float64Array;
  assetEnd: Float64Array;
  rangeStart: number;
  rangeEnd: number;
  stepMs: number;
  w0: number;
  /** Number of windows from w0. */
  W: number;
  /** Records that overlap the range but run outside their node's lifetime (they get no pieces). */
  onOutside: (row: number, asset: number) => void;
  /** Records entirely outside the range (they get no pieces). */
  onOutOfRange: (row: number) => void;
}

/**
 * Counting sort of every record's windows by window: two linear passes over the records, no
 * hashing. Each window's pieces are then handled on their own, so the working set stays small
 * (one window of records, one window of node cells) whatever the input size.
 */
export function pieceRecords(x: PieceInput): WindowPieces {
  const { n, start, end, asset, assetStart, assetEnd, rangeStart, rangeEnd, stepMs, w0, W } = x;
  const offsets = new Int32Array(W + 1);
  const first = new Int32Array(n);
  const last = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const s = start[i]! > rangeStart ? start[i]! : rangeStart;
    const e = end[i]! < rangeEnd ? end[i]! : rangeEnd;
    if (!(e > s)) {
      first[i] = 0;
      last[i] = -1;
      x.onOutOfRange(i);
      continue;
    }
    const a = asset[i]!;
    if (a >= 0 && (s < assetStart[a]! || e > assetEnd[a]!)) {
      first[i] = 0;
      last[i] = -1;
      x.onOutside(i, a);
      continue;
    }
    const wa = Math.floor(s / stepMs) - w0;
    const wb = Math.ceil(e / stepMs) - 1 - w0;
    first[i] = wa;
    last[i] = wb;
    for (let w = wa; w <= wb; w++) offsets[w + 1]!++;
  }
  for (let w = 0; w < W; w++) offsets[w + 1]! += offsets[w]!;
  const fill = offsets.slice(0, W);
  const rec = new Int32Array(offsets[W]!);
  for (let i = 0; i < n; i++) {
    const wb = last[i]!;
    for (let w = first[i]!; w <= wb; w++) rec[fill[w]!++] = i;
  }
  return { offsets, rec };
}
