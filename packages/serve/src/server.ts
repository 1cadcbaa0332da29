import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { ErrorCode, InvalidArgumentError, MlopsError } from '@mlops/contracts/errors';
import { Deployment, type LoadFailure, type ModelDeploymentOptions, type RegistryDeploymentOptions, type ReloadEvent, type ShadowOptions, unknownModel } from './deployment.js';
import { ServeErrorCode, httpStatusOf, notReady } from './errors.js';
import { loadModel, type InferResult, type LoadModelOptions, type Model } from './model.js';
import { modelNameOfRef } from './registry-source.js';
import { encodeInferResponse, parseInferRequest, type ParameterValue } from './oip-codec.js';
import { PredictionLogger, type PredictionLoggingOptions, type PredictionMonitor } from './prediction-log.js';
import { ServeMetrics, UNKNOWN_LABEL } from './server-metrics.js';
import type { Tensor, TensorInput } from './tensor.js';
import type { GrpcEndpoint, GrpcOptions, InferenceHost } from './grpc-server.js';
import { loadOptionsOf, openModelRepository, type ModelRepositorySource } from './model-repository.js';
import { renameModel } from './renamed-model.js';
import { handleRepository, type RepositoryHost } from './repository-endpoints.js';
import { version as PACKAGE_VERSION } from '../package.json';

/** One entry of `models`: a loaded model, a multi-version deployment, or a registry binding. */
export type ServedModel = Model | ModelDeploymentOptions | RegistryDeploymentOptions;

/** Options of {@link createModelServer}. */
export interface ModelServerOptions {
  /** Models to serve (optional when `repository` is given). */
  models?: ServedModel[];
  /**
   * A model repository laid out like Triton's: `<name>/<version>/model.onnx` and an optional
   * `<name>/config.json`. A directory path, `{ store, prefix }` for any `ObjectStore`
   * (`@mlops/storage`), or `{ registry, alias }` for a model registry (each model served at the
   * version its alias points to, reloaded when the alias moves). Every model in it is loaded by `listen()`; the repository endpoints
   * (`POST /v2/repository/index`, `.../models/{name}/load|unload`) manage them at run time.
   */
  repository?: ModelRepositorySource;
  /** `loadModel` options for repository models (workers, session options...); their config.json wins. */
  repositoryLoad?: Omit<LoadModelOptions, 'source' | 'name' | 'version'>;
  /**
   * Bearer-token auth: requests must send `Authorization: Bearer <token>`. `scope: 'management'`
   * (default) guards the repository endpoints only; `'all'` guards every endpoint except
   * `/v2/health/*` (probes) on REST and gRPC.
   */
  auth?: { token: string; scope?: 'management' | 'all' };
  /**
   * For Kubernetes: on SIGTERM or `close()`, first report not-ready for this long while still
   * serving requests (endpoints take a moment to drop the pod), then stop accepting and drain.
   * Default 0.
   */
  preStopDelayMs?: number;
  /**
   * One JSON line per inference request (id, model, version, status, latency, batch rows,
   * protocol, traceparent): `true` writes to stdout, a function receives each line. Off by default.
   */
  accessLog?: boolean | ((line: string) => void);
  /** Interface to bind (default `127.0.0.1`). */
  host?: string;
  /** Port (default 8080; 0 picks a free one). */
  port?: number;
  /** Largest request body accepted, in bytes (default 16 MiB); larger ones get 413 before being read. */
  maxBodyBytes?: number;
  /** How long `close()` (and SIGTERM) waits for in-flight and queued requests, in ms (default 30 000). */
  drainTimeoutMs?: number;
  /** On SIGTERM/SIGINT: stop accepting, drain (bounded), then `process.exit(0)` (default false). */
  handleSignals?: boolean;
  /** Write `PredictionLog` Arrow files (and feed `monitor`). */
  predictionLog?: PredictionLoggingOptions;
  /** Receives each logged batch as an Arrow table (an `@mlops/drift` monitor fits). Logs every request unless `predictionLog.sampleRate` says otherwise. */
  monitor?: PredictionMonitor;
  /** Where background failures go (reloads, log writes). Default: `console.error`. */
  onError?: (err: unknown) => void;
  /** Called after every reload attempt of a registry-bound model (also of a registry repository's models when their alias moves). */
  onReload?: (event: ReloadEvent) => void;
  /** Server name in `GET /v2` (default `mlops-serve`). */
  name?: string;
  /** Load function for registry-bound models (default {@link loadModel}); tests inject failures here. */
  load?: (options: LoadModelOptions) => Promise<Model>;
  /** Clock in ms since the epoch (default `Date.now`): load-retry backoff runs on it. */
  clock?: () => number;
  /**
   * Also serve the Open Inference Protocol over gRPC (`inference.GRPCInferenceService`, KServe's
   * `grpc_predict_v2.proto`) on this port, from the same models, batcher, canary routing,
   * metrics and prediction log. Needs the optional peers `@grpc/grpc-js` and `@grpc/proto-loader`.
   */
  grpc?: GrpcOptions;
}

/** What {@link ModelServer.status} reports per model. */
export interface ModelStatus {
  /** Served model name. */
  name: string;
  /** Versions being served. */
  versions: string[];
  /** Version answering requests that name none. */
  defaultVersion: string | undefined;
  /** Message of the last failed reload attempt (cleared by a successful one). */
  lastReloadError?: string;
  /** A version that failed to load, with its retry backoff (absent when none). */
  loadFailure?: LoadFailure;
}

