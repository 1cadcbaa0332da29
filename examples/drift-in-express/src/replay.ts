import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RetrainEvent } from '@mlops/drift';
import { createService } from './service.js';
import { drawFeatures, trainingTable } from './training-data.js';

/** What the replay saw. */
export interface ReplayResult {
  /** Requests sent. */
  requests: number;
  /** Every event the retraining webhook received. */
  webhookCalls: RetrainEvent[];
  /** The service's /metrics text after the replay. */
  metrics: string;
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return (server.address() as AddressInfo).port;
}

/**
 * Starts a stand-in retraining pipeline (a webhook receiver) and the prediction service on free
 * ports, replays `requests` requests whose `age` switches from years to months halfway (the
 * product change), and returns what the webhook received and what /metrics shows.
 */
export async function replay(requests = 1200): Promise<ReplayResult> {
  const webhookCalls: RetrainEvent[] = [];
  const pipeline = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      webhookCalls.push(JSON.parse(body) as RetrainEvent);
      res.writeHead(202).end();
    });
  });
  const pipelinePort = await listen(pipeline);
  const service = createService({ reference: trainingTable(), retrainWebhookUrl: `http://127.0.0.1:${pipelinePort}/retrain` });
  const http = createServer(service.app);
  const port = await listen(http);
  try {
    const half = Math.floor(requests / 2);
    const traffic = [...drawFeatures(half, 11, 'years'), ...drawFeatures(requests - half, 12, 'months')];
    for (const features of traffic) {
      const res = await fetch(`http://127.0.0.1:${port}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(features) });
      if (!res.ok) throw new Error(`/predict answered ${res.status}`);
      await res.json();
    }
    await service.close(); // flushes the monitor and waits for the webhook call
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    return { requests, webhookCalls, metrics };
  } finally {
    await new Promise((r) => http.close(r));
    await new Promise((r) => pipeline.close(r));
  }
}
