import { describe, expect, it } from 'vitest';
import { MlopsError } from '@mlops/contracts';
import { resolveOnnxRuntime } from './worker-pool.js';

// That importing @mlops/serve loads neither peer is checked on the built package, installed
// alone (tools/pack-check), not by searching this package's source text.
describe('peer dependencies stay lazy', () => {
  it('a missing onnxruntime-node is a MISSING_PEER_DEPENDENCY naming the install command', () => {
    const err = (() => {
      try {
        resolveOnnxRuntime(() => {
          throw Object.assign(new Error("Cannot find module 'onnxruntime-node'"), { code: 'MODULE_NOT_FOUND' });
        });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(MlopsError.isInstance(err, 'MISSING_PEER_DEPENDENCY')).toBe(true);
    expect((err as Error).message).toMatch(/npm install onnxruntime-node/);
    expect(resolveOnnxRuntime()).toMatch(/onnxruntime-node/);
  });
});
