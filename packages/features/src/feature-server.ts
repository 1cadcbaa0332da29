import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MlopsError } from '@mlops/contracts/errors';
import type { FeatureStore } from './feature-store.js';
import type { FeatureStatus, OnlineFeaturesResult } from './online.js';
import type { OnlineValue } from './online-store.js';

/** Options of {@link createFeatureServer}. */
export interface FeatureServerOptions {
  /** The store to serve. */
  store: FeatureStore;
  /** Port; 0 picks a free one. Default 6566 (Feast's). */
  port?: number;
  /** Interface. Default `127.0.0.1`. */
  host?: string;
  /** Largest accepted request body. Default 1 MiB; larger bodies get 413. */
  bodyLimitBytes?: number;
  /** On `close()`, how long in-flight requests may take before their connections are cut. Default 5000 ms. */
  shutdownTimeoutMs?: number;
}

/** A running feature server. */
export interface FeatureServer {
  /** Base URL, e.g. `http://127.0.0.1:6566`. */
  readonly url: string;
  /** The bound port. */
  readonly port: number;
  /** The underlying `node:http` server. */
  readonly server: Server;
  /** Stops accepting connections, lets in-flight requests finish (up to `shutdownTimeoutMs`), then resolves. */
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const EPOCH = '1970-01-01T00:00:00Z';
// Feast's FieldStatus names; our OUTSIDE_TTL is Feast's OUTSIDE_MAX_AGE.
const FEAST_STATUS: Record<FeatureStatus, string> = { PRESENT: 'PRESENT', NOT_FOUND: 'NOT_FOUND', OUTSIDE_TTL: 'OUTSIDE_MAX_AGE' };

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      reject(new HttpError(413, 'PAYLOAD_TOO_LARGE', `Request body is ${declared} bytes; the limit is ${limit} bytes.`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new HttpError(413, 'PAYLOAD_TOO_LARGE', `Request body exceeds the limit of ${limit} bytes.`));
        req.pause();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

async function readJson(req: IncomingMessage, limit: number): Promise<Record<string, unknown>> {
  const body = await readBody(req, limit);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new HttpError(400, 'INVALID_ARGUMENT', `Request body is not valid JSON: ${(error as Error).message}.`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new HttpError(400, 'INVALID_ARGUMENT', 'Request body must be a JSON object.');
  return parsed as Record<string, unknown>;
}

// JSON with int64 values (bigint) written as plain numbers, as Feast does.
function stringify(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? `__bigint__${v}__` : v)).replace(/"__bigint__(-?\d+)__"/g, '$1');
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = body === undefined ? '' : stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function rfc3339(ms: number | null): string {
  return ms === null ? EPOCH : new Date(ms).toISOString().replace('.000Z', 'Z');
}

/** Feast's column-oriented response: join keys first (PRESENT, epoch time), then one result per feature. */
export function toFeastResponse(entities: Readonly<Record<string, readonly unknown[]>>, result: OnlineFeaturesResult): unknown {
  const names: string[] = [];
  const results: { values: unknown[]; statuses: string[]; event_timestamps: string[] }[] = [];
  for (const [key, values] of Object.entries(entities)) {
    names.push(key);
    results.push({ values: [...values], statuses: values.map(() => 'PRESENT'), event_timestamps: values.map(() => EPOCH) });
  }
  for (const name of result.featureNames) {
    const column = result.features[name]!;
    names.push(name);
    results.push({ values: column.values as OnlineValue[], statuses: column.statuses.map((s) => FEAST_STATUS[s]), event_timestamps: column.eventTimestampsMs.map(rfc3339) });
  }
  return { metadata: { feature_names: names }, results };
}

function statusOf(error: unknown): number {
  if (error instanceof HttpError) return error.status;
  if (MlopsError.isInstance(error)) {
    if (['INVALID_ARGUMENT', 'SCHEMA_MISMATCH', 'NOT_FOUND'].includes(error.code)) return 400;
    if (error.code === 'SERVICE_UNAVAILABLE' || error.code === 'TIMEOUT') return 503;
  }
  return 500;
}

function columnsObject(value: unknown, what: string): Record<string, readonly unknown[]> {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.values(value).every(Array.isArray)) {
    throw new HttpError(400, 'INVALID_ARGUMENT', `"${what}" must be an object mapping each column to a list of values, e.g. {"driver_id": [1001, 1002]}.`);
  }
  return value as Record<string, readonly unknown[]>;
}

/**
 * Serves a feature store over HTTP with Feast's feature-server JSON:
 * `POST /get-online-features` (`features` or `feature_service`, columnar `entities`,
 * `full_feature_names`, `request_context` for on-demand inputs; column-oriented response with
 * `PRESENT` / `NOT_FOUND` / `OUTSIDE_MAX_AGE` statuses), `POST /push` (`push_source_name` = view
 * name, columnar `df`, `to`), `GET /health`. Bad requests get 400 with `{ error: { code, message } }`,
 * bodies over the limit 413. Resolves once listening.
 */
export async function createFeatureServer(options: FeatureServerOptions): Promise<FeatureServer> {
  const { store } = options;
  if (!store || typeof store.getOnlineFeatures !== 'function') throw new MlopsError('INVALID_ARGUMENT', 'createFeatureServer: expected { store } (a FeatureStore from createFeatureStore).');
  const limit = options.bodyLimitBytes ?? 1024 * 1024;
  const shutdownMs = options.shutdownTimeoutMs ?? 5000;
  let inFlight = 0;
  let closing = false;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/health') {
      if (req.method !== 'GET') throw new HttpError(405, 'METHOD_NOT_ALLOWED', 'Use GET /health.');
      send(res, closing ? 503 : 200, undefined);
      return;
    }
    if (path !== '/get-online-features' && path !== '/push') throw new HttpError(404, 'NOT_FOUND', `No route ${req.method} ${path}; routes: POST /get-online-features, POST /push, GET /health.`);
    if (req.method !== 'POST') throw new HttpError(405, 'METHOD_NOT_ALLOWED', `Use POST ${path}.`);
    const body = await readJson(req, limit);
    if (path === '/get-online-features') {
      const features = typeof body.feature_service === 'string' ? body.feature_service : body.features;
      if (features === undefined) throw new HttpError(400, 'INVALID_ARGUMENT', 'Pass "features" (a list of "view:feature") or "feature_service" (a name).');
      const entities = columnsObject(body.entities, 'entities');
      const requestData = body.request_context === undefined ? undefined : columnsObject(body.request_context, 'request_context');
      const result = await store.getOnlineFeatures({
        features: features as string[],
        entities,
        ...(requestData ? { requestData } : {}),
        fullFeatureNames: body.full_feature_names === true,
      });
      send(res, 200, toFeastResponse(entities, result));
      return;
    }
    const view = body.push_source_name;
    if (typeof view !== 'string') throw new HttpError(400, 'INVALID_ARGUMENT', '"push_source_name" (the feature view to push to) is required.');
    const to = body.to ?? 'online';
    const target = to === 'online' ? 'online' : to === 'offline' ? 'offline' : to === 'online_and_offline' ? 'both' : undefined;
    if (!target) throw new HttpError(400, 'INVALID_ARGUMENT', `"to" must be "online", "offline" or "online_and_offline", found ${JSON.stringify(to)}.`);
    await store.push(view, columnsObject(body.df, 'df'), { to: target });
    send(res, 200, undefined);
  };

  const server = createServer((req, res) => {
    inFlight++;
    handle(req, res)
      .catch((error: unknown) => {
        const status = statusOf(error);
        const code = error instanceof HttpError ? error.code : MlopsError.isInstance(error) ? error.code : 'INTERNAL';
        const message = status === 500 && !MlopsError.isInstance(error) ? 'Internal error.' : (error as Error).message;
        if (!res.headersSent) {
          if (status === 413) res.setHeader('connection', 'close');
          send(res, status, { error: { code, message } });
        }
      })
      .finally(() => {
        inFlight--;
      });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 6566, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = options.host ?? '127.0.0.1';
  let closed: Promise<void> | undefined;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`,
    port: address.port,
    server,
    close() {
      closed ??= new Promise<void>((resolve) => {
        closing = true;
        const deadline = setTimeout(() => server.closeAllConnections(), shutdownMs);
        server.close(() => {
          clearTimeout(deadline);
          resolve();
        });
        server.closeIdleConnections();
        // Keep-alive sockets that finish their request are closed as they go idle.
        const sweep = setInterval(() => {
          server.closeIdleConnections();
          if (inFlight === 0) clearInterval(sweep);
        }, 50);
        sweep.unref();
      });
      return closed;
    },
  };
}
