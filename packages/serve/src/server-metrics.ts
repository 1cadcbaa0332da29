import { readdirSync } from 'node:fs';
import type { IntervalHistogram } from 'node:perf_hooks';
import type { Deployment } from './deployment.js';
import type { Model } from './model.js';
import type { PredictionLogStats } from './prediction-log.js';
import { BATCH_BUCKETS, LATENCY_BUCKETS_S, LabelCache, MetricRegistry } from './prometheus.js';

/** Label value for requests naming a model or version that is not served (bounded cardinality). */
export const UNKNOWN_LABEL = '_unknown';

/** Window of `mlops_serve_worker_utilization_ratio`, in ms. */
const UTILIZATION_WINDOW_MS = 60_000;

/** The server's Prometheus metrics (names prefixed `mlops_serve_`, plus standard `process_*`). */
export class ServeMetrics {
  private readonly registry = new MetricRegistry();
  readonly requests = this.registry.counter('mlops_serve_requests_total', 'Inference requests by model, version and HTTP status (unknown models and versions counted as _unknown).');
  readonly requestDuration = this.registry.histogram('mlops_serve_request_duration_seconds', 'Server-side latency of inference requests by status (read, queue, inference, encode).', LATENCY_BUCKETS_S);
  readonly queueWait = this.registry.histogram('mlops_serve_queue_wait_seconds', 'Time requests waited in the model queue before their batch was dispatched.', LATENCY_BUCKETS_S);
  readonly inference = this.registry.histogram('mlops_serve_inference_duration_seconds', 'Time of one session.run (one batch) inside a worker.', LATENCY_BUCKETS_S);
  readonly batchSize = this.registry.histogram('mlops_serve_batch_size', 'Rows per executed batch.', BATCH_BUCKETS);
  readonly batchRequests = this.registry.histogram('mlops_serve_batch_requests', 'Requests merged per executed batch.', BATCH_BUCKETS);
  readonly batchRetries = this.registry.counter('mlops_serve_batch_retries_total', 'Merged batches that failed at run time and were re-run one request at a time.');
  readonly rejected = this.registry.counter('mlops_serve_rejected_total', 'Requests rejected by admission: queue_full (429) or timeout (504).');
  readonly queueDepth = this.registry.gauge('mlops_serve_queue_depth', 'Requests waiting in the model queue.');
  readonly pending = this.registry.gauge('mlops_serve_pending_requests', 'Requests queued or running.');
  readonly workers = this.registry.gauge('mlops_serve_workers', 'Worker threads of the model version.');
  readonly workerBusy = this.registry.counter('mlops_serve_worker_busy_seconds_total', 'Time workers spent in session.run since the version was loaded; rate() it for utilisation.');
  readonly workerUtil = this.registry.gauge('mlops_serve_worker_utilization_ratio', 'Fraction of worker time spent in session.run over the last minute (since load when younger), the same for every scraper.');
  readonly reloads = this.registry.counter('mlops_serve_reloads_total', 'Registry reload attempts by result (success, failure).');
  readonly loadFailing = this.registry.gauge('mlops_serve_model_load_consecutive_failures', 'Consecutive failed loads of the version a model should serve (0 when none).');
  readonly loadBackoff = this.registry.gauge('mlops_serve_model_load_backoff_seconds', 'Current backoff before that version is loaded again (0 when none).');
  readonly shadow = this.registry.counter('mlops_serve_shadow_total', 'Shadow (mirrored) inferences by result: match, mismatch, error.');
  readonly served = this.registry.gauge('mlops_serve_model_version_info', '1 for each served version; default="true" on the one answering unversioned requests.');
  readonly loopDelay = this.registry.gauge('mlops_serve_event_loop_delay_seconds', 'Event-loop delay since start (stat = p50, p99, max, mean).');
  readonly logRows = this.registry.counter('mlops_serve_prediction_log_rows_total', 'Prediction log rows by state (logged, dropped).');
  readonly logFiles = this.registry.counter('mlops_serve_prediction_log_files_total', 'Prediction log files by state (written, failed).');
  readonly monitorErrors = this.registry.counter('mlops_serve_prediction_log_monitor_errors_total', 'Errors thrown by the prediction monitor.');
  readonly cpu = this.registry.counter('process_cpu_seconds_total', 'Total user and system CPU time spent in seconds.');
  readonly cpuUser = this.registry.counter('process_cpu_user_seconds_total', 'Total user CPU time spent in seconds.');
  readonly cpuSystem = this.registry.counter('process_cpu_system_seconds_total', 'Total system CPU time spent in seconds.');
  readonly startTime = this.registry.gauge('process_start_time_seconds', 'Start time of the process since unix epoch in seconds.');
  readonly rss = this.registry.gauge('process_resident_memory_bytes', 'Resident memory size in bytes.');
  readonly heap = this.registry.gauge('process_heap_bytes', 'Process heap size in bytes.');
  readonly fds = this.registry.gauge('process_open_fds', 'Number of open file descriptors.');
  private readonly keys = new LabelCache();
  private readonly attached = new WeakSet<Model>();
  private readonly okKeys = new Map<string, Map<string, { requests: string; duration: string }>>();
  private readonly samples = new WeakMap<Model, Array<{ busyMs: number; wallMs: number }>>();
  private readonly startSeconds = Date.now() / 1000 - process.uptime();

