import { request } from 'node:http';

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  json: () => unknown;
}

/** A plain node:http request (no pooling surprises), resolving with status, headers and body. */
export function httpRequest(url: string, options: { method?: string; body?: Uint8Array | string; headers?: Record<string, string> } = {}): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body.toString('utf8')) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (options.body !== undefined) req.end(options.body);
    else req.end();
  });
}

/** POST an OIP JSON request. */
export function postInfer(url: string, doc: unknown, headers: Record<string, string> = {}): Promise<HttpResult> {
  return httpRequest(url, { method: 'POST', body: JSON.stringify(doc), headers: { 'content-type': 'application/json', ...headers } });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
