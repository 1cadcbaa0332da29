// A Triton-style model repository: `<name>/<version>/model.onnx`, optional `<name>/config.json`,
// read from a directory or any ObjectStore prefix. config.json uses Triton's model-config JSON
// field names where Triton has one (max_batch_size, dynamic_batching, instance_group,
// version_policy) plus `execution_providers` and `input_map` / `output_map` renames.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { InvalidArgumentError, MlopsError, ErrorCode, NotFoundError } from '@mlops/contracts/errors';
import type { BatchingOptions } from './batcher.js';
import type { LoadModelOptions, SessionOptions } from './model.js';
import { readRegistryModel, type ModelRegistryEvent, type ModelRegistrySource } from './registry-source.js';

/** The part of an `@mlops/storage` `ObjectStore` a repository reads. */
export interface RepositoryObjectStore {
  /** Read a whole object (`NOT_FOUND` if absent). */
  get(key: string): Promise<{ body: Uint8Array }>;
  /** List objects under a prefix, in pages. */
  list(options?: { prefix?: string }): AsyncIterable<{ objects: ReadonlyArray<{ key: string }> }>;
}

/** The registry surface a registry-backed repository uses (an `@mlops/registry` registry fits as is). */
export interface RepositoryRegistry extends ModelRegistrySource {
  /** Every model, with its aliases (`{ alias: version }`). */
  listModels(): Promise<ReadonlyArray<{ name: string; aliases?: Readonly<Record<string, number>> }>>;
}

/**
 * A repository backed by a model registry: each registered model is served at the version
 * `alias` points to (default `latest`: the newest non-archived version), and reloaded when
 * that moves (registry events from this process at once, other processes by polling).
 */
export interface RegistryRepositorySource {
  /** Anything with `listModels`, `getModelVersion`, `openArtifact` (and optionally `onEvent`): an `@mlops/registry` registry. */
  registry: RepositoryRegistry;
  /** Serve the version this alias points to (default `latest`). Models without the alias are not served. */
  alias?: string;
  /** Re-resolve the alias of every served model this often, in ms (default 5000; 0: registry events only). */
  pollIntervalMs?: number;
}

/** Where a model repository lives: a directory path, an object store and key prefix, or a model registry. */
export type ModelRepositorySource = string | { store: RepositoryObjectStore; prefix?: string } | RegistryRepositorySource;

/** `<name>/config.json`: Triton field names where Triton has them. Every field is optional. */
export interface RepositoryModelConfig {
  /** 0: dim 0 is not a batch dimension (each request runs alone). >0: it is, and a batch holds at most this many rows. */
  max_batch_size?: number;
  /** Dynamic batcher settings (Triton's `dynamic_batching`). */
  dynamic_batching?: {
    preferred_batch_size?: number[];
    max_queue_delay_microseconds?: number;
    priority_levels?: number;
    default_priority_level?: number;
    default_queue_policy?: { max_queue_size?: number; default_timeout_microseconds?: number };
  };
  /** Worker threads: the sum of `count` over the groups (Triton's instance count). */
  instance_group?: Array<{ count?: number; kind?: string }>;
  /** Which versions to serve (default: the latest one). */
  version_policy?: { latest?: { num_versions?: number }; all?: Record<string, never>; specific?: { versions: Array<number | string> } };
  /** ONNX Runtime execution providers in order of preference, e.g. `["cuda", "cpu"]`. */
  execution_providers?: string[];
  /** Serve ONNX input names under other names: `{ "<onnx name>": "<served name>" }`. */
  input_map?: Record<string, string>;
  /** Serve ONNX output names under other names: `{ "<onnx name>": "<served name>" }`. */
  output_map?: Record<string, string>;
}

/** One loadable version found in the repository. */
export interface RepositoryVersion {
  version: string;
  /** Reads the ONNX bytes. */
  read(): Promise<Uint8Array>;
}

/** One model directory of the repository. */
export interface RepositoryModel {
  name: string;
  config: RepositoryModelConfig;
  /** Versions to serve under the config's version policy, ascending. */
  versions: RepositoryVersion[];
}

/** Reader of a repository. */
export interface ModelRepository {
  /** Names of the model directories. */
  names(): Promise<string[]>;
  /** Read one model's config and versions (`NOT_FOUND` if it has no directory). */
  model(name: string): Promise<RepositoryModel>;
  /** Only for repositories whose versions move on their own (a registry): the versions to serve now, without reading bytes. */
  currentVersions?(name: string): Promise<string[]>;
  /** Only for such repositories: call `changed(name)` when a model may have moved; returns a stop function. */
  watch?(changed: (name: string | undefined) => void): () => void;
}

const NAME = /^[A-Za-z0-9_.-]+$/;

function versionOrder(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  return Number.isFinite(na) && Number.isFinite(nb) ? na - nb : a.localeCompare(b);
}

function isRegistrySource(source: ModelRepositorySource): source is RegistryRepositorySource {
  return typeof source === 'object' && source !== null && 'registry' in source;
}

