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

/**
 * An error answer. Bodies follow Feast's feature server (FastAPI): a Feast error class is
 * `JSON.stringify({ module, class, message })` sent as a JSON string (what `FeastError.to_error_detail()`
 * gives and Feast's Python client parses back into the same exception), request-validation errors
 * pydantic's `{ "detail": [{ type, loc, msg, input }] }`, other failures a JSON string message.
 */
class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body: unknown = message,
  ) {
    super(message);
  }
}

/** One pydantic v2 validation error, as FastAPI reports it. */
interface ValidationDetail {
  type: string;
  loc: (string | number)[];
  msg: string;
  input: unknown;
  ctx?: Record<string, unknown>;
}

function validationError(details: ValidationDetail[]): HttpError {
  return new HttpError(422, 'INVALID_ARGUMENT', details.map((d) => `${d.loc.join('.')}: ${d.msg}`).join('; '), { detail: details });
}

function feastError(status: number, feastClass: string, code: string, message: string): HttpError {
  return new HttpError(status, code, message, JSON.stringify({ module: 'feast.errors', class: feastClass, message }));
}

const EPOCH = '1970-01-01T00:00:00Z';
// Feast's FieldStatus names; our OUTSIDE_TTL is Feast's OUTSIDE_MAX_AGE.
const FEAST_STATUS: Record<FeatureStatus, string> = { PRESENT: 'PRESENT', NOT_FOUND: 'NOT_FOUND', OUTSIDE_TTL: 'OUTSIDE_MAX_AGE' };

const tooLarge = (message: string) => new HttpError(413, 'PAYLOAD_TOO_LARGE', message, { detail: message });

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      reject(tooLarge(`Request body is ${declared} bytes; the limit is ${limit} bytes (bodyLimitBytes).`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(tooLarge(`Request body exceeds the limit of ${limit} bytes (bodyLimitBytes).`));
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
    const position = /position (\d+)/.exec((error as Error).message);
    throw validationError([{ type: 'json_invalid', loc: ['body', position ? Number(position[1]) : 0], msg: 'JSON decode error', input: {}, ctx: { error: (error as Error).message } }]);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw validationError([{ type: 'model_attributes_type', loc: ['body'], msg: 'Input should be a valid dictionary or object to extract fields from', input: parsed }]);
  }
  return parsed as Record<string, unknown>;
}

// JSON with int64 values (bigint) written as plain numbers, as Feast does.
function stringify(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? `__bigint__${v}__` : v)).replace(/"__bigint__(-?\d+)__"/g, '$1');
}

function send(res: ServerResponse, status: number, body: unknown): void {
  sendJsonText(res, status, body === undefined ? '' : stringify(body));
}

function sendJsonText(res: ServerResponse, status: number, text: string): void {
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

function valueJson(v: unknown): string {
  switch (typeof v) {
    case 'number':
      return Number.isFinite(v) ? String(v) : 'null';
    case 'string':
      return JSON.stringify(v);
    case 'bigint':
      return String(v);
    case 'boolean':
      return v ? 'true' : 'false';
    default:
      return v === null || v === undefined ? 'null' : stringify(v);
  }
}

function arrayJson(values: readonly unknown[]): string {
  // Native JSON.stringify writes numbers, strings, booleans and null (NaN/Infinity as null) as
  // we would; only int64 values (bigint) need writing by hand.
  let bigint = false;
  for (let i = 0; i < values.length; i++) {
    if (typeof values[i] === 'bigint') {
      bigint = true;
      break;
    }
  }
  if (!bigint) return JSON.stringify(values);
  let out = '[';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ',';
    out += valueJson(values[i]);
  }
  return `${out}]`;
}

const STATUS_JSON: Record<FeatureStatus, string> = { PRESENT: '"PRESENT"', NOT_FOUND: '"NOT_FOUND"', OUTSIDE_TTL: '"OUTSIDE_MAX_AGE"' };

/**
 * `stringify(toFeastResponse(...))` written directly: a 100 x 50 answer is 15,000 JSON values,
 * and a replacer over each plus one `toISOString` per value cost more than the lookup itself.
 * Event times repeat across a view's features, so each distinct time is formatted once.
 */
