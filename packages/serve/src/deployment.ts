import { ErrorCode, InvalidArgumentError, MlopsError, NotFoundError } from '@mlops/contracts/errors';
import { notReady } from './errors.js';
import type { LoadModelOptions, Model } from './model.js';
import { modelNameOfRef, type ModelRegistrySource, type RegistryEvent } from './registry-source.js';

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
  private reloading: Promise<void> | undefined;
  private reloadAgain = false;
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
      const u = stickyValue !== undefined ? fnv1a(stickyValue) / 4294967296 : Math.random();
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
    if (Math.random() * 100 >= s.percent) return undefined;
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
      const off = options.registry.onEvent((e: RegistryEvent) => {
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
  reload(load: (opts: LoadModelOptions) => Promise<Model>, onReload: (e: ReloadEvent) => void): Promise<void> {
    if (this.reloading) {
      this.reloadAgain = true;
      return this.reloading;
    }
    this.reloading = (async () => {
      try {
        do {
          this.reloadAgain = false;
          await this.reloadOnce(load, onReload);
        } while (this.reloadAgain);
      } finally {
        this.reloading = undefined;
      }
    })();
    return this.reloading;
  }

  private async reloadOnce(load: (opts: LoadModelOptions) => Promise<Model>, onReload: (e: ReloadEvent) => void): Promise<void> {
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
    if (target === this.defaultVersion) return;
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
      onReload({ model: this.name, from, to: target, ok: false, error });
      return;
    }
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
