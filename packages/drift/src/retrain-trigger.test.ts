import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { DriftReport } from './compare.js';
import { createRetrainTrigger } from './retrain-trigger.js';
import type { RetrainEvent } from './retrain-trigger.js';

function report(share: number): DriftReport {
  const columns = [0, 1, 2, 3].map((i) => ({
    column: `c${i}`, columnType: 'numerical' as const, method: 'ks' as const, statistic: 0, pValue: 0.5, threshold: 0.05,
    drifted: i < share * 4, referenceSize: 100, currentSize: 100, estimate: false, status: 'ok' as const,
  }));
  const drifted = columns.filter((c) => c.drifted).length;
  return { columns, problems: [], driftedColumns: drifted, comparedColumns: 4, insufficientColumns: 0, driftedShare: drifted / 4, datasetDriftShare: 0.5, datasetDrift: drifted / 4 >= 0.5, estimate: false };
}

describe('createRetrainTrigger', () => {
  it('fires once per episode after N consecutive windows, never inside the cooldown, and records why', async () => {
    let now = 0;
    const events: RetrainEvent[] = [];
    const t = createRetrainTrigger({ when: { driftShare: 0.3, consecutiveWindows: 2 }, cooldownMs: 10_000, clock: () => now, action: (e) => { events.push(e); } });
    const feed = async (share: number): Promise<void> => {
      now += 1000;
      await t.onReport(report(share));
    };
    await feed(0.5); // counting
    await feed(0); // reset
    await feed(0.5);
    await feed(0.5); // fires
    await feed(0.75); // same episode
    await feed(0); // reset
    await feed(0.5);
    await feed(0.5); // new episode, but inside the 10 s cooldown
    now += 20_000;
    await feed(0); // reset
    await feed(0.5);
    await feed(0.5); // fires again
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({ format: 'mlops-retrain-event/v1', atMs: 4000, consecutiveWindows: 2, report: { driftedColumns: ['c0', 'c1'] } });
    expect(events[0]!.reason).toMatch(/Drifted share 0.500 >= 0.3 for 2 consecutive windows; drifted: c0, c1/);
    expect(t.history.map((d) => d.outcome)).toEqual(['counting', 'reset', 'counting', 'fired', 'in_episode', 'reset', 'counting', 'suppressed_cooldown', 'reset', 'counting', 'fired']);
  });

  it('posts the event to a webhook (a real HTTP server) and records failures without throwing', async () => {
    const bodies: unknown[] = [];
    let status = 200;
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        bodies.push({ auth: req.headers.authorization, type: req.headers['content-type'], body: JSON.parse(body) as unknown });
        res.statusCode = status;
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/retrain`;
    try {
      const errors: unknown[] = [];
      const t = createRetrainTrigger({ action: { url, headers: { authorization: 'Bearer t' } }, onError: (e) => errors.push(e) });
      await t.onReport(report(0.5));
      expect(bodies).toEqual([{ auth: 'Bearer t', type: 'application/json', body: expect.objectContaining({ format: 'mlops-retrain-event/v1', report: expect.objectContaining({ datasetDrift: true }) }) }]);
      status = 500;
      await t.onReport(report(0));
      await t.onReport(report(0.5));
      expect(errors).toHaveLength(1);
      expect(t.history.at(-1)).toMatchObject({ outcome: 'fired', error: expect.stringMatching(/answered 500/) });
    } finally {
      server.close();
    }
  });

  it('rejects bad options', () => {
    expect(() => createRetrainTrigger({ action: { url: 'ftp://x' } })).toThrowError(/http/);
    expect(() => createRetrainTrigger({ when: { driftShare: 2 }, action: () => undefined })).toThrowError(/driftShare/);
    expect(() => createRetrainTrigger({ when: { consecutiveWindows: 0 }, action: () => undefined })).toThrowError(/consecutiveWindows/);
  });
});