  attach(m: Model): void {
    if (this.attached.has(m)) return;
    this.attached.add(m);
    const labels = { model: m.name, version: m.version };
    const key = this.keys.key('model', m.name, 'version', m.version);
    m.observe({
      onBatch: (rows, requests, runMs) => {
        this.batchSize.observeKey(key, rows);
        this.batchRequests.observeKey(key, requests);
        this.inference.observeKey(key, runMs / 1000);
      },
      onBatchRetry: () => this.batchRetries.incKey(key),
      onDequeue: (waitMs) => this.queueWait.observeKey(key, waitMs / 1000),
      onReject: (reason) => this.rejected.inc({ ...labels, reason }),
    });
  }

  /** Count one request and its latency. `model` and `version` must be served ones or {@link UNKNOWN_LABEL}. */
  observeRequest(model: string, version: string, status: number, latencyMs: number): void {
    if (status === 200) {
      // Every successful request lands here: look its two label keys up without building strings.
      let byVersion = this.okKeys.get(model);
      if (byVersion === undefined) this.okKeys.set(model, (byVersion = new Map()));
      let k = byVersion.get(version);
      if (k === undefined) {
        k = { requests: this.keys.key('model', model, 'status', '200', 'version', version), duration: this.keys.key('model', model, 'status', '200', 'version', version) };
        byVersion.set(version, k);
      }
      this.requests.incKey(k.requests);
      this.requestDuration.observeKey(k.duration, latencyMs / 1000);
      return;
    }
    const k = this.keys.key('model', model, 'status', String(status), 'version', version);
    this.requests.incKey(k);
    this.requestDuration.observeKey(k, latencyMs / 1000);
  }

  render(deployments: Map<string, Deployment>, loop: IntervalHistogram | undefined, log: PredictionLogStats | undefined): string {
    for (const g of [this.queueDepth, this.pending, this.workers, this.workerUtil, this.served, this.loadFailing, this.loadBackoff]) g.clear();
    this.workerBusy.clear();
    for (const d of deployments.values()) {
      const f = d.loadFailure;
      this.loadFailing.set({ model: d.name }, f?.attempts ?? 0);
      this.loadBackoff.set({ model: d.name }, f ? f.backoffMs / 1000 : 0);
      for (const m of d.versions.values()) {
        const labels = { model: d.name, version: m.version };
        const s = m.stats();
        this.queueDepth.set(labels, s.queueDepth);
        this.pending.set(labels, s.pending);
        this.workers.set(labels, s.workers);
        this.workerBusy.set(labels, s.busyMs / 1000);
        this.workerUtil.set(labels, this.utilisation(m, s.busyMs, s.wallMs, s.workers));
        this.served.set({ ...labels, default: String(d.defaultVersion === m.version) }, 1);
      }
    }
    if (loop) {
      this.loopDelay.set({ stat: 'p50' }, loop.percentile(50) / 1e9);
      this.loopDelay.set({ stat: 'p99' }, loop.percentile(99) / 1e9);
      this.loopDelay.set({ stat: 'max' }, loop.max / 1e9);
      this.loopDelay.set({ stat: 'mean' }, (Number.isNaN(loop.mean) ? 0 : loop.mean) / 1e9);
    }
    if (log) {
      this.logRows.set({ state: 'logged' }, log.loggedRows);
      this.logRows.set({ state: 'dropped' }, log.droppedRows);
      this.logFiles.set({ state: 'written' }, log.writtenFiles);
      this.logFiles.set({ state: 'failed' }, log.failedWrites);
      this.monitorErrors.set({}, log.monitorErrors);
    }
    const cpu = process.cpuUsage();
    this.cpuUser.set({}, cpu.user / 1e6);
    this.cpuSystem.set({}, cpu.system / 1e6);
    this.cpu.set({}, (cpu.user + cpu.system) / 1e6);
    this.startTime.set({}, Math.round(this.startSeconds));
    const mem = process.memoryUsage();
    this.rss.set({}, mem.rss);
    this.heap.set({}, mem.heapTotal);
    const fds = openFds();
    if (fds !== undefined) this.fds.set({}, fds);
    return this.registry.render();
  }

  /**
   * Utilisation over a trailing window, from samples taken at scrapes but never reset by them:
   * two scrapers (or a person with curl) see the same figure.
   */
  private utilisation(m: Model, busyMs: number, wallMs: number, workers: number): number {
    let list = this.samples.get(m);
    if (list === undefined) this.samples.set(m, (list = []));
    const last = list[list.length - 1];
    if (last === undefined || wallMs - last.wallMs >= 1000) list.push({ busyMs, wallMs });
    // Keep the newest sample at least a window old as the base, drop older ones.
    while (list.length > 2 && wallMs - list[1]!.wallMs >= UTILIZATION_WINDOW_MS) list.shift();
    let base = list[0]!;
    if (wallMs - base.wallMs < 1000 && list.length === 1) base = { busyMs: 0, wallMs: 0 };
    const wall = (wallMs - base.wallMs) * workers;
    return wall > 0 ? Math.min(1, (busyMs - base.busyMs) / wall) : 0;
  }
}

function openFds(): number | undefined {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return undefined;
  }
}
