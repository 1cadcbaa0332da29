import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createApiServerClusterSource } from './cluster-source.js';

// No kube-apiserver runs on this machine: a server answering with the list JSON in
// test/fixtures/extender (hand-written in the API server's response shape, not captured from a
// cluster) stands in for its two list endpoints, so the request shape (paths, field selector, bearer token) is checked.
const fixtureText = (name: string): string => readFileSync(fileURLToPath(new URL(`../test/fixtures/extender/${name}`, import.meta.url)), 'utf8');

describe('createApiServerClusterSource', () => {
  it('lists nodes and unfinished pods with the bearer token; errors name the status and what to check', async () => {
    const seen: Array<{ url: string; headers: IncomingHttpHeaders }> = [];
    const server = createServer((req, res) => {
      seen.push({ url: req.url!, headers: req.headers });
      if (req.headers.authorization !== 'Bearer t0k3n') {
        res.writeHead(401).end('{"kind":"Status","code":401}');
        return;
      }
      if (req.url!.startsWith('/apis/')) {
        res.writeHead(404).end('{"kind":"Status","code":404,"reason":"NotFound"}'); // no PodGroup CRD here
        return;
      }
      const body = req.url!.startsWith('/api/v1/nodes') ? fixtureText('nodes.json') : fixtureText('pods.json');
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const src = createApiServerClusterSource({ url, token: 't0k3n' });
      expect((await src.listNodes()).items).toHaveLength(4);
      expect((await src.listPods()).items.map((p) => p.metadata?.name)).toContain('eval-0');
      expect(await src.listPodGroups!()).toEqual({ items: [] });
      expect(seen.map((s) => decodeURIComponent(s.url))).toEqual(['/api/v1/nodes', '/api/v1/pods?fieldSelector=status.phase!=Succeeded,status.phase!=Failed', '/apis/scheduling.x-k8s.io/v1alpha1/podgroups']);
      const anon = createApiServerClusterSource({ url });
      await expect(anon.listNodes()).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE', retryable: true, message: expect.stringContaining('answered 401') });
    } finally {
      await new Promise((r) => server.close(r));
    }
    const down = createApiServerClusterSource({ url, timeoutMs: 2000 });
    await expect(down.listPods()).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE', message: expect.stringContaining('Is the API server reachable') });
    expect(() => createApiServerClusterSource({ url: 'not a url' })).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});
