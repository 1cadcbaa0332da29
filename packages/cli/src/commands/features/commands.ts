import path from 'node:path';
import { leaf } from '../../cli/command.js';
import type { MlopsCommand } from '../../cli/command.js';
import { usageError } from '../../cli/usage-error.js';
import { allValues, formatTable, integerArg } from '../../cli/values.js';
import { loadDefinitions, openFeatureStore } from './definitions-file.js';
import type { FeatureDefinitions } from './definitions-file.js';

const DEFS = { definitions: { type: 'positional', description: 'features.json, features.ts or features.js', required: true } } as const;

function timeArg(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms)) throw usageError(`${name}: expected an ISO time or epoch milliseconds, found "${value}".`);
  return ms;
}

function allFeatureRefs(defs: FeatureDefinitions): string[] {
  return defs.views.flatMap((v) => v.features.map((f) => `${v.name}:${f.name}`));
}

/** `--entity user_id=1,2,3`: join-key values; numbers stay numbers. */
function entityArgs(values: readonly string[]): Record<string, (string | number)[]> {
  const out: Record<string, (string | number)[]> = {};
  for (const v of values) {
    const at = v.indexOf('=');
    if (at <= 0) throw usageError(`--entity "${v}": expected <join key>=<value>[,<value>...], e.g. --entity user_id=1001,1002.`);
    out[v.slice(0, at)] = v.slice(at + 1).split(',').map((x) => (/^-?\d+$/.test(x) ? Number(x) : x));
  }
  if (Object.keys(out).length === 0) throw usageError('Give the entities to look up, e.g. --entity user_id=1001,1002.');
  return out;
}

const apply = leaf({
  meta: { name: 'apply', description: 'Check a definitions file (entities, feature views, services) and print the catalog' },
  args: { ...DEFS },
  async run(args, ctx) {
    const defs = await loadDefinitions(path.resolve(ctx.cwd, args.definitions));
    const store = await openFeatureStore(defs);
    await store.close();
    const catalog = {
      entities: defs.entities.map((e) => ({ name: e.name, joinKeys: e.joinKeys })),
      views: defs.views.map((v) => ({ name: v.name, entities: v.entities, features: v.features.map((f) => f.name), ttlMs: v.ttlMs ?? null })),
      services: defs.services.map((s) => s.name),
      online: defs.online.type,
    };
    if (ctx.json) return ctx.outJson(catalog);
    ctx.out(formatTable(['VIEW', 'ENTITIES', 'FEATURES', 'TTL'], catalog.views.map((v) => [v.name, v.entities.join(','), v.features.join(','), v.ttlMs === null ? '-' : `${v.ttlMs / 3_600_000} h`])));
    ctx.out(`${catalog.entities.length} entities, ${catalog.views.length} feature views, ${catalog.services.length} services; online store: ${catalog.online}`);
  },
});

const materialize = leaf({
  meta: { name: 'materialize', description: 'Load the latest feature values in a time range into the online store (Redis, or memory for a dry run)' },
  args: {
    ...DEFS,
    start: { type: 'string', description: 'From (ISO time or epoch ms; default the epoch)', valueHint: 'time' },
    end: { type: 'string', description: 'To (default now)', valueHint: 'time' },
    views: { type: 'string', description: 'Only these views (comma-separated)', valueHint: 'a,b' },
  },
  async run(args, ctx) {
    const defs = await loadDefinitions(path.resolve(ctx.cwd, args.definitions));
    const store = await openFeatureStore(defs);
    try {
      const result = await store.materialize({ start: timeArg(args.start, '--start', 0), end: timeArg(args.end, '--end', Date.now()), ...(args.views ? { views: args.views.split(',') } : {}) });
      if (ctx.json) return ctx.outJson({ online: defs.online.type, ...result });
      for (const v of result.views) ctx.out(JSON.stringify(v));
      if (defs.online.type === 'memory') ctx.err('note: the online store is in memory (this process only); set "online": { "type": "redis", "url": ... } to keep the values');
    } finally {
      await store.close();
    }
  },
});

const get = leaf({
  meta: { name: 'get', description: 'Online feature values for some entities (materializes first when the online store is in memory)' },
  args: {
    ...DEFS,
    entity: { type: 'string', description: '<join key>=<v1>,<v2>; repeatable', valueHint: 'key=values', required: true },
    features: { type: 'string', description: 'view:feature refs or a service name (default: every feature)', valueHint: 'refs' },
    at: { type: 'string', description: 'Read as of this time (TTL checks; default now)', valueHint: 'time' },
  },
  async run(args, ctx, raw) {
    const defs = await loadDefinitions(path.resolve(ctx.cwd, args.definitions));
    const now = timeArg(args.at, '--at', Date.now());
    const store = await openFeatureStore(defs, () => now);
    try {
      if (defs.online.type === 'memory') await store.materialize({ start: 0, end: now });
      const refs = args.features ? args.features.split(',') : allFeatureRefs(defs);
      const entities = entityArgs(allValues(raw, 'entity'));
      const result = await store.getOnlineFeatures({ features: refs.length === 1 && !refs[0]!.includes(':') ? refs[0]! : refs, entities });
      if (ctx.json) return ctx.outJson(result);
      const keys = Object.keys(entities);
      const n = entities[keys[0]!]!.length;
      ctx.out(
        formatTable(
          [...keys, ...result.featureNames],
          Array.from({ length: n }, (_, i) => [...keys.map((k) => String(entities[k]![i])), ...result.featureNames.map((f) => {
            const col = result.features[f]!;
            return col.statuses[i] === 'PRESENT' ? String(col.values[i]) : col.statuses[i]!;
          })]),
        ),
      );
    } finally {
      await store.close();
    }
  },
});

const serve = leaf({
  meta: { name: 'serve', description: 'A feature server speaking Feast JSON (POST /get-online-features, /push)' },
  args: {
    ...DEFS,
    port: { type: 'string', description: 'Port (0: any free port)', default: '6566', valueHint: 'port' },
    host: { type: 'string', description: 'Interface to bind', default: '127.0.0.1', valueHint: 'addr' },
  },
  async run(args, ctx) {
    const port = integerArg(args.port, '--port', { min: 0, max: 65535 })!;
    const defs = await loadDefinitions(path.resolve(ctx.cwd, args.definitions));
    const store = await openFeatureStore(defs);
    if (defs.online.type === 'memory') await store.materialize({ start: 0, end: Date.now() });
    const { createFeatureServer } = await import('@mlops/features');
    const server = await createFeatureServer({ store, port, host: args.host });
    if (ctx.json) ctx.outJson({ url: server.url, port: server.port });
    else ctx.out(`feature server on ${server.url} (Feast JSON: POST ${server.url}/get-online-features); SIGTERM stops`);
    await new Promise<void>((resolve) => {
      process.once('SIGTERM', () => resolve());
      process.once('SIGINT', () => resolve());
    });
    await server.close();
    await store.close();
  },
});

/** The `mlops features ...` commands. */
export const featuresCommands: Record<string, MlopsCommand> = { apply, materialize, get, serve };
