import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MlopsError } from '@mlops/contracts';
import { resolveOnnxRuntime } from './worker-pool.js';

const srcDir = path.dirname(fileURLToPath(import.meta.url));

describe('peer dependencies stay lazy', () => {
  it('no source module imports onnxruntime-node, apache-arrow or gRPC at load time', () => {
    const offenders: string[] = [];
    for (const file of readdirSync(srcDir)) {
      if (!file.endsWith('.ts') || file.endsWith('.test.ts')) continue;
      const text = readFileSync(path.join(srcDir, file), 'utf8');
      // Static value imports (not `import type`) would load the package with @mlops/serve.
      for (const m of text.matchAll(/^import\s+(?!type\b)[^;]*from\s+'(onnxruntime-node|apache-arrow|@grpc\/grpc-js|@grpc\/proto-loader)'/gm)) offenders.push(`${file}: ${m[0]}`);
      if (/require\('onnxruntime-node'\)/.test(text)) offenders.push(`${file}: require('onnxruntime-node')`);
    }
    expect(offenders).toEqual([]);
  });

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
