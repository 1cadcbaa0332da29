import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import type { Registry } from '@mlops/registry';
import { MlopsError } from '@mlops/contracts/errors';
import { aliasPage, modelPage, modelsPage, notFoundPage, versionPage } from './pages.js';

/** Options of {@link createUiServer}. */
export interface UiServerOptions {
  /** The registry to show (read-only: the UI never writes). */
  registry: Registry;
  /** Shown on the front page. */
  storeLabel: string;
  /** Interface (default 127.0.0.1). */
  host?: string;
  /** Port (default 0: any free port). */
  port?: number;
}

/** A running UI. */
export interface UiServer {
  /** Base URL, e.g. `http://127.0.0.1:5000`. */
  url: string;
  /** Stops accepting and closes open connections. */
  close(): Promise<void>;
}

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.htm': 'text/html; charset=utf-8', '.json': 'application/json', '.txt': 'text/plain; charset=utf-8', '.md': 'text/plain; charset=utf-8', '.csv': 'text/csv; charset=utf-8', '.svg': 'image/svg+xml', '.png': 'image/png' };
// Stored reports are shown as documents, never allowed to run scripts or fetch anything.
const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox";

function send(res: ServerResponse, status: number, body: string | Buffer, type = 'text/html; charset=utf-8', extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...extra });
  res.end(body);
}

/** A read-only web UI over a registry: server-rendered HTML, no JavaScript, no external assets. */
export async function createUiServer(options: UiServerOptions): Promise<UiServer> {
  const { registry } = options;
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'read-only', 'text/plain', { allow: 'GET, HEAD' });
    const url = new URL(req.url ?? '/', 'http://ui');
    const parts = url.pathname.split('/').filter(Boolean).map((p) => decodeURIComponent(p));
    if (parts.length === 0) return send(res, 200, modelsPage(await registry.listModels(), options.storeLabel));
    if (parts[0] !== 'models' || parts.length < 2) return send(res, 404, notFoundPage(url.pathname));
    const name = parts[1]!;
    if (parts.length === 2) {
      const [versions, models, events] = await Promise.all([registry.listModelVersions(name), registry.listModels(), registry.getEvents(name)]);
      return send(res, 200, modelPage(name, versions, models.find((m) => m.name === name), events));
    }
    if (parts[2] === 'aliases' && parts.length === 4) {
      const alias = parts[3]!;
      const [history, models] = await Promise.all([registry.getAliasHistory(name, alias), registry.listModels()]);
      if (history.length === 0) return send(res, 404, notFoundPage(`${name} has no alias @${alias}.`));
      return send(res, 200, aliasPage(name, alias, history, models.find((m) => m.name === name)?.aliases[alias]));
    }
    if (parts[2] === 'versions' && parts.length >= 4 && /^\d+$/.test(parts[3]!)) {
      const ref = `${name}/${parts[3]}`;
      if (parts.length === 4) {
        const v = await registry.getModelVersion(ref);
        const models = await registry.listModels();
        const aliases = Object.entries(models.find((m) => m.name === name)?.aliases ?? {}).filter(([, n]) => n === v.version).map(([a]) => a);
        return send(res, 200, versionPage(v, aliases));
      }
      if (parts[4] === 'files' && parts.length > 5) {
        const file = parts.slice(5).join('/');
        const chunks: Buffer[] = [];
        for await (const chunk of await registry.openArtifact(ref, file)) chunks.push(Buffer.from(chunk as Uint8Array));
        const type = TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
        return send(res, 200, Buffer.concat(chunks), type, type.startsWith('text/html') ? { 'content-security-policy': REPORT_CSP } : { 'content-disposition': type === 'application/octet-stream' ? `attachment; filename="${path.basename(file).replace(/"/g, '')}"` : 'inline' });
      }
    }
    return send(res, 404, notFoundPage(url.pathname));
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) return res.destroy();
      const notFound = MlopsError.isInstance(error) && (error.code === 'NOT_FOUND' || error.code === 'INVALID_ARGUMENT');
      send(res, notFound ? 404 : 500, notFound ? notFoundPage((error as Error).message) : notFoundPage(`Error: ${(error as Error).message}`));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as { port: number; address: string };
  const host = address.address.includes(':') ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
