import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandInput,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3Server, type S3TestServer } from './index.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

let s3: S3TestServer;
let client: S3Client;

// One bucket per scenario so listings of one test never see another test's keys.
const BUCKETS = ['nested', 'order', 'special', 'roundtrip'] as const;

beforeAll(async () => {
  s3 = await startS3Server({ buckets: [...BUCKETS] });
  client = new S3Client(s3.clientConfig);
});

afterAll(async () => {
  client?.destroy();
  await s3?.stop();
});

async function putAll(bucket: string, keys: readonly string[]): Promise<void> {
  await Promise.all(keys.map((Key) => client.send(new PutObjectCommand({ Bucket: bucket, Key, Body: `body of ${Key}` }))));
}

/** One ListObjectsV2 page as a single sequence: keys as-is, common prefixes marked `P:`. */
async function v2Page(input: ListObjectsV2CommandInput) {
  const page = await client.send(new ListObjectsV2Command(input));
  const keys = (page.Contents ?? []).map((o) => o.Key!);
  const prefixes = (page.CommonPrefixes ?? []).map((p) => p.Prefix!);
  return { page, keys, prefixes };
}

/** Follows continuation tokens to the end; returns every page's keys and common prefixes. */
async function v2All(input: ListObjectsV2CommandInput) {
  const pages: { keys: string[]; prefixes: string[]; keyCount: number; truncated: boolean }[] = [];
  let token: string | undefined;
  do {
    const { page, keys, prefixes } = await v2Page({ ...input, ContinuationToken: token });
    pages.push({ keys, prefixes, keyCount: page.KeyCount ?? -1, truncated: page.IsTruncated ?? false });
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
    if (page.IsTruncated) expect(token).toBeTruthy();
  } while (token);
  return pages;
}

const NESTED = ['a/blobs/x', 'a/models/m/1.json', 'a/models/n/2.json', 'a/models/n/3.json', 'a/readme', 'a-b', 'a.txt', 'b/c/d', 'top'];

