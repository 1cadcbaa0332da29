import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { MlopsError, loadOptionalPeer } from '@mlops/contracts/errors';

const run = promisify(execFile);
const probe = fileURLToPath(new URL('./fixtures/lazy-sdk-probe.ts', import.meta.url));

describe('optional SDKs', () => {
  it('are not loaded by importing @mlops/storage, /s3 or /gcs, only by first use of a driver', async () => {
    const { stdout } = await run(process.execPath, ['--conditions=@mlops/source', '--import', 'tsx', probe], {
      cwd: path.dirname(probe),
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      timeout: 60_000,
    });
    const result = JSON.parse(stdout.trim()) as { afterImport: { aws: number; gcs: number }; afterUse: { aws: number; gcs: number } };
    expect(result.afterImport).toEqual({ aws: 0, gcs: 0 });
    expect(result.afterUse.aws).toBeGreaterThan(0);
    expect(result.afterUse.gcs).toBeGreaterThan(0);
  }, 60_000);

  it('are all checked when a store is opened: a missing lib-storage fails openStore, not the first streamed put', async () => {
    const probe = fileURLToPath(new URL('./fixtures/missing-lib-storage-probe.ts', import.meta.url));
    const hide = fileURLToPath(new URL('./fixtures/hide-lib-storage.mjs', import.meta.url));
    const { stdout } = await run(process.execPath, ['--conditions=@mlops/source', '--import', 'tsx', '--import', hide, probe], {
      cwd: path.dirname(probe),
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      timeout: 60_000,
    });
    const report = JSON.parse(stdout.trim()) as Record<'open' | 'head', { code: string; message: string }>;
    expect(report.open.code).toBe('MISSING_PEER_DEPENDENCY');
    expect(report.open.message).toContain('npm install @aws-sdk/lib-storage');
    expect(report.head.code).toBe('MISSING_PEER_DEPENDENCY');
    expect(report.head.message).toContain('npm install @aws-sdk/lib-storage');
  }, 60_000);

  it('turn a missing package into MISSING_PEER_DEPENDENCY with the install command', async () => {
    const name = '@mlops/sdk-that-is-not-installed';
    const error = await loadOptionalPeer(name, 'the probe driver', () => import(/* @vite-ignore */ name)).catch((e: unknown) => e);
    expect(MlopsError.isInstance(error, 'MISSING_PEER_DEPENDENCY')).toBe(true);
    expect((error as Error).message).toContain(`npm install ${name}`);
  });

  it('report other load failures as PEER_DEPENDENCY_FAILED with the original error as cause', async () => {
    const boom = new Error('broken install');
    const error = await loadOptionalPeer('x', 'y', () => Promise.reject(boom)).catch((e: unknown) => e);
    expect(MlopsError.isInstance(error, 'PEER_DEPENDENCY_FAILED')).toBe(true);
    expect((error as Error).cause).toBe(boom);
  });
});
