import type { ArrowFieldLike, ArrowTableLike } from '@mlops/contracts';
import { InvalidArgumentError, describeMatcher, describeType, isDate, isInt32, isInt64, isScalar, isTimestampLike, isUtf8Like, matchesType } from '@mlops/contracts';
import type { Entity, FeatureService, FeatureView, OnDemandFeatureView } from './definitions.js';
import { isFileSource } from './definitions.js';

/** Everything a feature store knows, validated and indexed. */
export interface Catalog {
  /** Entities by name. */
  readonly entities: ReadonlyMap<string, Entity>;
  /** Feature views by name. */
  readonly views: ReadonlyMap<string, FeatureView>;
  /** Feature services by name. */
  readonly services: ReadonlyMap<string, FeatureService>;
  /** On-demand views by name. */
  readonly onDemand: ReadonlyMap<string, OnDemandFeatureView>;
}

/** Join keys of a view, in entity order (each entity's keys in its order). */
export function joinKeysOf(catalog: Catalog, view: FeatureView): string[] {
  const keys: string[] = [];
  for (const e of view.entities) for (const k of catalog.entities.get(e)?.joinKeys ?? []) if (!keys.includes(k)) keys.push(k);
  return keys;
}

/** Entity value type declared for a join key, if any. */
export function keyValueType(catalog: Catalog, view: FeatureView, key: string): Entity['valueType'] {
  for (const e of view.entities) {
    const entity = catalog.entities.get(e);
    if (entity?.joinKeys.includes(key)) return entity.valueType;
  }
  return undefined;
}

function keyTypeMatches(valueType: Entity['valueType'], field: ArrowFieldLike): boolean {
  if (valueType === 'string') return isUtf8Like(field.type);
  if (valueType === 'int32') return isInt32(field.type);
  if (valueType === 'int64') return isInt64(field.type);
  return isUtf8Like(field.type) || isInt32(field.type) || isInt64(field.type);
}

/**
 * Problems of a source schema against its view: missing or mistyped join keys, timestamp
 * columns and features. Empty when the source fits.
 */
export function sourceSchemaProblems(catalog: Catalog, view: FeatureView, fields: readonly ArrowFieldLike[], only?: readonly string[]): string[] {
  const problems: string[] = [];
  // A read of some columns is checked for those columns only.
  const wanted = (column: string) => only === undefined || only.includes(column);
  const byName = new Map(fields.map((f) => [f.name, f]));
  const where = `view "${view.name}" source`;
  const columns = fields.map((f) => f.name).join(', ');
  for (const key of joinKeysOf(catalog, view)) {
    if (!wanted(key)) continue;
    const field = byName.get(key);
    const valueType = keyValueType(catalog, view, key);
    const expected = valueType ?? 'Utf8, Int32 or Int64';
    if (!field) problems.push(`${where}: join key "${key}" expected (${expected}), not found among [${columns}]`);
    else if (!keyTypeMatches(valueType, field)) problems.push(`${where}: join key "${key}" expected ${expected}, found ${describeType(field.type)}`);
  }
  for (const [col, what] of [
    [view.timestampColumn, 'timestamp column'],
    [view.createdTimestampColumn, 'created timestamp column'],
  ] as const) {
    if (col === undefined || !wanted(col)) continue;
    const field = byName.get(col);
    if (!field) problems.push(`${where}: ${what} "${col}" expected (Timestamp), not found among [${columns}]`);
    else if (!isTimestampLike(field.type) && !isDate(field.type)) problems.push(`${where}: ${what} "${col}" expected a Timestamp (any unit) or Int64 epoch ms, found ${describeType(field.type)}`);
  }
  for (const feature of view.features) {
    if (!wanted(feature.name)) continue;
    const field = byName.get(feature.name);
    if (!field) problems.push(`${where}: feature "${feature.name}" expected${feature.type ? ` (${describeMatcher(feature.type)})` : ''}, not found among [${columns}]`);
    else if (feature.type !== undefined ? !matchesType(feature.type, field.type) : !isScalar(field.type) && !isTimestampLike(field.type)) {
      problems.push(`${where}: feature "${feature.name}" expected ${feature.type ? describeMatcher(feature.type) : 'a scalar (numeric, Bool, Utf8) or Timestamp'}, found ${describeType(field.type)}`);
    }
  }
  return problems;
}