describe('ListObjectsV2 with a delimiter on nested prefixes (bug report)', () => {
  beforeAll(() => putAll('nested', NESTED));

  it('prefix a/models/ + delimiter / lists the model directories', async () => {
    const { keys, prefixes, page } = await v2Page({ Bucket: 'nested', Prefix: 'a/models/', Delimiter: '/' });
    expect(prefixes).toEqual(['a/models/m/', 'a/models/n/']);
    expect(keys).toEqual([]);
    expect(page.KeyCount).toBe(2);
    expect(page.IsTruncated).toBe(false);
    expect(page.Prefix).toBe('a/models/');
    expect(page.Delimiter).toBe('/');
  });

  it('prefix a/ + delimiter / lists every child directory, even one holding only directories', async () => {
    const { keys, prefixes, page } = await v2Page({ Bucket: 'nested', Prefix: 'a/', Delimiter: '/' });
    expect(prefixes).toEqual(['a/blobs/', 'a/models/']);
    expect(keys).toEqual(['a/readme']);
    expect(page.KeyCount).toBe(3);
  });

  it('the root listing orders keys by bytes ("a-b" < "a.txt" < "a/")', async () => {
    const { keys, prefixes } = await v2Page({ Bucket: 'nested', Delimiter: '/' });
    expect(keys).toEqual(['a-b', 'a.txt', 'top']);
    expect(prefixes).toEqual(['a/', 'b/']);
    const flat = await v2Page({ Bucket: 'nested' });
    expect(flat.keys).toEqual([...NESTED].sort());
  });

  it('a prefix that is not a directory boundary matches keys and rolls up at the next delimiter', async () => {
    const { keys, prefixes } = await v2Page({ Bucket: 'nested', Prefix: 'a/mo', Delimiter: '/' });
    expect(prefixes).toEqual(['a/models/']);
    expect(keys).toEqual([]);
    const deep = await v2Page({ Bucket: 'nested', Prefix: 'a/models/n/', Delimiter: '/' });
    expect(deep.keys).toEqual(['a/models/n/2.json', 'a/models/n/3.json']);
    expect(deep.prefixes).toEqual([]);
  });

  it('counts keys and common prefixes together toward MaxKeys and continues across common prefixes', async () => {
    const pages = await v2All({ Bucket: 'nested', Prefix: 'a/', Delimiter: '/', MaxKeys: 1 });
    expect(pages).toEqual([
      { keys: [], prefixes: ['a/blobs/'], keyCount: 1, truncated: true },
      { keys: [], prefixes: ['a/models/'], keyCount: 1, truncated: true },
      { keys: ['a/readme'], prefixes: [], keyCount: 1, truncated: false },
    ]);
    const root = await v2All({ Bucket: 'nested', Delimiter: '/', MaxKeys: 2 });
    expect(root).toEqual([
      { keys: ['a-b', 'a.txt'], prefixes: [], keyCount: 2, truncated: true },
      { keys: [], prefixes: ['a/', 'b/'], keyCount: 2, truncated: true },
      { keys: ['top'], prefixes: [], keyCount: 1, truncated: false },
    ]);
  });

  it('is not truncated when a page ends exactly at the last entry', async () => {
    const pages = await v2All({ Bucket: 'nested', Prefix: 'a/models/', Delimiter: '/', MaxKeys: 2 });
    expect(pages).toEqual([{ keys: [], prefixes: ['a/models/m/', 'a/models/n/'], keyCount: 2, truncated: false }]);
  });

  it('pages of every size concatenate to the one-page listing', async () => {
    for (const input of [
      { Bucket: 'nested', Delimiter: '/' },
      { Bucket: 'nested', Prefix: 'a/', Delimiter: '/' },
      { Bucket: 'nested', Prefix: 'a/' },
      { Bucket: 'nested' },
    ]) {
      const [whole] = await v2All(input);
      for (const MaxKeys of [1, 2, 3]) {
        const pages = await v2All({ ...input, MaxKeys });
        expect(pages.flatMap((p) => p.keys)).toEqual(whole!.keys);
        expect(pages.flatMap((p) => p.prefixes)).toEqual(whole!.prefixes);
        expect(pages.every((p) => p.keyCount <= MaxKeys)).toBe(true);
      }
    }
  });

  it('StartAfter lists strictly after the given key, with and without a delimiter', async () => {
    const flat = await v2Page({ Bucket: 'nested', Prefix: 'a/', StartAfter: 'a/models/m/1.json' });
    expect(flat.keys).toEqual(['a/models/n/2.json', 'a/models/n/3.json', 'a/readme']);
    expect(flat.page.StartAfter).toBe('a/models/m/1.json');
    const grouped = await v2Page({ Bucket: 'nested', Prefix: 'a/', Delimiter: '/', StartAfter: 'a/blobs/x' });
    expect(grouped.prefixes).toEqual(['a/models/']);
    expect(grouped.keys).toEqual(['a/readme']);
    // A common prefix is listed only when it sorts after StartAfter, like every other entry.
    const inside = await v2Page({ Bucket: 'nested', Prefix: 'a/', Delimiter: '/', StartAfter: 'a/models/m/1.json' });
    expect(inside.prefixes).toEqual([]);
    expect(inside.keys).toEqual(['a/readme']);
    // StartAfter naming a common prefix resumes after everything under it.
    const afterPrefix = await v2Page({ Bucket: 'nested', Prefix: 'a/', Delimiter: '/', StartAfter: 'a/models/' });
    expect(afterPrefix.prefixes).toEqual([]);
    expect(afterPrefix.keys).toEqual(['a/readme']);
    // A StartAfter that is not a key, and one past the end.
    expect((await v2Page({ Bucket: 'nested', StartAfter: 'a/n' })).keys).toEqual(['a/readme', 'b/c/d', 'top']);
    const past = await v2Page({ Bucket: 'nested', StartAfter: 'zzz' });
    expect(past.keys).toEqual([]);
    expect(past.page.KeyCount).toBe(0);
  });

  it('StartAfter combines with pagination', async () => {
    const pages = await v2All({ Bucket: 'nested', Delimiter: '/', StartAfter: 'a-b', MaxKeys: 2 });
    expect(pages.flatMap((p) => p.keys)).toEqual(['a.txt', 'top']);
    expect(pages.flatMap((p) => p.prefixes)).toEqual(['a/', 'b/']);
  });

  it('MaxKeys 0 returns nothing and a foreign continuation token is rejected', async () => {
    const empty = await v2Page({ Bucket: 'nested', MaxKeys: 0 });
    expect(empty.keys).toEqual([]);
    expect(empty.page.KeyCount).toBe(0);
    const first = await v2Page({ Bucket: 'nested', MaxKeys: 1 });
    await expect(
      client.send(new ListObjectsV2Command({ Bucket: 'order', ContinuationToken: first.page.NextContinuationToken })),
    ).rejects.toMatchObject({ name: 'InvalidArgument' });
    await expect(client.send(new ListObjectsV2Command({ Bucket: 'nested', ContinuationToken: 'not-a-token' }))).rejects.toMatchObject({
      name: 'InvalidArgument',
    });
  });

  it('ListObjects (v1) pages with Marker/NextMarker, also across common prefixes', async () => {
    const seen: { keys: string[]; prefixes: string[] }[] = [];
    let marker: string | undefined;
    for (;;) {
      const page = await client.send(new ListObjectsCommand({ Bucket: 'nested', Prefix: 'a/', Delimiter: '/', MaxKeys: 1, Marker: marker }));
      seen.push({ keys: (page.Contents ?? []).map((o) => o.Key!), prefixes: (page.CommonPrefixes ?? []).map((p) => p.Prefix!) });
      expect(page.Marker ?? '').toBe(marker ?? '');
      if (!page.IsTruncated) break;
      expect(page.NextMarker).toBeTruthy();
      marker = page.NextMarker;
    }
    expect(seen).toEqual([
      { keys: [], prefixes: ['a/blobs/'] },
      { keys: [], prefixes: ['a/models/'] },
      { keys: ['a/readme'], prefixes: [] },
    ]);
    // Without a delimiter S3 sends no NextMarker: the client continues from the last key.
    const flat = await client.send(new ListObjectsCommand({ Bucket: 'nested', Prefix: 'a/', MaxKeys: 2 }));
    expect(flat.NextMarker).toBeUndefined();
    expect(flat.IsTruncated).toBe(true);
    const rest = await client.send(new ListObjectsCommand({ Bucket: 'nested', Prefix: 'a/', Marker: flat.Contents!.at(-1)!.Key }));
    expect([...flat.Contents!, ...rest.Contents!].map((o) => o.Key)).toEqual(NESTED.filter((k) => k.startsWith('a/')).sort());
  });
});

