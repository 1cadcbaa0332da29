import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '@mlops/contracts';
import { Deployment, stickyHash } from './deployment.js';
import type { Model } from './model.js';

function fakeModel(version: string): Model {
  return { name: 'm', version, metadata: { name: 'm', versions: [version], platform: 'onnx_onnxv1', inputs: [], outputs: [] } } as unknown as Model;
}

function canaryShare(keys: string[]): number {
  const d = Deployment.fromOptions({ versions: [fakeModel('1'), fakeModel('2')], traffic: { '1': 80, '2': 20 }, stickyHeader: 'x-user-id' });
  let canary = 0;
  for (const k of keys) if (d.route(undefined, k).version === '2') canary++;
  return (100 * canary) / keys.length;
}

describe('sticky canary routing', () => {
  it('splits sequential, random and UUID keys within 2 points of 20% over 10k keys', () => {
    const rand = seededRandom(11);
    const sets: Record<string, string[]> = {
      sequential: Array.from({ length: 10_000 }, (_, i) => String(i)),
      sequentialFrom1000: Array.from({ length: 10_000 }, (_, i) => String(1000 + i)),
      prefixed: Array.from({ length: 10_000 }, (_, i) => `user-${i}`),
      random: Array.from({ length: 10_000 }, () => String(Math.floor(rand() * 1e12))),
      uuid: Array.from({ length: 10_000 }, () => randomUUID()),
    };
    for (const [name, keys] of Object.entries(sets)) {
      const share = canaryShare(keys);
      expect({ name, ok: Math.abs(share - 20) <= 2 }).toEqual({ name, ok: true });
    }
  });

  it('sends some of users "1000".."1099" to a 20% canary (FNV-1a alone sent none), and always the same ones', () => {
    const keys = Array.from({ length: 100 }, (_, i) => String(1000 + i));
    const share = canaryShare(keys);
    expect(share).toBeGreaterThan(8);
    expect(share).toBeLessThan(32);
    expect(canaryShare(keys)).toBe(share);
    expect(stickyHash('1000')).toBe(stickyHash('1000'));
  });
});
