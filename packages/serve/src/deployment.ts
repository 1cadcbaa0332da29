import { ErrorCode, InvalidArgumentError, MlopsError, NotFoundError } from '@mlops/contracts/errors';
import { notReady } from './errors.js';
import type { LoadModelOptions, Model } from './model.js';
import { modelNameOfRef, type ModelRegistrySource, type ModelRegistryEvent } from './registry-source.js';

/** Rollout settings of a model served in several versions. */
export interface ModelDeploymentOptions {
  /** Name served under (default: the first version's name). */
  name?: string;
  /** Versions served side by side. */
  versions: Model[];
  /** Version used when a request names none and no `traffic` is set (default: the last in `versions`). */
  defaultVersion?: string;
  /**
   * Canary split: weight per version, e.g. `{ '1': 90, '2': 10 }`; weights need not sum to 100.
   * Requests that name a version bypass it.
   */
  traffic?: Record<string, number>;
  /** Route by a hash of this request header (e.g. `x-user-id`), so one caller always sees the same version. */
  stickyHeader?: string;
  /** Mirror this percentage of requests to `version`; its results are logged and compared, never returned. */
  shadow?: ShadowOptions;
}

/** Shadow traffic settings. */
export interface ShadowOptions {
  /** Version that receives the mirrored requests. */
  version: string;
  /** Percentage of requests mirrored, 0..100. */
  percent: number;
}

/** A model served from a registry reference; reloaded when the alias moves. */
export interface RegistryDeploymentOptions {
  /** Registry surface (`@mlops/registry` fits). */
  registry: ModelRegistrySource;
  /** `name@alias` (or `name@latest`, `name/3`). */
  ref: string;
  /** Name served under (default: the registry model name). */
  name?: string;
  /** Options for each `loadModel` (workers, batching, session options). */
  load?: Omit<LoadModelOptions, 'source' | 'name' | 'version'>;
  /** Artifact path of the ONNX file in a version (default: its only `.onnx` artifact, else `model.onnx`). */
  artifactPath?: string;
  /** Re-resolve the ref this often, in ms, in addition to `onEvent` notifications (default 5000; 0 = only events). */
  pollIntervalMs?: number;
  /**
   * After a version fails to load, wait this long before loading that same version again
   * (default 5000 ms), doubling after each further failure up to `loadRetryMaxMs` (default
   * 300 000 ms). Polls and events in between do not re-download it; a different target version
   * is tried at once.
   */
  loadRetryInitialMs?: number;
  /** Cap of the load-retry backoff, in ms (default 300 000). */
  loadRetryMaxMs?: number;
}

/** A version that failed to load and when it will be tried again. */
export interface LoadFailure {
  /** The version that failed. */
  version: string;
  /** Consecutive failed attempts at this version. */
  attempts: number;
  /** The last error's message. */
  error: string;
  /** Current backoff, in ms. */
  backoffMs: number;
  /** Clock time (ms) before which this version is not tried again. */
  retryAt: number;
}

/** What happened in a reload attempt. */
export interface ReloadEvent {
  /** Served model name. */
  model: string;
  /** Version served before (undefined for the initial load). */
  from: string | undefined;
  /** Version the ref resolved to (`?` when resolving itself failed). */
  to: string;
  /** True when `to` is now served; false when the old version kept serving. */
  ok: boolean;
  /** Why the reload failed. */
  error?: unknown;
}

export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Sticky-routing hash in [0, 2^32): FNV-1a, then murmur3's fmix32 finalizer. FNV-1a alone
 * leaves keys that differ in their last character (user ids "1000".."1099") close together in
 * the high bits that pick the bucket, so a 20% canary could get none of them; the finalizer
 * spreads every input bit over the whole word.
 */