describe('listing order', () => {
  it('lists folder markers (keys ending in the delimiter) as keys under their own prefix', async () => {
    await putAll('order', ['folder/', 'folder/x', 'folder/sub/', 'folder/sub/y']);
    expect((await v2Page({ Bucket: 'order', Prefix: 'fo', Delimiter: '/' })).prefixes).toEqual(['folder/']);
    const inside = await v2Page({ Bucket: 'order', Prefix: 'folder/', Delimiter: '/' });
    expect(inside.keys).toEqual(['folder/', 'folder/x']);
    expect(inside.prefixes).toEqual(['folder/sub/']);
    expect((await v2Page({ Bucket: 'order', Prefix: 'folder/' })).keys).toEqual(['folder/', 'folder/sub/', 'folder/sub/y', 'folder/x']);
  });

  it('sorts by UTF-8 bytes, not UTF-16 code units', async () => {
    // U+FF5E (3 UTF-8 bytes, EF BD 9E) sorts before U+1F600 (4 bytes, F0 9F 98 80) in UTF-8,
    // but after it in JavaScript's default string order (0xFF5E > 0xD83D).
    const keys = ['k/\u{1F600}', 'k/\uFF5E', 'k/z', 'k/é', 'k/E', 'k/e'];
    await putAll('order', keys);
    const expected = ['k/E', 'k/e', 'k/z', 'k/é', 'k/\uFF5E', 'k/\u{1F600}'];
    expect((await v2Page({ Bucket: 'order', Prefix: 'k/' })).keys).toEqual(expected);
    const pages = await v2All({ Bucket: 'order', Prefix: 'k/', MaxKeys: 4 });
    expect(pages.flatMap((p) => p.keys)).toEqual(expected);
  });
});

const SPECIAL = [
  'sp ace/file name.txt',
  'sp ace/x',
  'plus+dir/a+b',
  'uni/é/ü.txt',
  'uni/日本/語',
  'pct/100%',
  'pct/%2F',
  'pct/%20 lit',
  'q/what?.txt',
  'h/#1',
  'h/a#b',
  "xml/&<>\"'",
  'mix/a b+c%d?e#f',
];