/** A running (or not yet started) Open Inference Protocol server. */
export interface ModelServer {
  /** Bind and start serving; loads registry-bound models first. Resolves with the bound address. */
  listen(): Promise<{ host: string; port: number; url: string; grpcPort?: number }>;
  /** The bound gRPC port once listening (when `grpc` is set). */
  readonly grpcPort: number | undefined;
  /** Stop accepting, drain in-flight and queued requests (bounded by `drainTimeoutMs`), close models, flush logs. */
  close(): Promise<void>;
  /** The base URL once listening, e.g. `http://127.0.0.1:8080`. */
  readonly url: string | undefined;
  /** Prometheus text of `GET /metrics`. */
  metrics(): string;
  /** Serve another model (or version) at runtime. */
  addModel(model: ServedModel): Promise<void>;
  /** Stop serving one version (drained) or a whole model. */
  removeModel(name: string, version?: string): Promise<void>;
  /** Change the canary split of a model (undefined = default version only). */
  setTraffic(name: string, traffic: Record<string, number> | undefined, stickyHeader?: string): void;
  /** Change or clear the shadow of a model. */
  setShadow(name: string, shadow: ShadowOptions | undefined): void;
  /** Check the registry binding of a model now instead of waiting for an event or poll. */
  reload(name: string): Promise<void>;
  /** Per-model status: served versions, default version, last reload error. */
  status(): ModelStatus[];
}


function isModel(v: ServedModel): v is Model {
  return typeof (v as Model).infer === 'function' && typeof (v as Model).metadata === 'object';
}
function isRegistry(v: ServedModel): v is RegistryDeploymentOptions {
  return typeof (v as RegistryDeploymentOptions).ref === 'string' && typeof (v as RegistryDeploymentOptions).registry === 'object';
}

const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** A valid W3C `traceparent` header value, else undefined (an invalid one is ignored, as the spec says). */
function traceparentOf(v: string | string[] | undefined): string | undefined {
  const s = Array.isArray(v) ? v[0] : v;
  return s !== undefined && TRACEPARENT.test(s) ? s : undefined;
}

/** The request headers the infer path reads. */
interface InferHeaders {
  contentLength: string | undefined;
  headerLength: string | undefined;
  traceparent: string | undefined;
  sticky: string | undefined;
}

/**
 * The infer path's headers, read from `rawHeaders` in one pass. Node builds `req.headers` on
 * first access by lower-casing and copying every header; an inference needs at most four. The
 * values are what `req.headers` would hold: the first `content-length` (Node drops repeats), and
 * repeats of the others joined with ", ". `sticky` is a lower-case header name.
 */
export function inferHeaders(raw: readonly string[], sticky: string | undefined): InferHeaders {
  const out: InferHeaders = { contentLength: undefined, headerLength: undefined, traceparent: undefined, sticky: undefined };
  const stickyLength = sticky === undefined ? -1 : sticky.length;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const n = name.length;
    // Only names of a wanted length are lower-cased and compared.
    if (n !== 14 && n !== 31 && n !== 11 && n !== stickyLength) continue;
    const lower = name.toLowerCase();
    const value = raw[i + 1]!;
    if (lower === 'content-length') {
      if (out.contentLength === undefined) out.contentLength = value;
    } else if (lower === 'inference-header-content-length') {
      out.headerLength = out.headerLength === undefined ? value : `${out.headerLength}, ${value}`;
    } else if (lower === 'traceparent') {
      out.traceparent = out.traceparent === undefined ? value : `${out.traceparent}, ${value}`;
    }
    // Not else: a sticky header may be configured under one of the names above.
    if (lower === sticky) out.sticky = out.sticky === undefined ? value : `${out.sticky}, ${value}`;
  }
  return out;
}

function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new InvalidArgumentError(`The path segment "${segment}" has a malformed percent-escape; encode names with encodeURIComponent.`);
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...extra });
  res.end(text);
}

function readParam(params: Record<string, ParameterValue>, key: string): number | undefined {
  const v = params[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new InvalidArgumentError(`Request parameter "${key}" must be a number >= 0; found ${JSON.stringify(v)}.`);
  }
  return v;
}

/**
 * Create an Open Inference Protocol (KServe V2) HTTP server for ONNX models, with dynamic
 * batching, canary/shadow rollouts, registry reloads, `/metrics` and prediction logs.
 */
