import { InvalidArgumentError, NotFoundError } from '@mlops/contracts';
import type { Catalog } from './catalog.js';
import type { OnDemandFeatureView } from './definitions.js';

/** One requested feature, resolved. */
export interface ResolvedFeature {
  /** Feature view or on-demand view name. */
  readonly view: string;
  /** Feature name within the view. */
  readonly feature: string;
  /** Output column name: `view__feature`, or `feature` without full names. */
  readonly outputName: string;
  /** True for an on-demand feature. */
  readonly onDemand: boolean;
}

/** A feature request resolved against the catalog. */
export interface ResolvedRequest {
  /** Requested features in request order. */
  readonly features: readonly ResolvedFeature[];
  /** Feature views to read, with the features needed from each (requested ones and on-demand inputs). */
  readonly views: ReadonlyMap<string, readonly string[]>;
  /** On-demand views to compute, in request order. */
  readonly onDemand: readonly OnDemandFeatureView[];
}

/** Internal column name of a feature view's feature (always the full name). */
export function fullName(view: string, feature: string): string {
  return `${view}__${feature}`;
}

/**
 * Resolves `features` (refs `view:feature` / `view:*`, or a service name) to output columns.
 * Unknown refs throw `NOT_FOUND` listing all of them; output name collisions (with
 * `fullFeatureNames: false`, or with `reservedColumns`) throw `INVALID_ARGUMENT`.
 */
export function resolveFeatureRefs(catalog: Catalog, features: string | readonly string[], fullFeatureNames: boolean, reservedColumns: readonly string[] = []): ResolvedRequest {
  // A serving process asks for the same few feature lists on every request, and the catalog
  // never changes after createFeatureStore: resolve each list once. JSON keys are unambiguous
  // (a joined key could make an invalid list collide with a valid one); failures are not cached.
  let byKey = resolvedCache.get(catalog);
  if (byKey === undefined) resolvedCache.set(catalog, (byKey = new Map()));
  let key: string | undefined;
  try {
    key = JSON.stringify([fullFeatureNames, reservedColumns, features]);
  } catch {
    key = undefined;
  }
  const hit = key === undefined ? undefined : byKey.get(key);
  if (hit) return hit;
  const resolved = resolveUncached(catalog, features, fullFeatureNames, reservedColumns);
  if (key !== undefined) {
    if (byKey.size >= MAX_CACHED_REQUESTS) byKey.clear();
    byKey.set(key, resolved);
  }
  return resolved;
}

const MAX_CACHED_REQUESTS = 256;
const resolvedCache = new WeakMap<Catalog, Map<string, ResolvedRequest>>();

function resolveUncached(catalog: Catalog, features: string | readonly string[], fullFeatureNames: boolean, reservedColumns: readonly string[]): ResolvedRequest {
  let refs: readonly string[];
  if (typeof features === 'string') {
    const service = catalog.services.get(features);
    if (!service) {
      throw new NotFoundError(`Unknown feature service "${features}": known services are [${[...catalog.services.keys()].join(', ')}]. Pass a service name or a list of "view:feature" refs.`, {
        details: { service: features },
      });
    }
    refs = service.features;
  } else if (Array.isArray(features) && features.length > 0 && features.every((f) => typeof f === 'string')) {
    refs = features;
  } else {
    throw new InvalidArgumentError(`features: expected a non-empty list of "view:feature" refs or a feature service name, found ${JSON.stringify(features)}.`);
  }
  const out: ResolvedFeature[] = [];
  const unknown: string[] = [];
  const seen = new Set<string>();
  const push = (view: string, feature: string, onDemand: boolean) => {
    const key = `${view}:${feature}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ view, feature, outputName: fullFeatureNames ? fullName(view, feature) : feature, onDemand });
  };
  // Feature names per view, once per call: a 50-feature request names the same view 50 times.
  const namesByView = new Map<string, { names: string[]; set: Set<string> }>();
  for (const ref of refs) {
    const i = ref.indexOf(':');
    const viewName = i > 0 ? ref.slice(0, i) : ref;
    const feature = i > 0 ? ref.slice(i + 1) : '';
    const view = catalog.views.get(viewName);
    const odfv = catalog.onDemand.get(viewName);
    let known = namesByView.get(viewName);
    if (known === undefined) {
      const names = (view?.features ?? odfv?.features ?? []).map((f) => f.name);
      namesByView.set(viewName, (known = { names, set: new Set(names) }));
    }
    if (i <= 0 || (!view && !odfv)) unknown.push(`${ref} (no view "${viewName}")`);
    else if (feature === '*') for (const n of known.names) push(viewName, n, !view);
    else if (!known.set.has(feature)) unknown.push(`${ref} (view "${viewName}" has ${known.names.join(', ')})`);
    else push(viewName, feature, !view);
  }
  if (unknown.length > 0) {
    throw new NotFoundError(`Unknown feature ref${unknown.length === 1 ? '' : 's'}: ${unknown.join('; ')}. Refs are "view:feature"; known views: [${[...catalog.views.keys(), ...catalog.onDemand.keys()].join(', ')}].`, {
      details: { unknown },
    });
  }
  const names = new Map<string, string>();
  const collisions: string[] = [];
  for (const c of reservedColumns) names.set(c, `entity column "${c}"`);
  for (const f of out) {
    const previous = names.get(f.outputName);
    if (previous) collisions.push(`"${f.outputName}" (${f.view}:${f.feature} and ${previous})`);
    else names.set(f.outputName, `${f.view}:${f.feature}`);
  }
  if (collisions.length > 0) {
    throw new InvalidArgumentError(
      `Output column name collision: ${collisions.join('; ')}. ${fullFeatureNames ? 'Rename the entity column' : 'Use fullFeatureNames: true (names become view__feature)'} or request fewer features.`,
      { details: { collisions } },
    );
  }
  const views = new Map<string, string[]>();
  const needed = new Set<string>();
  const need = (view: string, feature: string) => {
    const key = `${view}:${feature}`;
    if (needed.has(key)) return;
    needed.add(key);
    const list = views.get(view);
    if (list) list.push(feature);
    else views.set(view, [feature]);
  };
  const onDemand: OnDemandFeatureView[] = [];
  for (const f of out) {
    if (!f.onDemand) need(f.view, f.feature);
    else {
      const odfv = catalog.onDemand.get(f.view)!;
      if (!onDemand.includes(odfv)) {
        onDemand.push(odfv);
        for (const s of odfv.sources) {
          const [v, feat] = s.split(':') as [string, string];
          need(v, feat);
        }
      }
    }
  }
  return { features: out, views, onDemand };
}
