import type { IntervalHistogram } from 'node:perf_hooks';
import type { Deployment } from './deployment.js';
import type { Model } from './model.js';
import type { PredictionLogStats } from './prediction-log.js';
import { BATCH_BUCKETS, LATENCY_BUCKETS_S, LabelCache, MetricRegistry } from './prometheus.js';

/** The server's Prometheus metrics (names prefixed `mlops_serve_`). */
export class ServeMetrics {
  private readonly registry = new MetricRegistry();
  readonly requests = this.registry.counter('mlops_serve_requests_total', 'Inference requests by model, version and HTTP status.');
  readonly requestDuration = this.registry.histogram('mlops_serve_request_duration_seconds', 'Server-side latency of inference requests (read, queue, inference, encode).', LATENCY_BUCKETS_S);
  readonly queueWait = this.registry.histogram('mlops_serve_queue_wait_seconds', 'Time requests waited in the model queue before their batch was dispatched.', LATENCY_BUCKETS_S);
  readonly inference = this.registry.histogram('mlops_serve_inference_duration_seconds', 'Time of one session.run (one batch) inside a worker.', LATENCY_BUCKETS_S);
  readonly batchSize = this.registry.histogram('mlops_serve_batch_size', 'Rows per executed batch.', BATCH_BUCKETS);
  readonly batchRequests = this.registry.histogram('mlops_serve_batch_requests', 'Requests merged per executed batch.', BATCH_BUCKETS);
  readonly rejected = this.registry.counter('mlops_serve_rejected_total', 'Requests rejected by admission: queue_full (429) or timeout (504).');
  readonly queueDepth = this.registry.gauge('mlops_serve_queue_depth', 'Requests waiting in the model queue.');
  readonly pending = this.registry.gauge('mlops_serve_pending_requests', 'Requests queued or running.');
  readonly workers = this.registry.gauge('mlops_serve_workers', 'Worker threads of the model version.');
  readonly workerBusy = this.registry.gauge('mlops_serve_worker_busy_seconds', 'Total time workers spent in session.run since the version was loaded (monotonic).');
  readonly workerUtil = this.registry.gauge('mlops_serve_worker_utilization_ratio', 'Fraction of worker time spent in session.run since the previous scrape (0..1).');
  readonly reloads = this.registry.counter('mlops_serve_reloads_total', 'Registry reload attempts by result (success, failure).');
  readonly shadow = this.registry.counter('mlops_serve_shadow_total', 'Shadow (mirrored) inferences by result: match, mismatch, error.');
  readonly served = this.registry.gauge('mlops_serve_model_version_info', '1 for each served version; default="true" on the one answering unversioned requests.');
  readonly loopDelay = this.registry.gauge('mlops_serve_event_loop_delay_seconds', 'Event-loop delay since start (stat = p50, p99, max, mean).');
  readonly logRows = this.registry.gauge('mlops_serve_prediction_log_rows', 'Prediction log rows (state = logged, dropped).');
  readonly logFiles = this.registry.gauge('mlops_serve_prediction_log_files', 'Prediction log files (state = written, failed); monitor errors.');
  private readonly keys = new LabelCache();
  private readonly attached = new WeakSet<Model>();
  private readonly okKeys = new Map<string, Map<string, { requests: string; duration: string }>>();
  private readonly lastBusy = new WeakMap<Model, { busyMs: number; wallMs: number }>();

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
      onDequeue: (waitMs) => this.queueWait.observeKey(key, waitMs / 1000),
      onReject: (reason) => this.rejected.inc({ ...labels, reason }),
    });
  }

  observeRequest(model: string, version: string, status: number, latencyMs: number): void {
    if (status === 200) {
      // Every successful request lands here: look its two label keys up without building strings.
      let byVersion = this.okKeys.get(model);
      if (byVersion === undefined) this.okKeys.set(model, (byVersion = new Map()));
      let k = byVersion.get(version);
      if (k === undefined) {
        k = { requests: this.keys.key('model', model, 'status', '200', 'version', version), duration: this.keys.key('model', model, 'version', version) };
        // Bounded like LabelCache: version strings come from requests.
        if (byVersion.size < 1000) byVersion.set(version, k);
      }
      this.requests.incKey(k.requests);
      this.requestDuration.observeKey(k.duration, latencyMs / 1000);
      return;
    }
    this.requests.incKey(this.keys.key('model', model, 'status', String(status), 'version', version));
  }

  render(deployments: Map<string, Deployment>, loop: IntervalHistogram | undefined, log: PredictionLogStats | undefined): string {
    for (const g of [this.queueDepth, this.pending, this.workers, this.workerBusy, this.workerUtil, this.served]) g.clear();
    for (const d of deployments.values()) {
      for (const m of d.versions.values()) {
        const labels = { model: d.name, version: m.version };
        const s = m.stats();
        this.queueDepth.set(labels, s.queueDepth);
        this.pending.set(labels, s.pending);
        this.workers.set(labels, s.workers);
        this.workerBusy.set(labels, s.busyMs / 1000);
        const prev = this.lastBusy.get(m) ?? { busyMs: 0, wallMs: 0 };
        const wall = (s.wallMs - prev.wallMs) * s.workers;
        this.workerUtil.set(labels, wall > 0 ? Math.min(1, (s.busyMs - prev.busyMs) / wall) : 0);
        this.lastBusy.set(m, { busyMs: s.busyMs, wallMs: s.wallMs });
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
      this.logFiles.set({ state: 'monitor_errors' }, log.monitorErrors);
    }
    return this.registry.render();
  }
}
