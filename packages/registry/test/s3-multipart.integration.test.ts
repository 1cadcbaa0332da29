// Issue #16 defect 6 on S3: an interrupted or failed large upload leaves nothing half-written.
// Runs against the real s3rver process, which (through @mlops/test-services) implements
// ListMultipartUploads and AbortMultipartUpload.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ListMultipartUploadsCommand, S3Client } from '@aws-sdk/client-s3';
import { createS3Store } from '@mlops/storage/s3';
import { startS3Server, type S3TestServer } from '@mlops/test-services';
import { MlopsError } from '@mlops/contracts/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistry } from '../src/index.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const MiB = 1024 * 1024;
let s3: S3TestServer;
let client: S3Client;
beforeAll(async () => {
  s3 = await startS3Server({ buckets: ['registry'] });
  client = new S3Client(s3.clientConfig);
});
afterAll(async () => {
  client?.destroy();
  await s3?.stop();
});

async function openUploads(prefix: string): Promise<string[]> {
  const out = await client.send(new ListMultipartUploadsCommand({ Bucket: 'registry', Prefix: prefix }));
  return (out.Uploads ?? []).map((u) => u.Key!);
}

async function objectKeys(store: ReturnType<typeof createS3Store>): Promise<string[]> {
  const keys: string[] = [];
  for await (const page of store.list()) keys.push(...page.objects.map((o) => o.key));
  return keys.filter((k) => !k.startsWith('probes/'));
}

describe('killed and failed multipart uploads on S3 (s3rver)', () => {
  it('a registration whose source fails mid-stream aborts its multipart upload: nothing listed, no object, no version', async () => {
    const store = createS3Store({ bucket: 'registry', prefix: 'failed/', clientConfig: s3.clientConfig, partSizeBytes: 5 * MiB });
    const registry = createRegistry({ store });
    const chunk = new Uint8Array(MiB).fill(3);
    async function* failing(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < 16; i++) yield chunk.slice();
      throw new Error('source died after 16 MiB');
    }
    await expect(registry.registerModelVersion({ name: 'broken', artifacts: { 'model.bin': failing() } })).rejects.toThrow(/source died/);
    expect(await openUploads('failed/')).toEqual([]);
    // Only the model's catalog marker (written before the upload, so the name is reserved) remains.
    expect(await objectKeys(store)).toEqual(['catalog/broken.json']);
    expect((await registry.listModels()).map((m) => m.name)).toEqual([]);
    let code: string | undefined;
    await registry.listModelVersions('broken').catch((e: unknown) => (code = MlopsError.isInstance(e) ? e.code : String(e)));
    expect(code).toBe('NOT_FOUND');
    await store.close();
  });

  it('a writer killed mid-upload leaves an incomplete upload that gc aborts; nothing was ever visible', async () => {
    const writer = fileURLToPath(new URL('./fixtures/s3-slow-writer.ts', import.meta.url));
    const child = spawn(process.execPath, ['--conditions=@mlops/source', '--import', 'tsx', writer, JSON.stringify(s3.clientConfig), 'registry', 'killed/'], {
      cwd: path.dirname(writer),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    // Kill it once its multipart upload exists and parts are flowing.
    const deadline = Date.now() + 60_000;
    while ((await openUploads('killed/')).length === 0) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the writer never started its upload: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const uploads = await openUploads('killed/');
    expect(uploads).toHaveLength(1);
    expect(uploads[0]).toMatch(/^killed\/blobs\/data\//);
    const store = createS3Store({ bucket: 'registry', prefix: 'killed/', clientConfig: s3.clientConfig });
    const registry = createRegistry({ store });
    let code: string | undefined;
    await registry.listModelVersions('killed').catch((e: unknown) => (code = MlopsError.isInstance(e) ? e.code : String(e)));
    expect(code).toBe('NOT_FOUND');
    expect((await objectKeys(store)).filter((k) => k.startsWith('blobs/data/'))).toEqual([]);

    // A dry run reports it and touches nothing; a younger-than-minAge upload is kept; then gc aborts it.
    const report = await registry.gc({ dryRun: true, minAgeMs: 0 });
    expect(report.incompleteWrites.map((w) => w.key)).toEqual([uploads[0]!.slice('killed/'.length)]);
    expect(report.notes ?? []).toEqual([]);
    expect(await openUploads('killed/')).toHaveLength(1);
    expect((await registry.gc({ dryRun: false, minAgeMs: 3_600_000 })).incompleteWrites).toEqual([]);
    expect(await openUploads('killed/')).toHaveLength(1);
    const swept = await registry.gc({ dryRun: false, minAgeMs: 0 });
    expect(swept.incompleteWrites).toHaveLength(1);
    expect(await openUploads('killed/')).toEqual([]);
    expect((await objectKeys(store)).filter((k) => k.startsWith('blobs/') || k.startsWith('models/'))).toEqual([]);
    await store.close();
  }, 90_000);
});