export function feastResponseJson(entities: Readonly<Record<string, readonly unknown[]>>, result: OnlineFeaturesResult): string {
  const names: string[] = [];
  const parts: string[] = [];
  for (const [key, values] of Object.entries(entities)) {
    names.push(key);
    const epochs = new Array<string>(values.length).fill(`"${EPOCH}"`).join(',');
    const present = new Array<string>(values.length).fill(STATUS_JSON.PRESENT).join(',');
    parts.push(`{"values":${arrayJson(values)},"statuses":[${present}],"event_timestamps":[${epochs}]}`);
  }
  const times = new Map<number | null, string>();
  for (const name of result.featureNames) {
    const column = result.features[name]!;
    names.push(name);
    const statuses = new Array<string>(column.statuses.length);
    for (let i = 0; i < statuses.length; i++) statuses[i] = STATUS_JSON[column.statuses[i]!];
    const stamps = new Array<string>(column.eventTimestampsMs.length);
    for (let i = 0; i < stamps.length; i++) {
      const ms = column.eventTimestampsMs[i]!;
      let t = times.get(ms);
      if (t === undefined) times.set(ms, (t = `"${rfc3339(ms)}"`));
      stamps[i] = t;
    }
    parts.push(`{"values":${arrayJson(column.values)},"statuses":[${statuses.join(',')}],"event_timestamps":[${stamps.join(',')}]}`);
  }
  return `{"metadata":{"feature_names":${JSON.stringify(names)}},"results":[${parts.join(',')}]}`;
}

// Feast's answer for each store error: its FeastError class and status where Feast has one.
function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (!MlopsError.isInstance(error)) return new HttpError(500, 'INTERNAL', 'Internal error.');
  const details = (error.details ?? {}) as { service?: unknown; unknown?: unknown; missing?: unknown; collisions?: unknown };
  if (error.code === 'NOT_FOUND' && typeof details.service === 'string') return feastError(404, 'FeatureServiceNotFoundException', error.code, error.message);
  if (error.code === 'NOT_FOUND' && Array.isArray(details.unknown) && details.unknown.some((u) => String(u).includes('(no view'))) return feastError(404, 'FeatureViewNotFoundException', error.code, error.message);
  if (error.code === 'INVALID_ARGUMENT' && Array.isArray(details.missing) && /needs request data/.test(error.message)) return feastError(404, 'RequestDataNotFoundInEntityRowsException', error.code, error.message);
  if (error.code === 'INVALID_ARGUMENT' && Array.isArray(details.collisions)) return feastError(500, 'FeatureNameCollisionError', error.code, error.message);
  if (error.code === 'SERVICE_UNAVAILABLE' || error.code === 'TIMEOUT') return new HttpError(503, error.code, error.message);
  // Feast answers the remaining bad inputs with 500 (an unhandled ValueError or KeyError); the
  // request is at fault, so 422, FastAPI's status for an invalid request, with Feast's body shape.
  return new HttpError(422, error.code, error.message);
}

// A pydantic-style check of one request field (FastAPI answers 422 with these before the handler runs).
function checkField(body: Record<string, unknown>, name: string, kind: 'string' | 'bool' | 'list' | 'columns', required: boolean, problems: ValidationDetail[]): void {
  const value = body[name];
  if (value === undefined || value === null) {
    if (required) problems.push({ type: 'missing', loc: ['body', name], msg: 'Field required', input: body });
    return;
  }
  if (kind === 'string' && typeof value !== 'string') problems.push({ type: 'string_type', loc: ['body', name], msg: 'Input should be a valid string', input: value });
  else if (kind === 'bool' && typeof value !== 'boolean') problems.push({ type: 'bool_type', loc: ['body', name], msg: 'Input should be a valid boolean', input: value });
  else if (kind === 'list' && !Array.isArray(value)) problems.push({ type: 'list_type', loc: ['body', name], msg: 'Input should be a valid list', input: value });
  else if (kind === 'columns') {
    if (typeof value !== 'object' || Array.isArray(value)) problems.push({ type: 'dict_type', loc: ['body', name], msg: 'Input should be a valid dictionary', input: value });
    else for (const [column, values] of Object.entries(value)) if (!Array.isArray(values)) problems.push({ type: 'list_type', loc: ['body', name, column], msg: 'Input should be a valid list', input: values });
  }
}

