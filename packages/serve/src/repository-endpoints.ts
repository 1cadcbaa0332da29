// Model repository extension endpoints (Triton's shape): POST /v2/repository/index,
// POST /v2/repository/models/{name}/load and .../unload.
import type { IncomingMessage } from 'node:http';
import { ErrorCode, InvalidArgumentError, MlopsError } from '@mlops/contracts/errors';
import type { Deployment } from './deployment.js';
import type { ModelRepository } from './model-repository.js';

/** One entry of the repository index. */
export interface RepositoryIndexEntry {
  name: string;
  version?: string;
  state?: 'READY' | 'UNAVAILABLE' | 'LOADING' | 'UNLOADING';
  reason?: string;
}

/** What the endpoints need from the server. */
export interface RepositoryHost {
  repository: ModelRepository | undefined;
  deployments: Map<string, Deployment>;
  /** Models being loaded or unloaded now, and the last load failure per model. */
  transitions: Map<string, 'LOADING' | 'UNLOADING'>;
  failures: Map<string, string>;
  load(name: string): Promise<void>;
  unload(name: string): Promise<void>;
}

/** Build the index: served versions READY, failed loads UNAVAILABLE with the reason, others name only. */
export async function repositoryIndex(host: RepositoryHost, readyOnly: boolean): Promise<RepositoryIndexEntry[]> {
  const names = new Set<string>(host.deployments.keys());
  if (host.repository) for (const n of await host.repository.names()) names.add(n);
  for (const n of host.failures.keys()) names.add(n);
  const out: RepositoryIndexEntry[] = [];
  for (const name of [...names].sort()) {
    const d = host.deployments.get(name);
    const transition = host.transitions.get(name);
    if (d && d.versions.size > 0) {
      for (const v of d.versions.keys()) out.push({ name, version: v, state: transition === 'UNLOADING' ? 'UNLOADING' : 'READY' });
      continue;
    }
    if (readyOnly) continue;
    if (transition) out.push({ name, state: transition });
    else if (host.failures.has(name)) out.push({ name, state: 'UNAVAILABLE', reason: host.failures.get(name)! });
    else out.push({ name });
  }
  return out;
}

/** Read a small JSON body (empty is `{}`), refusing anything that is not an object. */
export async function readJsonObject(req: IncomingMessage, limit = 64 * 1024): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    total += c.length;
    if (total > limit) throw new InvalidArgumentError(`The request body is over ${limit} bytes; repository requests are small JSON objects.`);
    chunks.push(c);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new InvalidArgumentError(`The request body is not valid JSON (${(e as Error).message}).`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new InvalidArgumentError('The request body must be a JSON object.');
  return doc as Record<string, unknown>;
}

/** Route a `/v2/repository/...` request. Returns the status and body to send. */
export async function handleRepository(host: RepositoryHost, req: IncomingMessage, seg: string[]): Promise<{ status: number; body: unknown }> {
  const doc = await readJsonObject(req);
  if (seg.length === 4 && seg[3] === 'index') {
    const ready = doc.ready ?? false;
    if (typeof ready !== 'boolean') throw new InvalidArgumentError(`"ready" must be a boolean; found ${JSON.stringify(ready)}.`);
    return { status: 200, body: await repositoryIndex(host, ready) };
  }
  if (seg.length === 6 && seg[3] === 'models' && (seg[5] === 'load' || seg[5] === 'unload')) {
    let name: string;
    try {
      name = decodeURIComponent(seg[4]!);
    } catch {
      throw new InvalidArgumentError(`The path segment "${seg[4]}" has a malformed percent-escape; encode names with encodeURIComponent.`);
    }
    if (doc.parameters !== undefined && (typeof doc.parameters !== 'object' || doc.parameters === null)) {
      throw new InvalidArgumentError('"parameters" must be an object.');
    }
    const params = (doc.parameters ?? {}) as Record<string, unknown>;
    if (seg[5] === 'load') {
      if (Object.keys(params).length > 0) {
        throw new MlopsError(ErrorCode.Unsupported, `Load parameters (${Object.keys(params).join(', ')}) are not supported; edit ${name}/config.json in the repository and load again.`);
      }
      await host.load(name);
    } else {
      await host.unload(name);
    }
    return { status: 200, body: undefined };
  }
  return { status: 404, body: { error: `No repository route ${seg.join('/')}; use POST /v2/repository/index or /v2/repository/models/{name}/load|unload.` } };
}
