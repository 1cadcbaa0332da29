import { Bool, Float64, Int64, Utf8, vectorFromArray } from 'apache-arrow';
import type { Vector } from 'apache-arrow';
import type { ArrowVectorLike } from '@mlops/contracts';
import { InvalidArgumentError, MlopsError, isUtf8Like, toFloat64Array, toStringArray } from '@mlops/contracts';
import type { OnDemandColumn, OnDemandFeatureView } from './definitions.js';

function toInput(vector: ArrowVectorLike): Float64Array | (string | null)[] {
  return isUtf8Like(vector.type) ? toStringArray(vector) : toFloat64Array(vector);
}

function toVector(column: OnDemandColumn, type: OnDemandFeatureView['features'][number]['type'], where: string): Vector {
  const n = column.length;
  const values = new Array<unknown>(n);
  for (let i = 0; i < n; i++) {
    const v = column[i];
    if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) values[i] = null;
    else if (type === 'float64' && typeof v === 'number') values[i] = v;
    else if (type === 'int64' && typeof v === 'number' && Number.isSafeInteger(v)) values[i] = BigInt(v);
    else if (type === 'bool' && (typeof v === 'boolean' || v === 0 || v === 1)) values[i] = Boolean(v);
    else if (type === 'utf8' && typeof v === 'string') values[i] = v;
    else throw new InvalidArgumentError(`${where}: row ${i} is ${JSON.stringify(v)}, expected ${type} (or null). Return values of the declared type.`, { details: { row: i } });
  }
  const arrowType = type === 'float64' ? new Float64() : type === 'int64' ? new Int64() : type === 'bool' ? new Bool() : new Utf8();
  return vectorFromArray(values, arrowType as never) as Vector;
}

/**
 * Runs an on-demand view's transform over `numRows` rows. `input(name)` returns a source
 * feature (by `view__feature`) or a request column. Outputs are checked: every declared
 * feature, the right length and type, or `INVALID_ARGUMENT`.
 */
export function runOnDemand(odfv: OnDemandFeatureView, numRows: number, input: (name: string) => ArrowVectorLike | undefined): Map<string, Vector> {
  const columns: Record<string, Float64Array | (string | null)[]> = {};
  const vectors: Record<string, ArrowVectorLike> = {};
  const missing: string[] = [];
  for (const name of [...odfv.sources.map((s) => s.replace(':', '__')), ...odfv.requestData]) {
    const v = input(name);
    if (!v) missing.push(name);
    else {
      columns[name] = toInput(v);
      vectors[name] = v;
    }
  }
  if (missing.length > 0) {
    throw new InvalidArgumentError(`On-demand view "${odfv.name}" needs request data [${missing.join(', ')}]: add ${missing.length === 1 ? 'that column' : 'those columns'} to the entity rows (offline) or requestData (online).`, {
      details: { missing },
    });
  }
  let output: Record<string, OnDemandColumn>;
  try {
    output = odfv.transform({ numRows, columns, vectors });
  } catch (error) {
    if (MlopsError.isInstance(error)) throw error;
    throw new MlopsError('TRANSFORM_FAILED', `On-demand view "${odfv.name}": the transform threw: ${(error as Error)?.message ?? String(error)}. Fix the transform.`, { cause: error });
  }
  const result = new Map<string, Vector>();
  for (const f of odfv.features) {
    const column = output?.[f.name];
    const where = `On-demand view "${odfv.name}" feature "${f.name}"`;
    if (!column || typeof column.length !== 'number') throw new InvalidArgumentError(`${where}: the transform returned no column for it; return { ${f.name}: [...] }.`);
    if (column.length !== numRows) throw new InvalidArgumentError(`${where}: expected ${numRows} values (one per row), found ${column.length}.`);
    result.set(f.name, toVector(column, f.type, where));
  }
  return result;
}