/** Options accepted by {@link buildCatalog}. */
export interface CatalogInput {
  entities: readonly Entity[];
  views: readonly FeatureView[];
  services?: readonly FeatureService[];
  onDemand?: readonly OnDemandFeatureView[];
}

function splitRef(ref: string): [string, string] {
  const i = ref.indexOf(':');
  return [ref.slice(0, i), ref.slice(i + 1)];
}

/** Validates every definition against the others and the in-memory sources; one error lists every problem. */
export function buildCatalog(input: CatalogInput): Catalog {
  const problems: string[] = [];
  const entities = new Map<string, Entity>();
  const views = new Map<string, FeatureView>();
  const services = new Map<string, FeatureService>();
  const onDemand = new Map<string, OnDemandFeatureView>();
  const kinds = [
    ['entities', input.entities, entities, 'entity'],
    ['views', input.views, views, 'featureView'],
    ['services', input.services ?? [], services, 'featureService'],
    ['onDemand', input.onDemand ?? [], onDemand, 'onDemandFeatureView'],
  ] as const;
  for (const [option, list, map, kind] of kinds) {
    if (!Array.isArray(list)) {
      problems.push(`${option}: expected an array, found ${typeof list}`);
      continue;
    }
    for (const item of list as readonly { kind?: string; name?: string }[]) {
      if (item?.kind !== kind) {
        problems.push(`${option}: expected objects made by define${kind[0]!.toUpperCase()}${kind.slice(1)}(), found ${JSON.stringify(item?.name ?? item)}`);
        continue;
      }
      const name = item.name!;
      if (map.has(name)) problems.push(`${option}: duplicate name "${name}" (names must be unique)`);
      else (map as Map<string, unknown>).set(name, item);
    }
  }
  for (const name of onDemand.keys()) if (views.has(name)) problems.push(`onDemand: "${name}" is also a feature view name (they share one namespace)`);
  const catalog: Catalog = { entities, views, services, onDemand };
  for (const view of views.values()) {
    const unknown = view.entities.filter((e) => !entities.has(e));
    for (const e of unknown) problems.push(`view "${view.name}": unknown entity "${e}" (known: ${[...entities.keys()].join(', ') || 'none'})`);
    const keys = joinKeysOf(catalog, view);
    const reserved = new Set([...keys, view.timestampColumn, ...(view.createdTimestampColumn ? [view.createdTimestampColumn] : [])]);
    const seen = new Set<string>();
    for (const f of view.features) {
      if (reserved.has(f.name)) problems.push(`view "${view.name}": feature "${f.name}" is also a join key or timestamp column`);
      if (seen.has(f.name)) problems.push(`view "${view.name}": feature "${f.name}" is listed twice`);
      seen.add(f.name);
    }
    if (!isFileSource(view.source)) {
      const table = view.source as ArrowTableLike;
      problems.push(...sourceSchemaProblems(catalog, view, table.schema.fields));
    }
  }
  const hasFeature = (ref: string, allowStar: boolean): string | undefined => {
    const [viewName, feature] = splitRef(ref);
    const view = views.get(viewName);
    const odfv = onDemand.get(viewName);
    if (!view && !odfv) return `unknown view "${viewName}"`;
    if (feature === '*' && allowStar) return undefined;
    const names = (view?.features ?? odfv?.features ?? []).map((f) => f.name);
    return names.includes(feature) ? undefined : `view "${viewName}" has no feature "${feature}" (it has ${names.join(', ')})`;
  };
  for (const service of services.values()) {
    for (const ref of service.features) {
      const problem = hasFeature(ref, true);
      if (problem) problems.push(`service "${service.name}": ref "${ref}": ${problem}`);
    }
  }
  for (const odfv of onDemand.values()) {
    for (const ref of odfv.sources) {
      const problem = views.has(splitRef(ref)[0]) ? hasFeature(ref, false) : `"${splitRef(ref)[0]}" is not a feature view`;
      if (problem) problems.push(`onDemand "${odfv.name}": source "${ref}": ${problem}`);
    }
  }
  if (problems.length > 0) {
    throw new InvalidArgumentError(
      `createFeatureStore found ${problems.length} problem${problems.length === 1 ? '' : 's'} in the definitions:\n- ${problems.join('\n- ')}\nFix each definition (or its source) and create the store again.`,
      { details: { problems } },
    );
  }
  return catalog;
}
