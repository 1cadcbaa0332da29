import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createMemoryStore, openStore } from './index.js';

describe('openStore', () => {
  it('opens plain paths and file:// URLs as file stores', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'mlops-open-'));
    const byPath = await openStore(root);
    expect(byPath.kind).toBe('file');
    await byPath.put('a/b.txt', 'hi');
    const byUrl = await openStore(pathToFileURL(root).href);
    expect(byUrl.url).toBe(byPath.url);
    expect(new TextDecoder().decode((await byUrl.get('a/b.txt')).body)).toBe('hi');
    const relative = await openStore(path.relative(process.cwd(), root));
    expect(relative.url).toBe(byPath.url);
    await rm(root, { recursive: true, force: true });
  });

  it('opens memory:// as a new memory store', async () => {
    const a = await openStore('memory://');
    const b = await openStore('memory://named');
    expect(a.kind).toBe('memory');
    expect(b.url).toBe('memory://named');
    await a.put('k', 'v');
    expect(await b.head('k')).toBeUndefined();
  });

  it('passes an ObjectStore through unchanged', async () => {
    const store = createMemoryStore();
    expect(await openStore(store)).toBe(store);
  });

  it('parses s3:// and gs:// into bucket and prefix without touching the network', async () => {
    const s3 = await openStore('s3://my-bucket/models/prod/');
    expect(s3).toMatchObject({ kind: 's3', url: 's3://my-bucket/models/prod' });
    const gs = await openStore('gs://my-bucket');
    expect(gs).toMatchObject({ kind: 'gcs', url: 'gs://my-bucket' });
    await s3.close();
    await gs.close();
  });

  it('rejects unknown schemes and malformed URLs, listing what is supported', async () => {
    await expect(openStore('ftp://host/x')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('s3://') });
    await expect(openStore('s3:///no-bucket')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(openStore('')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(openStore(42 as unknown as string)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
