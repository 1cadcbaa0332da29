import { seededRandom } from '@mlops/contracts';
import { describe, expect, it } from 'vitest';
import listing from './s3rver-listing.cjs';

const { listPage, compareUtf8 } = listing;

type Entry = { kind: 'key' | 'prefix'; name: string };

/** The whole listing, the naive way: roll every key up, dedupe, sort by UTF-8 bytes. */
function naiveListing(keys: string[], prefix: string, delimiter: string): Entry[] {
  const entries = new Map<string, Entry>();
  for (const key of new Set(keys)) {
    if (!key.startsWith(prefix)) continue;
    const at = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
    const entry: Entry = at === -1 ? { kind: 'key', name: key } : { kind: 'prefix', name: key.slice(0, at + delimiter.length) };
    entries.set(`${entry.kind}:${entry.name}`, entry);
  }
  return [...entries.values()].sort((a, b) => compareUtf8(a.name, b.name));
}

function sortedKeys(keys: string[], prefix: string): string[] {
  return [...new Set(keys)].filter((k) => k.startsWith(prefix)).sort(compareUtf8);
}

/** Entries of one page in listing order (keys and prefixes interleaved by name). */
function pageEntries(page: { keys: string[]; commonPrefixes: string[] }): Entry[] {
  return [
    ...page.keys.map((name): Entry => ({ kind: 'key', name })),
    ...page.commonPrefixes.map((name): Entry => ({ kind: 'prefix', name })),
  ].sort((a, b) => compareUtf8(a.name, b.name));
}


// Small alphabets make shared prefixes, delimiters and near-equal keys common.
const CHARS = ['a', 'b', '/', '-', '.', 'é', '\uFF5E', '\u{1F600}', ' ', '+'];
const PREFIXES = ['', 'a', 'a/', 'b/', 'é'];
const DELIMITERS = ['', '/', '-', 'a/'];

interface Scenario {
  keys: string[];
  prefix: string;
  delimiter: string;
  startAfter: string;
  maxKeys: number;
}

function scenarios(count: number): Scenario[] {
  const random = seededRandom(20261123);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const key = () => Array.from({ length: 1 + Math.floor(random() * 6) }, () => pick(CHARS)).join('');
  return Array.from({ length: count }, () => ({
    keys: Array.from({ length: Math.floor(random() * 40) }, key),
    prefix: pick(PREFIXES),
    delimiter: pick(DELIMITERS),
    startAfter: key(),
    maxKeys: 1 + Math.floor(random() * 5),
  }));
}

const SCENARIOS = scenarios(400);

describe('listPage', () => {
  it('matches the naive listing in one page', () => {
    for (const { keys, prefix, delimiter } of SCENARIOS) {
      const page = listPage(sortedKeys(keys, prefix), {
        prefix,
        delimiter,
        startAfter: '',
        maxKeys: Infinity,
      });
      expect(pageEntries(page)).toEqual(naiveListing(keys, prefix, delimiter));
      expect(page.isTruncated).toBe(false);
    }
  });

  it('pages of any size, resumed from the last entry, concatenate to the whole listing', () => {
    for (const { keys, prefix, delimiter, maxKeys } of SCENARIOS) {
      const sorted = sortedKeys(keys, prefix);
      const seen: Entry[] = [];
      let startAfter = '';
      for (let pages = 0; ; pages++) {
        expect(pages).toBeLessThanOrEqual(sorted.length + 1);
        const page = listPage(sorted, {
          prefix,
          delimiter,
          startAfter,
          maxKeys,
        });
        const entries = pageEntries(page);
        expect(entries.length).toBeLessThanOrEqual(maxKeys);
        seen.push(...entries);
        if (!page.isTruncated) break;
        expect(entries.length).toBe(maxKeys);
        expect(page.lastEntry).toBe(entries.at(-1)!.name);
        startAfter = page.lastEntry!;
      }
      expect(seen).toEqual(naiveListing(keys, prefix, delimiter));
    }
  });

  it('StartAfter keeps exactly the entries that sort after it', () => {
    for (const { keys, prefix, delimiter, startAfter } of SCENARIOS) {
      const page = listPage(sortedKeys(keys, prefix), {
        prefix,
        delimiter,
        startAfter,
        maxKeys: Infinity,
      });
      const expected = naiveListing(keys, prefix, delimiter).filter((e) => compareUtf8(e.name, startAfter) > 0);
      expect(pageEntries(page)).toEqual(expected);
    }
  });

  it('orders by UTF-8 bytes', () => {
    expect(['\u{1F600}', '\uFF5E', 'z'].sort(compareUtf8)).toEqual(['z', '\uFF5E', '\u{1F600}']);
  });
});
