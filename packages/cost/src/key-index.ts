/**
 * An open-addressing hash index from non-negative integer keys (< 2^53, held in float64) to dense
 * slot numbers 0, 1, 2... in first-seen order. Built on typed arrays: the attribution hot loop
 * does tens of millions of lookups, where a `Map<number, number>` is several times slower.
 */
export class KeyIndex {
  private keys: Float64Array;
  private slots: Int32Array;
  private mask: number;
  /** Keys in slot order. */
  slotKeys: Float64Array;
  /** Number of distinct keys seen. */
  size = 0;

  constructor(expected = 1024) {
    let cap = 1024;
    while (cap < expected * 2) cap *= 2;
    this.keys = new Float64Array(cap);
    this.slots = new Int32Array(cap).fill(-1);
    this.mask = cap - 1;
    this.slotKeys = new Float64Array(Math.max(16, expected));
  }

  private static hash(key: number): number {
    const lo = key >>> 0;
    const hi = (key / 4294967296) >>> 0;
    let h = Math.imul(lo ^ Math.imul(hi, 0x27d4eb2d), 0x9e3779b1);
    h ^= h >>> 15;
    return Math.imul(h, 0x85ebca77) ^ (h >>> 13);
  }

  /** The slot of `key`, inserting it when new. */
  slot(key: number): number {
    let i = KeyIndex.hash(key) & this.mask;
    const keys = this.keys;
    const slots = this.slots;
    while (true) {
      const s = slots[i]!;
      if (s < 0) break;
      if (keys[i] === key) return s;
      i = (i + 1) & this.mask;
    }
    const s = this.size++;
    keys[i] = key;
    slots[i] = s;
    if (s >= this.slotKeys.length) {
      const grown = new Float64Array(this.slotKeys.length * 2);
      grown.set(this.slotKeys);
      this.slotKeys = grown;
    }
    this.slotKeys[s] = key;
    if (this.size * 2 > this.mask) this.grow();
    return s;
  }

  /** The key stored in slot `s`. */
  keyOf(s: number): number {
    return this.slotKeys[s]!;
  }

  /** The slot of `key`, or -1. */
  find(key: number): number {
    let i = KeyIndex.hash(key) & this.mask;
    while (true) {
      const s = this.slots[i]!;
      if (s < 0) return -1;
      if (this.keys[i] === key) return s;
      i = (i + 1) & this.mask;
    }
  }

  private grow(): void {
    const cap = (this.mask + 1) * 2;
    const keys = new Float64Array(cap);
    const slots = new Int32Array(cap).fill(-1);
    const mask = cap - 1;
    for (let s = 0; s < this.size; s++) {
      const key = this.slotKeys[s]!;
      let i = KeyIndex.hash(key) & mask;
      while (slots[i]! >= 0) i = (i + 1) & mask;
      keys[i] = key;
      slots[i] = s;
    }
    this.keys = keys;
    this.slots = slots;
    this.mask = mask;
  }
}

/** The part of {@link KeyIndex} the asset-cell code uses, so a dense identity index can stand in. */
export interface CellIndex {
  slot(key: number): number;
  find(key: number): number;
  keyOf(slot: number): number;
  readonly size: number;
}

/**
 * Identity index over [0, size): used when (windows x nodes x resources) is small enough to
 * address directly, which skips hashing on the per-slice lookups.
 */
export class DenseIndex implements CellIndex {
  constructor(readonly size: number) {}
  slot(key: number): number {
    return key;
  }
  find(key: number): number {
    return key >= 0 && key < this.size ? key : -1;
  }
  keyOf(slot: number): number {
    return slot;
  }
}
