import { describe, expect, it } from 'vitest';
import { codeBlocks, findSection, quickStartBlock } from './markdown.js';

const readme = [
  '# @mlops/x',
  '',
  '## Install',
  '```sh',
  'npm install @mlops/x',
  '```',
  '',
  '## Quick start: serve a file',
  '',
  '```sh',
  '# not a heading: a shell comment inside a fence',
  'echo hi',
  '```',
  '',
  '```ts',
  "import { x } from '@mlops/x';",
  'console.log(x); // 1',
  '```',
  '',
  '```js',
  'second block is not the quick start',
  '```',
  '',
  '## API',
  '```ts',
  'not in the quick start',
  '```',
].join('\n');

describe('findSection', () => {
  it('finds a level-2 heading by prefix and stops at the next level-2 heading, ignoring # lines in fences', () => {
    const section = findSection(readme, 'quick start');
    expect(section?.heading).toBe('Quick start: serve a file');
    expect(section?.line).toBe(8);
    expect(section?.markdown).toContain('# not a heading');
    expect(section?.markdown).toContain('second block');
    expect(section?.markdown).not.toContain('not in the quick start');
  });

  it('returns undefined when no heading matches', () => {
    expect(findSection(readme, 'Usage')).toBeUndefined();
  });
});

describe('codeBlocks', () => {
  it('reads every fence with its language and README line', () => {
    const blocks = codeBlocks(readme);
    expect(blocks.map((b) => [b.lang, b.line])).toEqual([['sh', 4], ['sh', 10], ['ts', 15], ['js', 20], ['ts', 25]]);
    expect(blocks[2]!.code).toBe("import { x } from '@mlops/x';\nconsole.log(x); // 1\n");
  });

  it('keeps a shorter fence inside a longer one as content', () => {
    const blocks = codeBlocks('````md\n```ts\ninner\n```\n````\n');
    expect(blocks).toHaveLength(1);
    expect(blocks[0]!.code).toBe('```ts\ninner\n```\n');
  });
});

describe('quickStartBlock', () => {
  it('is the first js/ts block under "## Quick start", with its README line', () => {
    const block = quickStartBlock(readme);
    expect(block?.lang).toBe('ts');
    expect(block?.line).toBe(15);
    expect(block?.code).toContain("from '@mlops/x'");
  });

  it('is undefined when the section has only shell blocks, or there is no such section', () => {
    expect(quickStartBlock('## Quick start\n```sh\nls\n```\n## API\n```ts\nx\n```\n')).toBeUndefined();
    expect(quickStartBlock('# x\n```ts\nx\n```\n')).toBeUndefined();
  });
});
