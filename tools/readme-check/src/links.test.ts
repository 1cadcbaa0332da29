import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { brokenLinks, relativeLinks } from './links.js';

const markdown = [
  'See [the ADR](../../docs/decisions/001.md#columns), [bench](./BENCHMARKS.md "figures") and ![chart](img/a%20b.png).',
  'External: [npm](https://www.npmjs.com/package/x), [mail](mailto:a@b.c), [top](#install), [cdn](//cdn.example/x).',
  '`[not a link](./inline-code.md)`',
  '```md',
  '[in a fence](./fenced.md)',
  '```',
  '[ref]: ./CHANGELOG.md',
].join('\n');

describe('relativeLinks', () => {
  it('finds inline, image and reference links, and skips URLs, anchors and code', () => {
    expect(relativeLinks(markdown)).toEqual([
      { target: '../../docs/decisions/001.md#columns', line: 1 },
      { target: './BENCHMARKS.md', line: 1 },
      { target: 'img/a%20b.png', line: 1 },
      { target: './CHANGELOG.md', line: 7 },
    ]);
  });
});

describe('brokenLinks', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'readme-links-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('resolves targets against the README directory, without anchors, URL-decoded', () => {
    const pkg = path.join(root, 'packages', 'x');
    mkdirSync(path.join(pkg, 'img'), { recursive: true });
    mkdirSync(path.join(root, 'docs', 'decisions'), { recursive: true });
    writeFileSync(path.join(root, 'docs', 'decisions', '001.md'), '');
    writeFileSync(path.join(pkg, 'img', 'a b.png'), '');
    writeFileSync(path.join(pkg, 'BENCHMARKS.md'), '');
    expect(brokenLinks(markdown, path.join(pkg, 'README.md'))).toEqual([{ target: './CHANGELOG.md', line: 7 }]);
  });
});
