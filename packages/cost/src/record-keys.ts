import { KeyIndex } from './key-index.js';
import { PRICING_MODELS } from './usage-input.js';
import type { UsageColumns } from './usage-input.js';

/**
 * One exact number per record for everything that tells workloads apart besides node and resource
 * kind (pricing model, sku, instance type, region, labels): two records of the same node and kind
 * belong to the same cost row exactly when their keys are equal. Built column by column as a mixed
 * radix number on typed arrays, with no hashing while it stays below 2^52 (the usual case); past
 * that, the partial key is ranked and the fold goes on, so it stays exact for any label count.
 */
export function attributeKeys(u: UsageColumns): Float64Array {
  const n = u.n;
  const parts: { codes: ArrayLike<number>; card: number; offset: number }[] = [
    { codes: u.pricing, card: PRICING_MODELS.length, offset: 0 },
    { codes: u.sku.codes, card: u.sku.values.length, offset: 1 },
    { codes: u.instanceType.codes, card: u.instanceType.values.length, offset: 1 },
    { codes: u.region.codes, card: u.region.values.length, offset: 1 },
    ...u.labels.map((l) => ({ codes: l.cats.codes, card: l.cats.values.length, offset: 1 })),
  ].filter((p) => p.card > 0);
  const key = new Float64Array(n);
  let radix = 1;
  for (const p of parts) {
    const width = p.card + p.offset;
    if (radix * width > 2 ** 52) {
      const ranked = new KeyIndex(1 << 12);
      for (let i = 0; i < n; i++) key[i] = ranked.slot(key[i]!);
      radix = ranked.size;
    }
    const codes = p.codes;
    const off = p.offset;
    for (let i = 0; i < n; i++) key[i] = key[i]! * width + (codes[i]! + off);
    radix *= width;
  }
  return key;
}