describe('keys with special characters', () => {
  beforeAll(() => putAll('special', SPECIAL));

  it('lists them exactly, with delimiters and prefixes containing them', async () => {
    expect((await v2Page({ Bucket: 'special' })).keys).toEqual([...SPECIAL].sort());
    const root = await v2Page({ Bucket: 'special', Delimiter: '/' });
    expect(root.prefixes).toEqual(['h/', 'mix/', 'pct/', 'plus+dir/', 'q/', 'sp ace/', 'uni/', 'xml/']);
    expect((await v2Page({ Bucket: 'special', Prefix: 'uni/', Delimiter: '/' })).prefixes).toEqual(['uni/é/', 'uni/日本/']);
    expect((await v2Page({ Bucket: 'special', Prefix: 'sp ace/', Delimiter: '/' })).keys).toEqual(['sp ace/file name.txt', 'sp ace/x']);
    expect((await v2Page({ Bucket: 'special', Prefix: 'plus+' })).keys).toEqual(['plus+dir/a+b']);
    expect((await v2Page({ Bucket: 'special', Prefix: 'pct/%' })).keys).toEqual(['pct/%20 lit', 'pct/%2F']);
    expect((await v2Page({ Bucket: 'special', Prefix: 'q/what?' })).keys).toEqual(['q/what?.txt']);
    expect((await v2Page({ Bucket: 'special', Prefix: 'h/', StartAfter: 'h/#1' })).keys).toEqual(['h/a#b']);
    expect((await v2Page({ Bucket: 'special', Prefix: 'xml/' })).keys).toEqual(["xml/&<>\"'"]);
  });

  it('paginates through them with continuation tokens', async () => {
    const pages = await v2All({ Bucket: 'special', Delimiter: '/', MaxKeys: 3 });
    expect(pages.flatMap((p) => p.prefixes)).toEqual(['h/', 'mix/', 'pct/', 'plus+dir/', 'q/', 'sp ace/', 'uni/', 'xml/']);
    const flat = await v2All({ Bucket: 'special', MaxKeys: 2 });
    expect(flat.flatMap((p) => p.keys)).toEqual([...SPECIAL].sort());
  });

  it('answers EncodingType url with URL-encoded keys and prefixes', async () => {
    const res = await fetch(`${s3.endpoint}/special?list-type=2&encoding-type=url&prefix=${encodeURIComponent('mix/')}`);
    const xml = await res.text();
    expect(xml).toContain('<EncodingType>url</EncodingType>');
    expect(xml).toContain(`<Key>${encodeURIComponent('mix/a b+c%d?e#f')}</Key>`);
  });
});

describe('keys with %, ?, # and other reserved characters round-trip', () => {
  const KEYS = ['100%', '%41', 'a%2Fb', 'why?', 'x?y=z&w', '#hash', 'a#b', 'all %?# + /mixed', '%', '?', '#', 'plus+one', 'k=v;x:y@z,$', 'é ü/日本'];

  it('put, head, get, copy, list and delete each of them', async () => {
    for (const Key of KEYS) {
      await client.send(new PutObjectCommand({ Bucket: 'roundtrip', Key, Body: `body of ${Key}` }));
      const head = await client.send(new HeadObjectCommand({ Bucket: 'roundtrip', Key }));
      expect(head.ContentLength).toBe(Buffer.byteLength(`body of ${Key}`));
      const got = await client.send(new GetObjectCommand({ Bucket: 'roundtrip', Key }));
      expect(await got.Body!.transformToString()).toBe(`body of ${Key}`);
      await client.send(
        new CopyObjectCommand({ Bucket: 'roundtrip', Key: `copy/${Key}`, CopySource: `roundtrip/${encodeURIComponent(Key)}` }),
      );
      const copied = await client.send(new GetObjectCommand({ Bucket: 'roundtrip', Key: `copy/${Key}` }));
      expect(await copied.Body!.transformToString()).toBe(`body of ${Key}`);
    }
    // '%41' must not alias 'A', nor 'a%2Fb' alias 'a/b'.
    await expect(client.send(new HeadObjectCommand({ Bucket: 'roundtrip', Key: 'A' }))).rejects.toMatchObject({ name: 'NotFound' });
    await expect(client.send(new HeadObjectCommand({ Bucket: 'roundtrip', Key: 'a/b' }))).rejects.toMatchObject({ name: 'NotFound' });
    const listed = await v2All({ Bucket: 'roundtrip', MaxKeys: 5 });
    const all = [...KEYS, ...KEYS.map((k) => `copy/${k}`)].sort();
    expect(listed.flatMap((p) => p.keys)).toEqual(all);
    for (const Key of KEYS) await client.send(new DeleteObjectCommand({ Bucket: 'roundtrip', Key }));
    expect((await v2Page({ Bucket: 'roundtrip' })).keys).toEqual(KEYS.map((k) => `copy/${k}`).sort());
  });

  it('conditional writes work on them', async () => {
    for (const Key of ['lock%?#', 'lock 100%']) {
      await client.send(new PutObjectCommand({ Bucket: 'roundtrip', Key, Body: '1', IfNoneMatch: '*' }));
      await expect(client.send(new PutObjectCommand({ Bucket: 'roundtrip', Key, Body: '2', IfNoneMatch: '*' }))).rejects.toMatchObject({
        name: 'PreconditionFailed',
      });
    }
  });
});
