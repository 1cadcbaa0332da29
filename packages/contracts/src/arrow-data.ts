import { Vector, makeData, vectorFromArray, TimeUnit } from 'apache-arrow';
import { UnsupportedError } from '@mlops/contracts/errors';
import type { Bool, Data, DataType, DateMillisecond, Dictionary, Int32, Int64, Timestamp, Utf8 } from 'apache-arrow';
import { ArrowTypeId, describeType } from './type-kinds.js';

type Decoded = ArrayLike<unknown>;

function validity(values: Decoded, length: number): { bitmap: Uint8Array | undefined; nullCount: number } {
  let nullCount = 0;
  for (let i = 0; i < length; i++) if (values[i] === null || values[i] === undefined) nullCount++;
  if (nullCount === 0) return { bitmap: undefined, nullCount };
  const bitmap = new Uint8Array(((length + 63) >> 6) << 3);
  for (let i = 0; i < length; i++) if (values[i] !== null && values[i] !== undefined) bitmap[i >> 3]! |= 1 << (i & 7);
  return { bitmap, nullCount };
}

const TIME_SCALE: Record<number, bigint> = { [TimeUnit.SECOND]: 1n, [TimeUnit.MILLISECOND]: 1000n, [TimeUnit.MICROSECOND]: 1_000_000n, [TimeUnit.NANOSECOND]: 1_000_000_000n };

/**
 * Builds one Arrow `Data` of `type` from decoded values (a typed array, or a JS array with
 * null/undefined for nulls: numbers, bigints, booleans or strings as the type needs).
 * `sourceTimeScale`: ticks per second of the source timestamp unit, to rescale to the type's.
 * `dictionary`: the encoder that keeps one growing dictionary across a column's batches.
 */
export function arrowDataFromValues(type: DataType, values: Decoded, length: number, options: { sourceTimeScale?: bigint; dictionary?: Utf8DictionaryEncoder } = {}): Data {
  const id = type.typeId;
  const sourceTimeScale = options.sourceTimeScale;
  if (id === ArrowTypeId.Utf8) return utf8Data(type as Utf8, values, length);
  if (id === ArrowTypeId.Dictionary && (type as Dictionary).dictionary.typeId === ArrowTypeId.Utf8) {
    return (options.dictionary ?? new Utf8DictionaryEncoder(type as Dictionary<Utf8, Int32>)).encode(values, length);
  }
  if (id === ArrowTypeId.LargeUtf8 || id === ArrowTypeId.Dictionary || id === ArrowTypeId.Binary) {
    const list = Array.isArray(values) ? (values as unknown[]) : Array.from(values);
    return vectorFromArray(list.map((v) => (v === undefined ? null : v)), type).data[0]!;
  }
  const { bitmap, nullCount } = validity(values, length);
  if (id === ArrowTypeId.Bool) {
    const bits = new Uint8Array(((length + 63) >> 6) << 3);
    for (let i = 0; i < length; i++) if (values[i] === true) bits[i >> 3]! |= 1 << (i & 7);
    return makeData({ type: type as Bool, length, nullCount, nullBitmap: bitmap ?? null, data: bits });
  }
  if (id === ArrowTypeId.Timestamp || (id === ArrowTypeId.Date && (type as DateMillisecond).unit === 1) || (id === ArrowTypeId.Int && (type as Int64).bitWidth === 64)) {
    const out = (id === ArrowTypeId.Int && !(type as Int64).isSigned) ? new BigUint64Array(length) : new BigInt64Array(length);
    const words = new Int32Array(out.buffer);
    const target = id === ArrowTypeId.Timestamp ? TIME_SCALE[(type as Timestamp).unit]! : 1n;
    const source = sourceTimeScale ?? target;
    for (let i = 0; i < length; i++) {
      const v = values[i];
      if (v === null || v === undefined) continue;
      if (typeof v === 'number' && source === target && Number.isSafeInteger(v)) {
        // Safe integers go in as two 32-bit halves: no BigInt allocated per value.
        const hi = Math.floor(v / 4294967296);
        words[2 * i] = v - hi * 4294967296;
        words[2 * i + 1] = hi;
        continue;
      }
      let b = typeof v === 'bigint' ? v : BigInt(Math.trunc(Number(v)));
      if (source !== target) b = source > target ? b / (source / target) : b * (target / source);
      out[i] = b as never;
    }
    return makeData({ type: type as Int64, length, nullCount, nullBitmap: bitmap ?? null, data: out as unknown as BigInt64Array });
  }
  const ArrayType = (type as unknown as { ArrayType: new (n: number) => Int32Array | Float64Array }).ArrayType;
  let out: Int32Array | Float64Array;
  if (nullCount === 0 && values instanceof ArrayType) out = values;
  else {
    out = new ArrayType(length);
    for (let i = 0; i < length; i++) {
      const v = values[i];
      if (v !== null && v !== undefined) out[i] = Number(v);
    }
  }
  return makeData({ type: type as Int32, length, nullCount, nullBitmap: bitmap ?? null, data: out as Int32Array });
}