/** Open a repository from a directory path, `{ store, prefix }` or `{ registry, alias }`. */
export function openModelRepository(source: ModelRepositorySource): ModelRepository {
  if (isRegistrySource(source)) return registryRepository(source);
  if (typeof source === 'object' && (source === null || typeof source.store?.get !== 'function' || typeof source.store.list !== 'function')) {
    throw new InvalidArgumentError('repository must be a directory path, { store, prefix } with an ObjectStore, or { registry, alias } with a model registry.');
  }
  const io = typeof source === 'string' ? dirIo(source.startsWith('file://') ? new URL(source).pathname : source) : storeIo(source.store, source.prefix ?? '');
  return {
    names: async () => (await io.children('')).dirs.filter((n) => NAME.test(n)).sort(),
    async model(name) {
      if (!NAME.test(name)) throw new InvalidArgumentError(`Model name "${name}" is not a repository directory name (letters, digits, _ . -).`);
      const top = await io.children(`${name}/`);
      if (top.dirs.length === 0 && top.files.length === 0) throw new NotFoundError(`The model repository has no directory "${name}/".`);
      let config: RepositoryModelConfig = {};
      if (top.files.includes('config.json')) {
        const text = new TextDecoder().decode(await io.read(`${name}/config.json`));
        try {
          config = JSON.parse(text) as RepositoryModelConfig;
        } catch (e) {
          throw new InvalidArgumentError(`${name}/config.json is not valid JSON (${(e as Error).message}).`);
        }
        if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new InvalidArgumentError(`${name}/config.json must hold a JSON object.`);
      }
      const found: string[] = [];
      for (const v of top.dirs.sort(versionOrder)) {
        if ((await io.children(`${name}/${v}/`)).files.includes('model.onnx')) found.push(v);
      }
      if (found.length === 0) throw new NotFoundError(`Model "${name}" has no version with a model.onnx (expected ${name}/<version>/model.onnx).`);
      const picked = pickVersions(name, found, config.version_policy);
      return { name, config, versions: picked.map((version) => ({ version, read: () => io.read(`${name}/${version}/model.onnx`) })) };
    },
  };
}

function pickVersions(name: string, found: string[], policy: RepositoryModelConfig['version_policy']): string[] {
  if (!policy || policy.latest) {
    const n = policy?.latest?.num_versions ?? 1;
    return found.slice(Math.max(0, found.length - n));
  }
  if (policy.all) return found;
  if (policy.specific) {
    const want = policy.specific.versions.map(String);
    const missing = want.filter((v) => !found.includes(v));
    if (missing.length > 0) throw new NotFoundError(`${name}/config.json version_policy names versions ${missing.join(', ')}, which have no model.onnx; found ${found.join(', ')}.`);
    return found.filter((v) => want.includes(v));
  }
  throw new InvalidArgumentError(`${name}/config.json version_policy must be {"latest": {...}}, {"all": {}} or {"specific": {"versions": [...]}}.`);
}

/** Map a repository config to `loadModel` options (workers, batching, session options). */
export function loadOptionsOf(name: string, config: RepositoryModelConfig): Omit<LoadModelOptions, 'source' | 'name' | 'version'> {
  const batching: BatchingOptions = {};
  const out: Omit<LoadModelOptions, 'source' | 'name' | 'version'> = { batching };
  const mbs = config.max_batch_size;
  if (mbs !== undefined) {
    if (!Number.isInteger(mbs) || mbs < 0) throw new InvalidArgumentError(`${name}/config.json max_batch_size must be an integer >= 0; found ${JSON.stringify(mbs)}.`);
    batching.batchable = mbs > 0;
    if (mbs > 0) batching.maxBatchSize = mbs;
  }
  const db = config.dynamic_batching;
  if (db) {
    if (db.preferred_batch_size) batching.preferredBatchSizes = db.preferred_batch_size;
    if (db.max_queue_delay_microseconds !== undefined) batching.maxQueueDelayMs = db.max_queue_delay_microseconds / 1000;
    if (db.priority_levels) batching.priorityLevels = db.priority_levels;
    if (db.default_priority_level) batching.defaultPriority = db.default_priority_level;
    const q = db.default_queue_policy;
    if (q?.max_queue_size) batching.maxQueueSize = q.max_queue_size;
    if (q?.default_timeout_microseconds) batching.defaultTimeoutMs = q.default_timeout_microseconds / 1000;
  }
  if (config.instance_group) out.workers = config.instance_group.reduce((a, g) => a + (g.count ?? 1), 0);
  if (config.execution_providers) out.sessionOptions = { executionProviders: config.execution_providers } satisfies SessionOptions;
  return out;
}

interface Io {
  children(prefix: string): Promise<{ dirs: string[]; files: string[] }>;
  read(key: string): Promise<Uint8Array>;
}

