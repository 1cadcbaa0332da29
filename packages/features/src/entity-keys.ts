import type { ArrowTableLike, ArrowVectorLike } from '@mlops/contracts';
import { InvalidArgumentError, SchemaMismatchError, countNulls, describeType, isInt32, isInt64, isUtf8Like, toCategoryCodes, toFloat64Array } from '@mlops/contracts';

/** Dense codes of entity keys: rows with equal keys share a code in `[0, size)`. */
export interface EntityKeyCodes {
  /** One code per entity row. */
  readonly codes: Int32Array;
  /** Number of distinct keys. */
  readonly size: number;
  /** Maps another table's key columns onto these codes (-1: a key no entity row has). */
  encode(table: ArrowTableLike, what: string): Int32Array;
}

type KeyKind = 'string' | 'number';

function keyKind(vector: ArrowVectorLike, column: string, what: string): KeyKind {
  if (isUtf8Like(vector.type)) return 'string';
  if (isInt32(vector.type) || isInt64(vector.type) || vector.type.typeId === 2 || vector.type.typeId === 3) return 'number';
  throw new SchemaMismatchError(`${what}: join key "${column}" must be Utf8, Int32 or Int64, found ${describeType(vector.type)}. Cast the column.`, {
    problems: [`${column}: expected entity key type, found ${describeType(vector.type)}`],
  });
}

function column(table: ArrowTableLike, name: string, what: string): ArrowVectorLike {
  const v = table.getChild(name);
  if (!v) {
    throw new SchemaMismatchError(`${what}: join key column "${name}" expected, found columns [${table.schema.fields.map((f) => f.name).join(', ')}]. Add the column.`, {
      problems: [`${name}: missing`],
    });
  }
  return v;
}

// Per-column dictionary: value -> dense code, built from the entity rows.
interface ColumnDict {
  kind: KeyKind;
  map: Map<string | number, number>;
}

function columnCodes(vector: ArrowVectorLike, dict: ColumnDict, grow: boolean): Int32Array {
  const out = new Int32Array(vector.length);
  if (dict.kind === 'string') {
    const { codes, categories } = toCategoryCodes(vector);
    const remap = new Int32Array(categories.length);
    for (let c = 0; c < categories.length; c++) {
      let code = dict.map.get(categories[c]!);
      if (code === undefined) {
        if (grow) dict.map.set(categories[c]!, (code = dict.map.size));
        else code = -1;
      }
      remap[c] = code;
    }
    for (let i = 0; i < out.length; i++) out[i] = codes[i]! < 0 ? -1 : remap[codes[i]!]!;
  } else {
    const values = toFloat64Array(vector);
    for (let i = 0; i < out.length; i++) {
      const v = values[i]!;
      if (v !== v) {
        out[i] = -1;
        continue;
      }
      let code = dict.map.get(v);
      if (code === undefined) {
        if (grow) dict.map.set(v, (code = dict.map.size));
        else code = -1;
      }
      out[i] = code;
    }
  }
  return out;
}

/**
 * Codes the entity rows' join keys densely. Null keys throw `INVALID_ARGUMENT` (they can never
 * match); 64-bit integer keys beyond 2^53 throw `UNSUPPORTED`-free `INVALID_ARGUMENT` too.
 */
export function codeEntityKeys(entityRows: ArrowTableLike, joinKeys: readonly string[], what: string): EntityKeyCodes {
  const dicts: ColumnDict[] = [];
  let combined: Int32Array | undefined;
  const pairMaps: Map<number, number>[] = [];
  for (const key of joinKeys) {
    const vector = column(entityRows, key, what);
    const { nullCount, firstNullRow } = countNulls(vector);
    if (nullCount > 0) {
      throw new InvalidArgumentError(`${what}: join key "${key}" has ${nullCount} null${nullCount === 1 ? '' : 's'} (first at row ${firstNullRow}); expected a key in every row. Drop or fill those rows.`, {
        details: { column: key, nullCount, firstNullRow },
      });
    }
    const kind = keyKind(vector, key, what);
    if (kind === 'number') checkSafeIntegers(vector, key, what);
    const dict: ColumnDict = { kind, map: new Map() };
    dicts.push(dict);
    const codes = columnCodes(vector, dict, true);
    if (!combined) combined = codes;
    else {
      const pair = new Map<number, number>();
      const width = dict.map.size;
      for (let i = 0; i < codes.length; i++) {
        const k = combined[i]! * width + codes[i]!;
        let c = pair.get(k);
        if (c === undefined) pair.set(k, (c = pair.size));
        combined[i] = c;
      }
      pairMaps.push(pair);
    }
  }
  const codes = combined ?? new Int32Array(entityRows.numRows);
  const size = pairMaps.length > 0 ? pairMaps[pairMaps.length - 1]!.size : (dicts[0]?.map.size ?? 1);
  return {
    codes,
    size,
    encode(table, tableWhat) {
      let out: Int32Array | undefined;
      joinKeys.forEach((key, k) => {
        const vector = column(table, key, tableWhat);
        const kind = keyKind(vector, key, tableWhat);
        if (kind !== dicts[k]!.kind) {
          throw new SchemaMismatchError(`${tableWhat}: join key "${key}" is ${describeType(vector.type)} but the entity rows' "${key}" is ${dicts[k]!.kind === 'string' ? 'a string' : 'an integer'} column. Use one type for the key everywhere.`, {
            problems: [`${key}: type differs from the entity rows`],
          });
        }
        const codesK = columnCodes(vector, dicts[k]!, false);
        if (!out) out = codesK;
        else {
          const pair = pairMaps[k - 1]!;
          const width = dicts[k]!.map.size;
          for (let i = 0; i < out.length; i++) {
            if (out[i]! < 0 || codesK[i]! < 0) out[i] = -1;
            else out[i] = pair.get(out[i]! * width + codesK[i]!) ?? -1;
          }
        }
      });
      return out ?? new Int32Array(table.numRows);
    },
  };
}

// Int64 keys are read as doubles: refuse values that a double cannot hold exactly.
function checkSafeIntegers(vector: ArrowVectorLike, key: string, what: string): void {
  if (!isInt64(vector.type)) return;
  const values = toFloat64Array(vector);
  for (let i = 0; i < values.length; i++) {
    if (Math.abs(values[i]!) > Number.MAX_SAFE_INTEGER) {
      throw new InvalidArgumentError(`${what}: join key "${key}" row ${i} is beyond 2^53 (${values[i]}); integer keys must be exact in a double. Use a string key column for such ids.`, {
        details: { column: key, row: i },
      });
    }
  }
}