function validate(body: Record<string, unknown>, fields: [string, 'string' | 'bool' | 'list' | 'columns', boolean][]): void {
  const problems: ValidationDetail[] = [];
  for (const [name, kind, required] of fields) checkField(body, name, kind, required, problems);
  if (problems.length > 0) throw validationError(problems);
}

/**
 * Serves a feature store over HTTP with Feast's feature-server JSON:
 * `POST /get-online-features` (`features` or `feature_service`, columnar `entities`,
 * `full_feature_names`, `request_context` for on-demand inputs; column-oriented response with
 * `PRESENT` / `NOT_FOUND` / `OUTSIDE_MAX_AGE` statuses), `POST /push` (`push_source_name` = view
 * name, columnar `df`, `to`), `GET /health`. Errors answer with Feast's status and body (see the
 * README's table): 404/422/500 with `FeastError.to_error_detail()` for Feast's error classes, 422
 * with pydantic's `{ detail: [...] }` for malformed requests, 422 with the message for other bad
 * input, 503 when the online store is unreachable, 413 over `bodyLimitBytes`; every error carries
 * our stable code in the `x-mlops-error-code` header. Resolves once listening.
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
      if (req.method !== 'GET') throw new HttpError(405, 'METHOD_NOT_ALLOWED', 'Method Not Allowed', { detail: 'Method Not Allowed' });
      send(res, closing ? 503 : 200, undefined);
      return;
    }
    if (path !== '/get-online-features' && path !== '/push') throw new HttpError(404, 'NOT_FOUND', 'Not Found', { detail: 'Not Found' });
    if (req.method !== 'POST') throw new HttpError(405, 'METHOD_NOT_ALLOWED', 'Method Not Allowed', { detail: 'Method Not Allowed' });
    const body = await readJson(req, limit);
    if (path === '/get-online-features') {
      validate(body, [
        ['entities', 'columns', true],
        ['features', 'list', false],
        ['feature_service', 'string', false],
        ['full_feature_names', 'bool', false],
        ['request_context', 'columns', false],
      ]);
      const features = typeof body.feature_service === 'string' ? body.feature_service : body.features;
      if (features === undefined || features === null) throw new HttpError(422, 'INVALID_ARGUMENT', 'No features specified for retrieval: pass "features" (a list of "view:feature") or "feature_service" (a name).');
      const entities = body.entities as Record<string, readonly unknown[]>;
      const requestData = body.request_context as Record<string, readonly unknown[]> | undefined | null;
      const result = await store.getOnlineFeatures({
        features: features as string[],
        entities,
        ...(requestData ? { requestData } : {}),
        fullFeatureNames: body.full_feature_names === true,
      });
      sendJsonText(res, 200, feastResponseJson(entities, result));
      return;
    }
    validate(body, [
      ['push_source_name', 'string', true],
      ['df', 'columns', true],
      ['to', 'string', false],
    ]);
    const view = body.push_source_name as string;
    const to = body.to ?? 'online';
    const target = to === 'online' ? 'online' : to === 'offline' ? 'offline' : to === 'online_and_offline' ? 'both' : undefined;
    if (!target) throw new HttpError(422, 'INVALID_ARGUMENT', `${String(to)} is not a supported push format. Please specify one of these ['online', 'offline', 'online_and_offline'].`);
    if (!store.catalog.views.has(view)) {
      throw feastError(422, 'PushSourceNotFoundException', 'NOT_FOUND', `Unable to find push source '${view}'. Push sources are the feature views: [${[...store.catalog.views.keys()].join(', ')}].`);
    }
    await store.push(view, body.df as Record<string, readonly unknown[]>, { to: target });
    send(res, 200, undefined);
  };

  const server = createServer((req, res) => {
    inFlight++;
    handle(req, res)
      .catch((error: unknown) => {
        const reply = toHttpError(error);
        if (!res.headersSent) {
          if (reply.status === 413) res.setHeader('connection', 'close');
          // Our stable code rides along in a header; the body is Feast's.
          res.setHeader('x-mlops-error-code', reply.code);
          send(res, reply.status, reply.body);
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