export function createModelServer(options: ModelServerOptions): ModelServer {
  if (typeof options !== 'object' || options === null || (!Array.isArray(options.models) && options.repository === undefined)) {
    throw new InvalidArgumentError('createModelServer expects { models: [...] } (loaded models, deployments or registry bindings) and/or { repository: "./models" }.');
  }
  if (options.auth !== undefined && (typeof options.auth.token !== 'string' || options.auth.token.length < 8)) {
    throw new InvalidArgumentError('auth.token must be a string of at least 8 characters.');
  }
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 8080;
  const maxBodyBytes = options.maxBodyBytes ?? 16 * 1024 * 1024;
  const drainTimeoutMs = options.drainTimeoutMs ?? 30_000;
  const onError = options.onError ?? ((err: unknown) => console.error('[@mlops/serve]', err));
  const load = options.load ?? loadModel;
  const deployments = new Map<string, Deployment>();
  /** Models that came from the repository (only those can be reloaded from it). */
  const repositoryModels = new Set<string>();
  const pendingRegistry: RegistryDeploymentOptions[] = [];
  const metrics = new ServeMetrics();
  const logger =
    options.predictionLog || options.monitor ? new PredictionLogger(options.predictionLog ?? { flushIntervalMs: 5000, flushRows: 1000 }, options.monitor, onError) : undefined;
  let loopDelay: IntervalHistogram | undefined;
  let http: Server | undefined;
  let grpcEndpoint: GrpcEndpoint | undefined;
  let url: string | undefined;
  let closing: Promise<void> | undefined;
  let accepting = true;
  /** preStopDelayMs is running: not ready, still serving. */
  let stopping = false;
  let inflightHttp = 0;
  let drainWaiter: (() => void) | undefined;
  const signalHandler = (): void => {
    void server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };

  const clock = options.clock ?? Date.now;

  function register(d: Deployment): void {
    d.now = clock;
    const existing = deployments.get(d.name);
    if (existing) {
      for (const [v, m] of d.versions) {
        if (existing.versions.has(v)) throw new InvalidArgumentError(`Model "${d.name}" version "${v}" is already served.`);
        existing.versions.set(v, m);
        metrics.attach(m);
      }
      existing.defaultVersion = d.defaultVersion;
      return;
    }
    deployments.set(d.name, d);
    for (const m of d.versions.values()) metrics.attach(m);
  }

  function addStatic(entry: ServedModel): void {
    if (isRegistry(entry)) {
      pendingRegistry.push(entry);
      return;
    }
    const d = isModel(entry) ? Deployment.fromOptions({ versions: [entry] }) : Deployment.fromOptions(entry);
    register(d);
  }
  for (const entry of options.models ?? []) addStatic(entry);

  const repository = options.repository !== undefined ? openModelRepository(options.repository) : undefined;
  const transitions = new Map<string, 'LOADING' | 'UNLOADING'>();
  const loadFailures = new Map<string, string>();
  const retiring = new Set<Promise<void>>();

  function retire(d: Deployment): void {
    // Requests already routed to the old deployment finish on it (each model drains), then it stops.
    const p = d.close(drainTimeoutMs).catch(onError);
    retiring.add(p);
    void p.then(() => retiring.delete(p));
  }

  /** (Re)load one model from the repository: every version loads and warms, then one atomic swap. */
  async function loadFromRepository(name: string): Promise<void> {
    if (!repository) {
      throw new MlopsError(ErrorCode.Unsupported, `This server has no model repository (the repository option), so "${name}" cannot be loaded by name; use addModel().`);
    }
    if (transitions.has(name)) throw new MlopsError(ErrorCode.ServiceUnavailable, `Model "${name}" is already being loaded or unloaded; retry when that finishes.`, { retryable: true });
    const existing = deployments.get(name);
    if (existing && (existing.registry || !repositoryModels.has(name))) {
      throw new InvalidArgumentError(`Model "${name}" is served from ${existing.registry ? 'a registry binding' : 'the models option'}, not the repository; it cannot be reloaded from there.`);
    }
    transitions.set(name, 'LOADING');
    const loaded: Model[] = [];
    try {
      const entry = await repository.model(name);
      const fromConfig = loadOptionsOf(name, entry.config);
      const base = { ...options.repositoryLoad, ...fromConfig, batching: { ...options.repositoryLoad?.batching, ...fromConfig.batching } };
      for (const v of entry.versions) {
        const m = await load({ ...base, source: await v.read(), name, version: v.version });
        loaded.push(entry.config.input_map || entry.config.output_map ? renameModel(m, entry.config.input_map, entry.config.output_map) : m);
      }
      const fresh = Deployment.fromOptions({ name, versions: loaded });
      fresh.now = clock;
      const old = deployments.get(name);
      deployments.set(name, fresh);
      repositoryModels.add(name);
      for (const m of loaded) metrics.attach(m);
      loadFailures.delete(name);
      if (old) retire(old);
    } catch (err) {
      await Promise.all(loaded.map((m) => m.close().catch(() => undefined)));
      loadFailures.set(name, err instanceof Error ? err.message : String(err));
      throw err;
    } finally {
      transitions.delete(name);
    }
  }

  /** Stop serving a model: new requests get 404 at once, routed ones drain, then its workers stop. */
  async function unloadModel(name: string): Promise<void> {
    const d = deployments.get(name);
    if (!d) return;
    if (transitions.has(name)) throw new MlopsError(ErrorCode.ServiceUnavailable, `Model "${name}" is already being loaded or unloaded; retry when that finishes.`, { retryable: true });
    transitions.set(name, 'UNLOADING');
    try {
      deployments.delete(name);
      repositoryModels.delete(name);
      await d.close(drainTimeoutMs);
    } finally {
      transitions.delete(name);
    }
  }

  const repositoryHost: RepositoryHost = {
    repository,
    deployments,
    transitions,
    failures: loadFailures,
    load: loadFromRepository,
    unload: unloadModel,
  };

  const bearer = options.auth ? Buffer.from(`Bearer ${options.auth.token}`) : undefined;
  /** Constant-time check of an Authorization header value. */
  function authorized(header: string | undefined): boolean {
    if (!bearer) return true;
    if (header === undefined) return false;
    const got = Buffer.from(header);
    return got.length === bearer.length && timingSafeEqual(got, bearer);
  }
  const authAll = options.auth?.scope === 'all';

  const accessLog = options.accessLog === true ? (line: string) => process.stdout.write(`${line}\n`) : typeof options.accessLog === 'function' ? options.accessLog : undefined;
  function logAccess(entry: { id?: string; model: string; version: string; status: number; latencyMs: number; batchRows?: number; protocol: 'http' | 'grpc'; traceparent?: string }): void {
    if (!accessLog) return;
    accessLog(
      JSON.stringify({
        time: new Date(clock()).toISOString(),
        protocol: entry.protocol,
        id: entry.id ?? null,
        model: entry.model,
        version: entry.version,
        status: entry.status,
        latency_ms: Math.round(entry.latencyMs * 1000) / 1000,
        batch_rows: entry.batchRows ?? null,
        ...(entry.traceparent ? { traceparent: entry.traceparent } : {}),
      }),
    );
  }

  const onReload = (e: ReloadEvent): void => {
    metrics.reloads.inc({ model: e.model, result: e.ok ? 'success' : 'failure' });
    if (e.ok) {
      const m = deployments.get(e.model)?.versions.get(e.to);
      if (m) metrics.attach(m);
    } else onError(e.error);
    options.onReload?.(e);
  };

  // A repository whose versions move on their own (a registry): served models follow their alias.
  // A version that fails to load is retried with exponential backoff, the old one serving meanwhile.
  const followFailures = new Map<string, { version: string; attempts: number; retryAt: number }>();
  let following: Promise<void> = Promise.resolve();
  let stopFollowing: (() => void) | undefined;

  function followRepository(changed: string | undefined): void {
    following = following.then(() => followOnce(changed)).catch(onError);
  }

  async function followOnce(changed: string | undefined): Promise<void> {
    if (!repository?.currentVersions || closing) return;
    // Served models, and those whose load failed (a moved alias may fix them); not unloaded ones.
    const followed = (n: string): boolean => repositoryModels.has(n) || (loadFailures.has(n) && !deployments.has(n));
    const names = changed === undefined ? [...new Set([...repositoryModels, ...loadFailures.keys()])].filter(followed) : followed(changed) ? [changed] : [];
    for (const name of names) {
      if (transitions.has(name) || !followed(name)) continue;
      const d = deployments.get(name);
      const from = d?.defaultVersion;
      let want: string;
      try {
        want = (await repository.currentVersions(name)).join(',');
      } catch (error) {
        onReload({ model: name, from, to: '?', ok: false, error });
        continue;
      }
      if (d && [...d.versions.keys()].join(',') === want) {
        followFailures.delete(name);
        continue;
      }
      const failed = followFailures.get(name);
      if (failed && failed.version === want && clock() < failed.retryAt) continue;
      try {
        await loadFromRepository(name);
        followFailures.delete(name);
        onReload({ model: name, from, to: want, ok: true });
      } catch (error) {
        const attempts = failed && failed.version === want ? failed.attempts + 1 : 1;
        followFailures.set(name, { version: want, attempts, retryAt: clock() + Math.min(300_000, 5000 * 2 ** (attempts - 1)) });
        onReload({ model: name, from, to: want, ok: false, error });
      }
    }
  }

  async function bindRegistry(o: RegistryDeploymentOptions): Promise<void> {
    const name = o.name ?? modelNameOfRef(o.ref);
    const existing = deployments.get(name);
    // A placeholder (no versions, no binding) is what listen() registers so the model answers 503 while loading.
    if (existing && (existing.versions.size > 0 || existing.registry)) {
      throw new InvalidArgumentError(`Model "${name}" is already served; a registry binding needs its own name.`);
    }
    const d = existing ?? new Deployment(name);
    d.now = clock;
    deployments.set(name, d);
    try {
      await d.bindRegistry(o, load, onReload);
    } catch (err) {
      deployments.delete(name);
      await d.close(0);
      throw err;
    }
  }

  function ready(): boolean {
    if (!accepting || stopping) return false;
    for (const d of deployments.values()) if (!d.ready()) return false;
    return true;
  }

  function modelMetadata(d: Deployment, m: Model): unknown {
    return { ...m.metadata, name: d.name, versions: [...d.versions.keys()], ...loadFailureBody(d) };
  }

  /** `load_failure` for model status bodies: which version failed to load, how often, and when it is retried. */
  function loadFailureBody(d: Deployment): Record<string, unknown> {
    const f = d.loadFailure;
    if (!f) return {};
    return { load_failure: { version: f.version, attempts: f.attempts, error: f.error, backoff_ms: f.backoffMs, retry_in_ms: Math.max(0, f.retryAt - clock()) } };
  }

  async function readBody(req: IncomingMessage, declared: string | undefined): Promise<Uint8Array> {
    const expected = declared !== undefined ? Number(declared) : undefined;
    if (expected !== undefined && expected > maxBodyBytes) throw tooLarge(expected);
    return new Promise<Uint8Array>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let total = 0;
      req.on('data', (c: Buffer) => {
        total += c.length;
        if (total > maxBodyBytes) {
          req.removeAllListeners('data');
          reject(tooLarge(total));
          return;
        }
        chunks.push(c);
      });
      req.on('end', () => {
        if (total > maxBodyBytes) return;
        resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total));
      });
      req.on('error', reject);
    });
  }

  function tooLarge(bytes: number): MlopsError {
    return new MlopsError(
      ServeErrorCode.PayloadTooLarge,
      `The request body is ${bytes} bytes or more; this server accepts at most ${maxBodyBytes} (maxBodyBytes). Send smaller batches or use the binary tensor extension.`,
    );
  }

  async function handleInfer(req: IncomingMessage, res: ServerResponse, d: Deployment, version: string | undefined): Promise<void> {
    const started = performance.now();
    let labelVersion = version ?? '';
    let requestId: string | undefined;
    let batchRows: number | undefined;
    const h = inferHeaders(req.rawHeaders, d.stickyHeader);
    const traceparent = traceparentOf(h.traceparent);
    try {
      const body = await readBody(req, h.contentLength);
      const model = d.route(version, h.sticky);
      labelVersion = model.version;
      const hdr = h.headerLength;
      let headerLength: number | undefined;
      if (hdr !== undefined) {
        headerLength = Number(hdr);
        if (!Number.isInteger(headerLength) || headerLength < 0) {
          throw new InvalidArgumentError(`Inference-Header-Content-Length must be a non-negative integer; found "${String(hdr)}".`);
        }
      }
      const parsed = parseInferRequest(body, headerLength, model.metadata.inputs);
      const wanted = parsed.outputs?.map((o) => o.name);
      requestId = parsed.id;
      const result = await runInference(d, model, parsed.inputs, parsed.parameters, wanted, parsed.id, started, traceparent);
      batchRows = result.batchRows;
      const list: Array<{ name: string; tensor: Tensor; binary: boolean }> = [];
      if (parsed.outputs) {
        for (const o of parsed.outputs) list.push({ name: o.name, tensor: result.outputs[o.name]!, binary: o.binary });
      } else {
        for (const [name, tensor] of Object.entries(result.outputs)) list.push({ name, tensor, binary: parsed.binaryOutputDefault });
      }
      const enc = encodeInferResponse({ modelName: d.name, modelVersion: model.version, id: parsed.id }, list);
      const body2 = enc.body;
      const headers = enc.headers;
      headers['content-length'] = String(typeof body2 === 'string' ? Buffer.byteLength(body2) : body2.length);
      res.writeHead(200, headers);
      res.end(body2);
      const latencyMs = performance.now() - started;
      metrics.observeRequest(d.name, model.version, 200, latencyMs);
      if (accessLog) logAccess({ id: requestId, model: d.name, version: model.version, status: 200, latencyMs, batchRows, protocol: 'http', traceparent });
    } catch (err) {
      const status = httpStatusOf(err);
      if (status === 500 && !MlopsError.isInstance(err)) onError(err);
      const message = err instanceof Error ? err.message : String(err);
      if (status === 413) {
        // The body was not read: the connection cannot carry another request.
        res.writeHead(413, { 'content-type': 'application/json', connection: 'close' });
        res.end(JSON.stringify({ error: message }), () => req.socket.destroy());
      } else if (!res.headersSent) {
        // 429 (queue full) and 503 (loading, draining) are worth retrying: say when.
        sendJson(res, status, { error: message }, status === 429 || status === 503 ? { 'retry-after': '1' } : {});
      }
      // Label values only from what is served: a client naming versions cannot add series.
      const latencyMs = performance.now() - started;
      metrics.observeRequest(d.name, labelVersion === '' || d.versions.has(labelVersion) ? labelVersion : UNKNOWN_LABEL, status, latencyMs);
      if (accessLog) logAccess({ id: requestId, model: d.name, version: labelVersion, status, latencyMs, protocol: 'http', traceparent });
    }
  }

  /**
   * The protocol-independent part of one inference (REST and gRPC): schedule parameters, run,
   * then log and mirror in the background. `model` is the routed version.
   */
  function runInference(
    d: Deployment,
    model: Model,
    inputs: Record<string, TensorInput>,
    parameters: Record<string, ParameterValue>,
    wanted: string[] | undefined,
    id: string | undefined,
    started: number,
    traceparent?: string,
  ): Promise<InferResult> {
    let priority: number | undefined;
    let timeoutMs: number | undefined;
    for (const _ in parameters) {
      // Only requests that carry parameters pay for reading them.
      const timeoutUs = readParam(parameters, 'timeout');
      timeoutMs = readParam(parameters, 'timeout_ms') ?? (timeoutUs !== undefined ? timeoutUs / 1000 : undefined);
      priority = readParam(parameters, 'priority');
      break;
    }
    const shadow = d.pickShadow(model);
    const running = model.infer(inputs, { outputs: wanted, priority, timeoutMs });
    // Not an async function: without logging or a shadow, the caller awaits model.infer's own promise.
    if (!logger && !shadow) return running;
    return running.then((result) => {
      const requestId = id ?? randomUUID();
      if (logger && logger.sample()) {
        logger.record({ requestId, timestampMs: Date.now(), modelName: d.name, modelVersion: model.version, latencyMs: performance.now() - started, inputs: asTensors(inputs), outputs: result.outputs, shadow: false, ...(traceparent ? { traceparent } : {}) });
      }
      if (shadow) runShadow(d, shadow, inputs, result.outputs, requestId);
      return result;
    });
  }

  function asTensors(inputs: Record<string, { data: Tensor['data']; shape: readonly number[]; datatype?: Tensor['datatype'] }>): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const [k, v] of Object.entries(inputs)) out[k] = { data: v.data, shape: [...v.shape], datatype: v.datatype ?? 'FP32' };
    return out;
  }

  function runShadow(d: Deployment, shadow: Model, inputs: Record<string, { data: Tensor['data']; shape: readonly number[] }>, primary: Record<string, Tensor>, requestId: string): void {
    const started = performance.now();
    // Errors of the shadow are counted, never surfaced: the caller already has its answer.
    shadow
      .infer(inputs)
      .then((r) => {
        const same = sameOutputs(primary, r.outputs);
        metrics.shadow.inc({ model: d.name, version: shadow.version, result: same ? 'match' : 'mismatch' });
        if (logger && logger.sample()) {
          logger.record({ requestId, timestampMs: Date.now(), modelName: d.name, modelVersion: shadow.version, latencyMs: performance.now() - started, inputs: asTensors(inputs), outputs: r.outputs, shadow: true });
        }
      })
      .catch(() => {
        metrics.shadow.inc({ model: d.name, version: shadow.version, result: 'error' });
      });
  }

  function requestDone(): void {
    inflightHttp--;
    if (inflightHttp === 0 && drainWaiter) drainWaiter();
  }

  /**
   * The infer hot path first: a POST to an infer URL already routed goes straight to handleInfer,
   * without the async layers of handle() and route() (each costs promises and microtask turns
   * per request). Everything else, and every request when `auth.scope` is "all", takes handle().
   */
  function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!authAll && accepting && req.method === 'POST') {
      const hit = inferRoutes.get(req.url ?? '/');
      const d = hit && deployments.get(hit.name);
      if (d) return handleInfer(req, res, d, hit.version);
    }
    return handle(req, res);
  }

  function requestFailed(err: unknown): void {
    onError(err);
    requestDone();
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      await route(req, res);
    } catch (err) {
      const status = httpStatusOf(err);
      if (status === 500) onError(err);
      if (!res.headersSent) sendJson(res, status, { error: (err as Error).message });
    }
  }

  // Infer URLs already routed, so the hot path skips splitting and decoding the path. Bounded:
  // URLs come from clients. The deployment itself is still looked up per request.
  const inferRoutes = new Map<string, { name: string; version: string | undefined }>();

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawUrl = req.url ?? '/';
    if (authAll && !rawUrl.startsWith('/v2/health/') && !authorized(req.headers.authorization)) return unauthorized(res);
    if (req.method === 'POST' && accepting) {
      const hit = inferRoutes.get(rawUrl);
      const d = hit && deployments.get(hit.name);
      if (d) return handleInfer(req, res, d, hit.version);
    }
    const q = rawUrl.indexOf('?');
    const path = q >= 0 ? rawUrl.slice(0, q) : rawUrl;
    const method = req.method ?? 'GET';
    // HEAD is GET without the body (Node drops it): probes that send HEAD get the same status.
    const isGet = method === 'GET' || method === 'HEAD';
    if (path === '/metrics') {
      if (!isGet) return methodNotAllowed(res, 'GET, HEAD');
      const text = renderMetrics();
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'content-length': Buffer.byteLength(text) });
      res.end(text);
      return;
    }
    const seg = path.split('/');
    if (seg[1] !== 'v2') return sendJson(res, 404, { error: `No route for ${method} ${path}; this server speaks the Open Inference Protocol under /v2.` });
    if (seg.length === 2 || (seg.length === 3 && seg[2] === '')) {
      if (!isGet) return methodNotAllowed(res, 'GET, HEAD');
      return sendJson(res, 200, inferenceHost.serverMetadata());
    }
    if (seg[2] === 'health' && seg.length === 4) {
      if (!isGet) return methodNotAllowed(res, 'GET, HEAD');
      if (seg[3] === 'live') return sendJson(res, 200, { live: true });
      if (seg[3] === 'ready') {
        const ok = ready();
        return sendJson(res, ok ? 200 : 503, { ready: ok });
      }
    }
    if (seg[2] === 'repository') {
      if (method !== 'POST') return methodNotAllowed(res, 'POST');
      if (!authorized(req.headers.authorization)) return unauthorized(res);
      if (!accepting) return sendJson(res, 503, { error: notReady('The server is shutting down and').message }, { 'retry-after': '1' });
      const r = await handleRepository(repositoryHost, req, seg);
      if (r.body === undefined) {
        res.writeHead(r.status, { 'content-type': 'application/json', 'content-length': 0 });
        res.end();
        return;
      }
      return sendJson(res, r.status, r.body);
    }
    if (seg[2] === 'models' && seg.length >= 4) {
      const name = decodePathSegment(seg[3]!);
      let rest = seg.slice(4);
      let version: string | undefined;
      if (rest[0] === 'versions') {
        if (rest.length < 2) return sendJson(res, 404, { error: `No route for ${method} ${path}.` });
        version = decodePathSegment(rest[1]!);
        rest = rest.slice(2);
      }
      const d = deployments.get(name);
      const action = rest.length === 0 ? '' : rest.length === 1 ? rest[0]! : undefined;
      if (action === undefined || (action !== '' && action !== 'ready' && action !== 'infer')) {
        return sendJson(res, 404, { error: `No route for ${method} ${path}.` });
      }
      if (!d) {
        const err = unknownModel(name, [...deployments.keys()]);
        if (action === 'infer') metrics.observeRequest(UNKNOWN_LABEL, UNKNOWN_LABEL, 404, 0);
        return sendJson(res, 404, { error: err.message });
      }
      if (action === 'infer') {
        if (method !== 'POST') return methodNotAllowed(res, 'POST');
        if (!accepting) {
          metrics.observeRequest(name, version === undefined ? '' : d.versions.has(version) ? version : UNKNOWN_LABEL, 503, 0);
          return sendJson(res, 503, { error: notReady('The server is shutting down and').message }, { connection: 'close' });
        }
        if (inferRoutes.size >= 256) inferRoutes.clear();
        inferRoutes.set(rawUrl, { name, version });
        return handleInfer(req, res, d, version);
      }
      if (!isGet) return methodNotAllowed(res, 'GET, HEAD');
      let model: Model;
      try {
        model = version !== undefined ? d.route(version, undefined) : d.route(d.defaultVersion, undefined);
      } catch (err) {
        const status = httpStatusOf(err);
        if (action === 'ready' && status === 503) return sendJson(res, 503, { name, ready: false, ...loadFailureBody(d) }, { 'retry-after': '1' });
        return sendJson(res, status, { error: (err as Error).message, ...loadFailureBody(d) }, status === 503 ? { 'retry-after': '1' } : {});
      }
      if (action === 'ready') {
        const ok = accepting && d.versions.get(model.version) === model;
        return sendJson(res, ok ? 200 : 503, { name, ready: ok });
      }
      return sendJson(res, 200, modelMetadata(d, model));
    }
    return sendJson(res, 404, { error: `No route for ${method} ${path}; see the Open Inference Protocol REST endpoints under /v2.` });
  }

  function unauthorized(res: ServerResponse): void {
    sendJson(res, 401, { error: 'This endpoint needs "Authorization: Bearer <token>" with the token the server was started with.' }, { 'www-authenticate': 'Bearer' });
  }

  function methodNotAllowed(res: ServerResponse, allow: string): void {
    sendJson(res, 405, { error: `Method not allowed here; use ${allow}.` }, { allow });
  }

  function renderMetrics(): string {
    const d = loopDelay;
    return metrics.render(deployments, d, logger?.stats);
  }

  const SERVER_EXTENSIONS = ['binary_tensor_data', 'schedule_policy', 'parameters', ...(repository ? ['model_repository'] : [])];
  const inferenceHost: InferenceHost = {
    deployments,
    accepting: () => accepting,
    ready,
    serverMetadata: () => ({ name: options.name ?? 'mlops-serve', version: PACKAGE_VERSION, extensions: SERVER_EXTENSIONS }),
    unknownModel: (name) => unknownModel(name, [...deployments.keys()]),
    infer: async (d, version, sticky, inputs, parameters, wanted, id, started, traceparent) => {
      const model = d.route(version, sticky);
      const r = await runInference(d, model, inputs, parameters, wanted, id, started, traceparent);
      return { model, outputs: r.outputs, batchRows: r.batchRows };
    },
    observe: (d, version, status, latencyMs, extra) => {
      const model = d ? d.name : UNKNOWN_LABEL;
      const v = !d ? UNKNOWN_LABEL : version === '' || d.versions.has(version) ? version : UNKNOWN_LABEL;
      metrics.observeRequest(model, v, status, latencyMs);
      if (accessLog) logAccess({ ...extra, model, version: v, status, latencyMs, protocol: 'grpc' });
    },
    authorized: (header) => !authAll || authorized(header),
  };

  const server: ModelServer = {
    get url() {
      return url;
    },
    get grpcPort() {
      return grpcEndpoint?.port;
    },
    async listen() {
      if (http) throw new MlopsError(ErrorCode.InvalidArgument, 'listen() was already called on this server.');
      loopDelay = monitorEventLoopDelay({ resolution: 10 });
      loopDelay.enable();
      http = createServer((req, res) => {
        inflightHttp++;
        // handle() and handleInfer() answer every error themselves: shared callbacks, no
        // per-request closure or 'close' listener (requestFailed only guards against a bug).
        void onRequest(req, res).then(requestDone, requestFailed);
      });
      http.keepAliveTimeout = 5000;
      const h = http;
      await new Promise<void>((resolve, reject) => {
        h.once('error', reject);
        h.listen(port, host, () => {
          h.off('error', reject);
          resolve();
        });
      });
      const addr = h.address() as AddressInfo;
      const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
      url = `http://${shownHost}:${addr.port}`;
      if (options.grpc) {
        try {
          const { startGrpc } = await import('./grpc-server.js');
          grpcEndpoint = await startGrpc(inferenceHost, options.grpc, host, maxBodyBytes);
        } catch (err) {
          await server.close();
          throw err;
        }
      }
      if (options.handleSignals) {
        process.once('SIGTERM', signalHandler);
        process.once('SIGINT', signalHandler);
      }
      // Registry-bound models load while the server already answers: live, but not ready.
      const loading = pendingRegistry.splice(0);
      try {
        for (const o of loading) {
          const name = o.name ?? modelNameOfRef(o.ref);
          if (!deployments.has(name)) {
            const placeholder = new Deployment(name);
            placeholder.now = clock;
            deployments.set(name, placeholder);
          }
        }
        for (const o of loading) await bindRegistry(o);
        if (repository) {
          // A model that fails to load is reported (index: UNAVAILABLE with the reason) and the rest serve.
          for (const name of await repository.names()) await loadFromRepository(name).catch(onError);
          stopFollowing = repository.watch?.(followRepository);
        }
      } catch (err) {
        await server.close();
        throw err;
      }
      return { host: addr.address, port: addr.port, url, ...(grpcEndpoint ? { grpcPort: grpcEndpoint.port } : {}) };
    },
    close() {
      closing ??= (async () => {
        stopFollowing?.();
        const delay = options.preStopDelayMs ?? 0;
        if (delay > 0 && http) {
          stopping = true;
          await new Promise((r) => setTimeout(r, delay));
        }
        accepting = false;
        process.off('SIGTERM', signalHandler);
        process.off('SIGINT', signalHandler);
        const h = http;
        const closed = h ? new Promise<void>((resolve) => h.close(() => resolve())) : Promise.resolve();
        h?.closeIdleConnections();
        // In-flight HTTP requests (queued or running in workers) finish, bounded by drainTimeoutMs.
        if (inflightHttp > 0) {
          let timer: ReturnType<typeof setTimeout> | undefined;
          await Promise.race([
            new Promise<void>((resolve) => (drainWaiter = resolve)),
            new Promise<void>((resolve) => (timer = setTimeout(resolve, drainTimeoutMs))),
          ]);
          clearTimeout(timer);
        }
        // gRPC calls in flight finish (bounded) before the models they run on close.
        await grpcEndpoint?.close(drainTimeoutMs);
        await Promise.all([...[...deployments.values()].map((d) => d.close(drainTimeoutMs)), ...retiring]);
        await logger?.close();
        // A response handed to res.end() may still be flushing: close only connections that are
        // done (idle), give the rest a moment, and only then cut what remains. Cutting at once
        // lost the tail of the last responses under load ("socket hang up").
        h?.closeIdleConnections();
        let flushTimer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([closed, new Promise<void>((resolve) => (flushTimer = setTimeout(resolve, 2000)))]);
        clearTimeout(flushTimer);
        h?.closeAllConnections();
        await closed;
        loopDelay?.disable();
      })();
      return closing;
    },
    metrics: renderMetrics,
    async addModel(entry) {
      if (isRegistry(entry)) {
        if (http) await bindRegistry(entry);
        else pendingRegistry.push(entry);
        return;
      }
      addStatic(entry);
    },
    async removeModel(name, version) {
      const d = deployments.get(name);
      if (!d) throw unknownModel(name, [...deployments.keys()]);
      if (version === undefined) {
        deployments.delete(name);
        await d.close(drainTimeoutMs);
        return;
      }
      const m = d.versions.get(version);
      if (!m) throw new MlopsError(ErrorCode.NotFound, `Model "${name}" has no version "${version}".`);
      if (d.traffic?.some((t) => t.version === version)) d.setTraffic(undefined);
      if (d.shadow?.version === version) d.setShadow(undefined);
      d.versions.delete(version);
      if (d.defaultVersion === version) d.defaultVersion = [...d.versions.keys()].pop();
      await m.close({ timeoutMs: drainTimeoutMs });
    },
    setTraffic(name, traffic, stickyHeader) {
      const d = deployments.get(name);
      if (!d) throw unknownModel(name, [...deployments.keys()]);
      d.setTraffic(traffic, stickyHeader);
    },
    setShadow(name, shadow) {
      const d = deployments.get(name);
      if (!d) throw unknownModel(name, [...deployments.keys()]);
      d.setShadow(shadow);
    },
    async reload(name) {
      const d = deployments.get(name);
      if (!d) throw unknownModel(name, [...deployments.keys()]);
      if (!d.registry) throw new InvalidArgumentError(`Model "${name}" is not bound to a registry; nothing to reload.`);
      await d.reload(load, onReload, true);
    },
    status() {
      return [...deployments.values()].map((d) => ({
        name: d.name,
        versions: [...d.versions.keys()],
        defaultVersion: d.defaultVersion,
        ...(d.lastReloadError !== undefined ? { lastReloadError: d.lastReloadError instanceof Error ? d.lastReloadError.message : String(d.lastReloadError) } : {}),
        ...(d.loadFailure ? { loadFailure: { ...d.loadFailure } } : {}),
      }));
    },
  };
  return server;
}

function sameOutputs(a: Record<string, Tensor>, b: Record<string, Tensor>): boolean {
  for (const [name, ta] of Object.entries(a)) {
    const tb = b[name];
    if (!tb || ta.data.length !== tb.data.length) return false;
    for (let i = 0; i < ta.data.length; i++) {
      const x = ta.data[i]!;
      const y = tb.data[i]!;
      if (typeof x === 'number' && typeof y === 'number') {
        if (Math.abs(x - y) > 1e-6 * Math.max(1, Math.abs(x))) return false;
      } else if (x !== y) return false;
    }
  }
  return true;
}
