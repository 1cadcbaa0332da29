import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Entity, FeatureService, FeatureStore, FeatureView, OnlineStoreV1 } from '@mlops/features';
import { requireFile } from '../../cli/data-files.js';
import { usageError } from '../../cli/usage-error.js';

/** What a definitions file declares. */
export interface FeatureDefinitions {
  entities: Entity[];
  views: FeatureView[];
  services: FeatureService[];
  /** `memory` (default) or `redis` with a URL. */
  online: { type: 'memory' } | { type: 'redis'; url: string; keyPrefix?: string };
}

interface JsonDefinitions {
  entities?: unknown[];
  views?: unknown[];
  services?: unknown[];
  online?: { type?: string; url?: string; keyPrefix?: string };
}

/**
 * Loads `features.json` (plain definitions; view sources are `{ "path": "data/x.parquet" }`, relative
 * to the file) or a `features.ts` / `.js` module exporting `entities`, `views`, optional `services`
 * and `online` (built with `defineEntity` / `defineFeatureView`).
 */
export async function loadDefinitions(file: string): Promise<FeatureDefinitions> {
  await requireFile(file, 'Definitions file');
  const f = await import('@mlops/features');
  const base = path.dirname(file);
  let raw: JsonDefinitions;
  let fromModule = false;
  if (file.endsWith('.json')) {
    try {
      raw = JSON.parse(await readFile(file, 'utf8')) as JsonDefinitions;
    } catch (error) {
      throw usageError(`Definitions file ${file}: not valid JSON (${(error as Error).message}).`, error);
    }
  } else if (/\.(m?[jt]s)$/.test(file)) {
    fromModule = true;
    raw = (await importModule(file)) as JsonDefinitions;
  } else throw usageError(`Definitions file ${file}: expected .json, .ts or .js.`);
  if (!Array.isArray(raw.entities) || !Array.isArray(raw.views)) throw usageError(`Definitions file ${file}: expected "entities" and "views" arrays.`);
  const entities = fromModule ? (raw.entities as Entity[]) : raw.entities.map((e) => f.defineEntity(e as Parameters<typeof f.defineEntity>[0]));
  // Relative source paths are relative to the definitions file (JSON or module), like any config file,
  // so `mlops features get defs/features.ts` reads the same data from any working directory.
  const relativeTo = <S>(source: S): S => {
    const src = (source as { path?: unknown } | undefined)?.path;
    return typeof src === 'string' && !path.isAbsolute(src) && !/^[a-z][a-z0-9+.-]*:\/\//i.test(src) ? { ...source, path: path.resolve(base, src) } : source;
  };
  const views = fromModule
    ? (raw.views as FeatureView[]).map((v) => {
        const source = relativeTo(v.source);
        return source === v.source ? v : (Object.freeze({ ...v, source }) as FeatureView);
      })
    : raw.views.map((v) => {
        const spec = v as Parameters<typeof f.defineFeatureView>[0] & { source: { path?: string } };
        return f.defineFeatureView({ ...spec, source: relativeTo(spec.source) } as Parameters<typeof f.defineFeatureView>[0]);
      });
  const services = fromModule ? ((raw.services ?? []) as FeatureService[]) : (raw.services ?? []).map((s) => f.defineFeatureService(s as Parameters<typeof f.defineFeatureService>[0]));
  const online = raw.online?.type === 'redis' ? { type: 'redis' as const, url: raw.online.url ?? 'redis://127.0.0.1:6379', ...(raw.online.keyPrefix ? { keyPrefix: raw.online.keyPrefix } : {}) } : { type: 'memory' as const };
  return { entities, views, services, online };
}

async function importModule(file: string): Promise<unknown> {
  const url = pathToFileURL(file).href;
  if (!file.endsWith('.ts')) return normalizeModule(await import(url));
  // TypeScript definitions need tsx (installed with the workspace; `npm i -D tsx` elsewhere).
  let api: { tsImport(specifier: string, parent: string): Promise<unknown> };
  try {
    api = (await import('tsx/esm/api')) as typeof api;
  } catch {
    throw usageError(`Definitions file ${file}: loading TypeScript needs tsx (npm i -D tsx), or write it as .js or .json.`);
  }
  return normalizeModule(await api.tsImport(url, import.meta.url ?? pathToFileURL(__filename).href));
}

function normalizeModule(mod: unknown): unknown {
  const m = mod as { default?: unknown };
  return m.default && typeof m.default === 'object' && 'views' in (m.default as object) ? m.default : mod;
}

/** A feature store over the definitions, with their online store (memory, or Redis through @mlops/features/redis). */
export async function openFeatureStore(defs: FeatureDefinitions, clock?: () => number): Promise<FeatureStore> {
  const f = await import('@mlops/features');
  let online: OnlineStoreV1;
  if (defs.online.type === 'redis') {
    const { createRedisOnlineStore } = await import('@mlops/features/redis');
    online = createRedisOnlineStore({ url: defs.online.url, ...(defs.online.keyPrefix ? { keyPrefix: defs.online.keyPrefix } : {}) });
  } else online = f.createMemoryOnlineStore();
  return f.createFeatureStore({ entities: defs.entities, views: defs.views, services: defs.services, online, ...(clock ? { clock } : {}) });
}