// Strings are encoded in one pass: byte lengths give the offsets, one Buffer.from encodes them
// all. An order of magnitude less garbage than encoding value by value.
function utf8Data(type: Utf8, values: Decoded, length: number): Data<Utf8> {
  const { bitmap, nullCount } = validity(values, length);
  const offsets = new Int32Array(length + 1);
  const parts = new Array<string>(length);
  let bytes = 0;
  for (let i = 0; i < length; i++) {
    const v = values[i];
    const s = v === null || v === undefined ? '' : String(v);
    parts[i] = s;
    bytes += Buffer.byteLength(s, 'utf8');
    offsets[i + 1] = bytes;
  }
  const data = Buffer.from(parts.join(''), 'utf8');
  return makeData({ type, length, nullCount, nullBitmap: bitmap ?? null, valueOffsets: offsets, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) });
}

/**
 * Encodes string batches against one growing dictionary. Each batch's dictionary vector is the
 * previous one plus a chunk of new strings, which Arrow IPC writes as a delta: batches built this
 * way can go into an IPC *file* (which forbids replacing a dictionary) and share codes.
 */
export class Utf8DictionaryEncoder {
  private readonly lookup = new Map<string, number>();
  private chunks: Data<Utf8>[] = [];

  constructor(private readonly type: Dictionary<Utf8, Int32>) {}

  /** Starts from an existing dictionary (its strings keep their codes). */
  seed(strings: readonly (string | null)[], chunks: readonly Data<Utf8>[]): void {
    strings.forEach((s, i) => {
      if (s !== null && !this.lookup.has(s)) this.lookup.set(s, i);
    });
    this.chunks = [...chunks];
  }

  /** The dictionary vector as of the last `encode`. */
  dictionary(): Vector<Utf8> {
    if (this.chunks.length === 0) this.chunks.push(utf8Data(this.type.dictionary, [], 0));
    return new Vector(this.chunks);
  }

  /** Encodes values (strings, null/undefined for nulls) as one dictionary `Data`. */
  encode(values: Decoded, length: number): Data<Dictionary<Utf8, Int32>> {
    const { bitmap, nullCount } = validity(values, length);
    const IndexArray = (this.type.indices as unknown as { ArrayType: new (n: number) => Int32Array }).ArrayType;
    const codes = new IndexArray(length);
    const wide = (this.type.indices as unknown as { bitWidth: number }).bitWidth === 64;
    const maxCode = wide ? Number.MAX_SAFE_INTEGER : 2 ** ((this.type.indices as unknown as { bitWidth: number }).bitWidth - ((this.type.indices as unknown as { isSigned: boolean }).isSigned ? 1 : 0)) - 1;
    const fresh: string[] = [];
    for (let i = 0; i < length; i++) {
      const v = values[i];
      if (v === null || v === undefined) continue;
      const s = String(v);
      let code = this.lookup.get(s);
      if (code === undefined) {
        code = this.lookup.size;
        if (code > maxCode) {
          throw new UnsupportedError(`Dictionary column has more than ${maxCode + 1} distinct strings, more than its ${describeType(this.type.indices)} indices can address. Use Int32 indices or a plain Utf8 column.`);
        }
        this.lookup.set(s, code);
        fresh.push(s);
      }
      (codes as unknown as (number | bigint)[])[i] = wide ? BigInt(code) : code;
    }
    if (fresh.length > 0 || this.chunks.length === 0) this.chunks.push(utf8Data(this.type.dictionary, fresh, fresh.length));
    return makeData({ type: this.type, length, nullCount, nullBitmap: bitmap ?? null, data: codes, dictionary: new Vector(this.chunks) });
  }
}
