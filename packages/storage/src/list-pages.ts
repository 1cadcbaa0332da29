import type { ListPage, ObjectMeta } from './types.js';

/** One entry of a listing, in key order: an object, or a collapsed common prefix. */
export type ListItem = { type: 'object'; meta: ObjectMeta } | { type: 'prefix'; prefix: string };

/**
 * Cut an ordered stream of listing entries into pages of at most `pageSize` entries (objects
 * and prefixes both count, as in S3's MaxKeys). Always yields at least one page, so an empty
 * listing is one empty page on every driver.
 */
export async function* paginate(
  items: AsyncIterable<ListItem> | Iterable<ListItem>,
  pageSize: number,
  signal?: AbortSignal,
): AsyncGenerator<ListPage> {
  let page: ListPage = { objects: [], prefixes: [] };
  let count = 0;
  let yielded = false;
  for await (const item of items) {
    signal?.throwIfAborted();
    if (item.type === 'object') page.objects.push(item.meta);
    else page.prefixes.push(item.prefix);
    if (++count === pageSize) {
      yield page;
      yielded = true;
      page = { objects: [], prefixes: [] };
      count = 0;
    }
  }
  if (count > 0 || !yielded) yield page;
}

/**
 * Apply prefix / startAfter / delimiter to objects already sorted by key, collapsing keys that
 * contain the delimiter after the prefix into one common-prefix entry each.
 */
export function* filterSorted(
  sorted: Iterable<ObjectMeta>,
  prefix: string,
  startAfter: string,
  delimiter: '/' | undefined,
  compare: (a: string, b: string) => number,
): Generator<ListItem> {
  let lastPrefix: string | undefined;
  for (const meta of sorted) {
    const key = meta.key;
    if (!key.startsWith(prefix)) continue;
    if (startAfter !== '' && compare(key, startAfter) <= 0) continue;
    if (delimiter !== undefined) {
      const at = key.indexOf(delimiter, prefix.length);
      if (at >= 0) {
        const common = key.slice(0, at + 1);
        // Keys sharing a prefix are contiguous in sorted order, so comparing with the last one suffices.
        if (common !== lastPrefix) {
          lastPrefix = common;
          yield { type: 'prefix', prefix: common };
        }
        continue;
      }
    }
    yield { type: 'object', meta };
  }
}