export function stickyHash(s: string): number {
  let h = fnv1a(s);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** One served model name: its versions, routing, shadow and (optionally) registry binding. */
export class Deployment {
  readonly name: string;
  readonly versions = new Map<string, Model>();
  defaultVersion: string | undefined;
  traffic: Array<{ version: string; weight: number }> | undefined;
  stickyHeader: string | undefined;
  shadow: ShadowOptions | undefined;
  registry: RegistryDeploymentOptions | undefined;
  lastReloadError: unknown;
  /** The version that last failed to load, with its backoff; cleared by a successful load. */
  loadFailure: LoadFailure | undefined;
  /** Clock (ms) for load backoff and a random source for unsticky canary routing; injectable for tests. */
  now: () => number = Date.now;
  random: () => number = Math.random;
  private reloading: Promise<void> | undefined;
  private reloadAgain = false;
  private forceAgain = false;
  private pollTimer: ReturnType<typeof setInterval> | undefined;
  private unsubscribe: (() => void) | undefined;
  private readonly retired = new Set<Promise<void>>();

  constructor(name: string) {
    this.name = name;
  }

  static fromOptions(o: ModelDeploymentOptions): Deployment {
    if (!Array.isArray(o.versions) || o.versions.length === 0) {
      throw new InvalidArgumentError('A model deployment needs "versions": at least one loaded Model.');
    }
    const d = new Deployment(o.name ?? o.versions[0]!.name);
    for (const m of o.versions) {
      if (d.versions.has(m.version)) throw new InvalidArgumentError(`Model "${d.name}" lists version "${m.version}" twice.`);
      d.versions.set(m.version, m);
    }
    d.defaultVersion = o.defaultVersion ?? o.versions[o.versions.length - 1]!.version;
    if (!d.versions.has(d.defaultVersion)) throw new InvalidArgumentError(`defaultVersion "${d.defaultVersion}" of model "${d.name}" is not among its versions (${[...d.versions.keys()].join(', ')}).`);
    d.setTraffic(o.traffic, o.stickyHeader);
    d.setShadow(o.shadow);
    return d;
  }

  setTraffic(traffic: Record<string, number> | undefined, stickyHeader?: string): void {
    if (traffic === undefined) {
      this.traffic = undefined;
      this.stickyHeader = stickyHeader;
      return;
    }
    const entries = Object.entries(traffic);
    let total = 0;
    for (const [v, w] of entries) {
      if (!this.versions.has(v)) throw new InvalidArgumentError(`traffic names version "${v}" of model "${this.name}", which is not loaded; loaded: ${[...this.versions.keys()].join(', ')}.`);
      if (typeof w !== 'number' || !(w >= 0) || !Number.isFinite(w)) throw new InvalidArgumentError(`traffic weight of version "${v}" must be a finite number >= 0; found ${String(w)}.`);
      total += w;
    }
    if (total <= 0) throw new InvalidArgumentError(`traffic of model "${this.name}" needs a positive total weight; found ${total}.`);
    this.traffic = entries.map(([version, weight]) => ({ version, weight: weight / total }));
    this.stickyHeader = stickyHeader?.toLowerCase();
  }

  setShadow(shadow: ShadowOptions | undefined): void {
    if (shadow !== undefined) {
      if (!this.versions.has(shadow.version)) throw new InvalidArgumentError(`shadow version "${shadow.version}" of model "${this.name}" is not loaded.`);
      if (!(shadow.percent >= 0 && shadow.percent <= 100)) throw new InvalidArgumentError(`shadow.percent must be between 0 and 100; found ${String(shadow.percent)}.`);
    }
    this.shadow = shadow;
  }

  /** Pick the version that answers a request. */
  route(version: string | undefined, stickyValue: string | undefined): Model {
    if (version !== undefined) {
      const m = this.versions.get(version);
      if (!m) throw new NotFoundError(`Model "${this.name}" has no version "${version}"; served versions: ${[...this.versions.keys()].join(', ') || 'none'}.`);
      return m;
    }
    if (this.traffic) {
      const u = stickyValue !== undefined ? stickyHash(stickyValue) / 4294967296 : this.random();
      let acc = 0;
      for (const t of this.traffic) {
        acc += t.weight;
        if (u < acc) {
          const m = this.versions.get(t.version);
          if (m) return m;
        }
      }
      const last = this.versions.get(this.traffic[this.traffic.length - 1]!.version);
      if (last) return last;
    }
    const m = this.defaultVersion !== undefined ? this.versions.get(this.defaultVersion) : undefined;
    if (!m) throw notReady(`Model "${this.name}"`);
    return m;
  }

  /** The shadow model for this request, if it is one of the mirrored ones. */
  pickShadow(primary: Model): Model | undefined {
    const s = this.shadow;
    if (!s || s.percent <= 0 || primary.version === s.version) return undefined;
    if (this.random() * 100 >= s.percent) return undefined;
    return this.versions.get(s.version);
  }

  ready(): boolean {
    return this.defaultVersion !== undefined && this.versions.has(this.defaultVersion);
  }

  /** Bind to a registry ref: load the current version, then follow alias moves. */
  async bindRegistry(
    options: RegistryDeploymentOptions,
    load: (opts: LoadModelOptions) => Promise<Model>,
    onReload: (e: ReloadEvent) => void,
  ): Promise<void> {
    this.registry = options;
    const refName = modelNameOfRef(options.ref);
    const doReload = (): Promise<void> => this.reload(load, onReload);
    if (typeof options.registry.onEvent === 'function') {
      const off = options.registry.onEvent((e: ModelRegistryEvent) => {
        const about = e?.name ?? e?.model;
        if (about === undefined || about === refName) void doReload();
      });
      if (typeof off === 'function') this.unsubscribe = off as () => void;
    }
    const every = options.pollIntervalMs ?? 5000;
    if (every > 0) {
      this.pollTimer = setInterval(() => void doReload(), every);
      this.pollTimer.unref();
    }
    await doReload();
    if (!this.ready()) throw this.lastReloadError ?? notReady(`Model "${this.name}"`);
  }

  /** Re-resolve the ref; load, warm and swap in a new version if it moved. Serialised. */
  reload(load: (opts: LoadModelOptions) => Promise<Model>, onReload: (e: ReloadEvent) => void, force = false): Promise<void> {
    if (this.reloading) {
      this.reloadAgain = true;
      this.forceAgain ||= force;
      return this.reloading;
    }
    this.reloading = (async () => {
      try {
        let forced = force;
        do {
          this.reloadAgain = false;
          await this.reloadOnce(load, onReload, forced);
          forced = this.forceAgain;
          this.forceAgain = false;
        } while (this.reloadAgain);
      } finally {
        this.reloading = undefined;
      }
    })();
    return this.reloading;
  }

  private async reloadOnce(load: (opts: LoadModelOptions) => Promise<Model>, onReload: (e: ReloadEvent) => void, force: boolean): Promise<void> {
    const opts = this.registry!;
    let target: string;
    try {
      const v = await opts.registry.getModelVersion(opts.ref);
      target = String(v.version);
    } catch (error) {
      this.lastReloadError = error;
      onReload({ model: this.name, from: this.defaultVersion, to: '?', ok: false, error });
      return;
    }
    if (target === this.defaultVersion) {
      this.loadFailure = undefined;
      return;
    }
    const failed = this.loadFailure;
    // Backoff: the same broken version is not downloaded and started again on every poll.
    if (!force && failed && failed.version === target && this.now() < failed.retryAt) return;
    const from = this.defaultVersion;
    let fresh: Model;
    try {
      // loadModel warms every worker before resolving: the swap below serves a hot model.
      fresh = await load({
        ...opts.load,
        source: { registry: opts.registry, ref: `${modelNameOfRef(opts.ref)}/${target}`, ...(opts.artifactPath ? { artifactPath: opts.artifactPath } : {}) },
        name: this.name,
        version: target,
      });
    } catch (error) {
      this.lastReloadError = error;
      const attempts = failed && failed.version === target ? failed.attempts + 1 : 1;
      const initial = opts.loadRetryInitialMs ?? 5000;
      const backoffMs = Math.min(opts.loadRetryMaxMs ?? 300_000, initial * 2 ** (attempts - 1));
      this.loadFailure = { version: target, attempts, error: error instanceof Error ? error.message : String(error), backoffMs, retryAt: this.now() + backoffMs };
      onReload({ model: this.name, from, to: target, ok: false, error });
      return;
    }
    this.loadFailure = undefined;
    // Atomic swap: one synchronous step, so every request sees the old or the new version.
    const old = from !== undefined ? this.versions.get(from) : undefined;
    this.versions.set(target, fresh);
    this.defaultVersion = target;
    if (from !== undefined) this.versions.delete(from);
    this.lastReloadError = undefined;
    onReload({ model: this.name, from, to: target, ok: true });
    if (old) {
      // In-flight and queued requests finish on the old version, then its workers stop.
      const closing = old.close().catch(() => undefined);
      this.retired.add(closing);
      void closing.then(() => this.retired.delete(closing));
    }
  }

  /** Stop following the registry and close every version (draining each). */
  async close(timeoutMs: number): Promise<void> {
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.unsubscribe?.();
    if (this.reloading) await this.reloading.catch(() => undefined);
    const models = [...this.versions.values()];
    this.versions.clear();
    this.defaultVersion = undefined;
    await Promise.all([...models.map((m) => m.close({ timeoutMs })), ...this.retired]);
  }
}

export function unknownModel(name: string, known: string[]): MlopsError {
  return new MlopsError(ErrorCode.NotFound, `No model named "${name}" is served here; served models: ${known.join(', ') || 'none'}.`);
}
