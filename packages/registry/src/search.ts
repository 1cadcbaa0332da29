import { InvalidArgumentError, NotFoundError } from '@mlops/contracts/errors';
import { compareRows, compileExpression, parseFilterExpression, parseOrderBy, topLevelClauses } from './filter.js';
import type { IndexCache } from './index-cache.js';
import { liveAliases, type ModelIndexState } from './model-index.js';
import { validateModelName } from './names.js';
import type { ModelVersionInfo, SearchOptions, SearchResult } from './registry-types.js';
import { mapLimit } from './store-ops.js';
import type { RegisteredModel, VersionSummary } from './types.js';

const DEFAULT_LIMIT = 1000;
const MAX_LIMIT = 10_000;

/** Versions that are not deleted (tombstones keep their number but are not listed or searched). */
function liveVersions(state: ModelIndexState): VersionSummary[] {
  return state.versions.filter((v) => v.status !== 'DELETED');
}

/** A version summary with its model name and the aliases that point at it. */
export function toInfo(name: string, summary: VersionSummary, aliases: Record<string, number>): ModelVersionInfo {
  return {
    name,
    ...summary,
    aliases: Object.entries(aliases)
      .filter(([, v]) => v === summary.version)
      .map(([a]) => a)
      .sort(),
  };
}

/** Every model with its version count and aliases. */
export async function listModels(indexes: IndexCache): Promise<RegisteredModel[]> {
  const states = await indexes.loadIndexes(await indexes.modelNames());
  const models: RegisteredModel[] = [];
  for (const state of states) {
    const versions = liveVersions(state);
    if (versions.length === 0 && !state.damage) continue;
    const model: RegisteredModel = {
      name: state.name,
      versionCount: versions.length,
      latestVersion: versions.at(-1)?.version ?? 0,
      aliases: liveAliases(state),
      createdAt: state.createdAt,
      updatedAt: state.updatedAt,
    };
    if (state.damage) model.damage = state.damage.map((d) => ({ ...d }));
    models.push(model);
  }
  return models;
}

/** Every version of a model, ascending. */
export async function listModelVersions(indexes: IndexCache, name: string): Promise<ModelVersionInfo[]> {
  validateModelName(name);
  const state = await indexes.loadIndex(name);
  if (liveVersions(state).length === 0) {
    throw new NotFoundError(`Model "${name}" does not exist. Register a version first, or check the name with listModels().`, { details: { name } });
  }
  const aliases = liveAliases(state);
  return liveVersions(state).map((v) => toInfo(name, v, aliases));
}

/** Searches versions of every model (or the models a `name` clause names) with the filter language. */
export async function searchModelVersions(indexes: IndexCache, opts: SearchOptions = {}): Promise<SearchResult> {
  const filterText = opts.filter ?? '';
  const expression = parseFilterExpression(filterText);
  const clauses = topLevelClauses(expression);
  const order = parseOrderBy(opts.orderBy);
  const limit = opts.limit ?? DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new InvalidArgumentError(`Expected limit to be a whole number from 1 to ${MAX_LIMIT}, found ${JSON.stringify(opts.limit)}.`);
  }
  const query = JSON.stringify([filterText, opts.orderBy ?? null]);
  let offset = 0;
  if (opts.pageToken !== undefined) {
    let decoded: unknown;
    try {
      decoded = JSON.parse(Buffer.from(opts.pageToken, 'base64url').toString('utf8'));
    } catch {
      decoded = undefined;
    }
    const token = decoded as { o?: unknown; q?: unknown } | undefined;
    if (!token || typeof token.o !== 'number' || token.q !== query) {
      throw new InvalidArgumentError('Invalid pageToken: pass the nextPageToken returned by the previous page of the same search (same filter and orderBy).');
    }
    offset = token.o;
  }
  // `name = 'x'` / `name IN (...)` narrow the models read; otherwise every model is searched.
  let names: string[] | undefined;
  for (const c of clauses) {
    if (c.field.kind === 'name' && (c.op === '=' || c.op === 'IN')) {
      const these = c.values.map(String).filter((n) => /^[A-Za-z0-9_-]+$/.test(n));
      names = names ? names.filter((n) => these.includes(n)) : these;
    }
  }
  // Without a name, every model is searched through the catalog snapshot.
  const states = names ? await mapLimit(names, 16, (name) => indexes.loadIndex(name)) : await indexes.loadIndexes(await indexes.modelNames());
  const predicate = compileExpression(expression);
  const rows: [string, VersionSummary, Record<string, number>][] = [];
  for (const state of states) {
    const aliases = liveAliases(state);
    const held = new Map<number, string[]>();
    for (const [alias, version] of Object.entries(aliases)) held.set(version, [...(held.get(version) ?? []), alias]);
    for (const v of liveVersions(state)) if (predicate(state.name, v, held.get(v.version) ?? [])) rows.push([state.name, v, aliases]);
  }
  const cmp = compareRows(order);
  rows.sort((a, b) => cmp([a[0], a[1]], [b[0], b[1]]));
  const page = rows.slice(offset, offset + limit);
  const result: SearchResult = { versions: page.map(([name, v, aliases]) => toInfo(name, v, aliases)) };
  if (offset + limit < rows.length) result.nextPageToken = Buffer.from(JSON.stringify({ o: offset + limit, q: query })).toString('base64url');
  return result;
}