function dirIo(root: string): Io {
  return {
    async children(prefix) {
      try {
        const entries = await readdir(path.join(root, prefix), { withFileTypes: true });
        return { dirs: entries.filter((e) => e.isDirectory()).map((e) => e.name), files: entries.filter((e) => e.isFile()).map((e) => e.name) };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
          if (prefix === '') throw new NotFoundError(`The model repository directory "${root}" does not exist.`);
          return { dirs: [], files: [] };
        }
        throw new MlopsError(ErrorCode.ServiceUnavailable, `Reading the model repository "${root}" failed: ${(e as Error).message}`, { cause: e });
      }
    },
    async read(key) {
      return new Uint8Array(await readFile(path.join(root, key)));
    },
  };
}

function storeIo(store: RepositoryObjectStore, prefix: string): Io {
  const base = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
  return {
    async children(sub) {
      const dirs = new Set<string>();
      const files: string[] = [];
      const at = base + sub;
      for await (const page of store.list({ prefix: at })) {
        for (const o of page.objects) {
          const rest = o.key.slice(at.length);
          const slash = rest.indexOf('/');
          if (slash < 0) files.push(rest);
          else dirs.add(rest.slice(0, slash));
        }
      }
      return { dirs: [...dirs], files };
    },
    async read(key) {
      return (await store.get(base + key)).body;
    },
  };
}

/** The model-registry flavour of {@link openModelRepository}. */
function registryRepository(source: RegistryRepositorySource): ModelRepository {
  const { registry } = source;
  const alias = source.alias ?? 'latest';
  for (const method of ['listModels', 'getModelVersion', 'openArtifact'] as const) {
    if (typeof registry?.[method] !== 'function') {
      throw new InvalidArgumentError(`A registry repository needs a registry with ${method}(); found ${registry === null ? 'null' : typeof registry}. Pass an @mlops/registry registry (createRegistry).`);
    }
  }
  if (typeof alias !== 'string' || alias === '' || /[@/]/.test(alias)) {
    throw new InvalidArgumentError(`repository.alias must be an alias name such as "champion" (no "@" or "/"); found ${JSON.stringify(source.alias)}.`);
  }
  const pollMs = source.pollIntervalMs ?? 5000;
  if (!(pollMs >= 0) || !Number.isFinite(pollMs)) throw new InvalidArgumentError(`repository.pollIntervalMs must be a finite number >= 0; found ${String(source.pollIntervalMs)}.`);
  const resolve = async (name: string) => {
    if (!NAME.test(name)) throw new InvalidArgumentError(`Model name "${name}" is not a registry model name (letters, digits, _ . -).`);
    try {
      return await registry.getModelVersion(`${name}@${alias}`);
    } catch (cause) {
      if (MlopsError.isInstance(cause) && cause.code !== ErrorCode.NotFound) throw cause;
      throw new NotFoundError(`The registry has no model "${name}" with alias "${alias}" (${(cause as Error).message}); register a version${alias === 'latest' ? '' : ` and set the alias with setAlias("${name}", "${alias}", version)`}.`, { cause });
    }
  };
  return {
    async names() {
      const models = await registry.listModels();
      return models
        .filter((m) => NAME.test(m.name) && (alias === 'latest' || m.aliases?.[alias] !== undefined))
        .map((m) => m.name)
        .sort();
    },
    async currentVersions(name) {
      return [String((await resolve(name)).version)];
    },
    async model(name) {
      const v = await resolve(name);
      const version = String(v.version);
      const exact = `${name}/${version}`;
      const paths = Array.isArray(v.artifacts) ? (v.artifacts as ReadonlyArray<{ path: string }>).map((a) => a.path) : Object.keys(v.artifacts ?? {});
      let config: RepositoryModelConfig = {};
      // A version may carry its serving config as an artifact, like <name>/config.json in a directory.
      if (paths.includes('config.json')) {
        const { bytes } = await readRegistryModel({ registry, ref: exact, artifactPath: 'config.json' });
        try {
          config = JSON.parse(new TextDecoder().decode(bytes)) as RepositoryModelConfig;
        } catch (e) {
          throw new InvalidArgumentError(`config.json of ${exact} in the registry is not valid JSON (${(e as Error).message}).`);
        }
        if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new InvalidArgumentError(`config.json of ${exact} in the registry must hold a JSON object.`);
        if (config.version_policy !== undefined) {
          throw new InvalidArgumentError(`config.json of ${exact} has a version_policy; a registry repository serves the version alias "${alias}" points to. Remove version_policy.`);
        }
      }
      return { name, config, versions: [{ version, read: async () => (await readRegistryModel({ registry, ref: exact })).bytes }] };
    },
    watch(changed) {
      let off: unknown;
      if (typeof registry.onEvent === 'function') off = registry.onEvent((e: ModelRegistryEvent) => changed(e?.name ?? e?.model));
      const timer = pollMs > 0 ? setInterval(() => changed(undefined), pollMs) : undefined;
      timer?.unref();
      return () => {
        if (typeof off === 'function') (off as () => void)();
        if (timer) clearInterval(timer);
      };
    },
  };
}
