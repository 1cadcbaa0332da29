import { describe, expect, it } from 'vitest';
import { applyEvent, emptyIndex, historyOf, liveAliases, rollbackTarget } from './model-index.js';
import type { AliasChange, RegistryEvent, VersionSummary } from './types.js';

const summary = (version: number, revision = 0, tags: Record<string, string> = {}): VersionSummary => ({
  version,
  createdAt: version,
  updatedAt: version + revision,
  createdBy: 'a',
  description: '',
  status: 'READY',
  metrics: {},
  params: {},
  tags,
  revision,
});

const aliasEvent = (seq: number, alias: string, from: number | null, to: number | null, aliasRevision: number, rollback = false): RegistryEvent => ({
  seq,
  type: to === null ? 'alias_deleted' : 'alias_set',
  name: 'm',
  at: seq,
  actor: 'a',
  alias,
  from,
  to,
  aliasRevision,
  ...(rollback ? { rollback } : {}),
});

describe('index fold', () => {
  it('folds registrations, tag changes by revision, and aliases; re-applying is a no-op', () => {
    const state = emptyIndex('m');
    const events: RegistryEvent[] = [
      { seq: 1, type: 'version_registered', name: 'm', at: 1, actor: 'a', version: 1, summary: summary(1) },
      { seq: 2, type: 'version_registered', name: 'm', at: 2, actor: 'a', version: 2, summary: summary(2) },
      // A tag change logged after a later one (writers raced): the higher manifest revision wins.
      { seq: 3, type: 'tags_set', name: 'm', at: 3, actor: 'a', version: 1, summary: summary(1, 2, { a: '1', b: '2' }) },
      { seq: 4, type: 'tags_set', name: 'm', at: 4, actor: 'a', version: 1, summary: summary(1, 1, { a: '1' }) },
      aliasEvent(5, 'prod', null, 1, 1),
      aliasEvent(6, 'prod', 1, 2, 2),
    ];
    for (const e of events) applyEvent(state, e);
    for (const e of events) applyEvent(state, e);
    expect(state.lastSeq).toBe(6);
    expect(state.lastVersion).toBe(2);
    expect(state.versions.map((v) => v.version)).toEqual([1, 2]);
    expect(state.versions[0]!.tags).toEqual({ a: '1', b: '2' });
    expect(liveAliases(state)).toEqual({ prod: 2 });
    applyEvent(state, aliasEvent(7, 'prod', 2, null, 3));
    expect(liveAliases(state)).toEqual({});
    expect(state.aliases.prod).toEqual({ version: null, revision: 3 });
  });

  it('orders alias history by pointer revision even when the log order differs', () => {
    const state = emptyIndex('m');
    applyEvent(state, aliasEvent(1, 'prod', null, 1, 1));
    applyEvent(state, aliasEvent(2, 'prod', 2, 3, 3));
    applyEvent(state, aliasEvent(3, 'prod', 1, 2, 2));
    applyEvent(state, aliasEvent(4, 'prod', 1, 2, 2)); // a recovered duplicate of revision 2
    expect(historyOf(state, 'prod').map((h) => [h.from, h.to])).toEqual([
      [null, 1],
      [1, 2],
      [2, 3],
    ]);
    expect(liveAliases(state)).toEqual({ prod: 3 });
  });
});

describe('rollbackTarget', () => {
  const change = (from: number | null, to: number | null, revision: number, rollback = false): AliasChange => ({
    alias: 'prod',
    from,
    to,
    at: revision,
    actor: 'a',
    revision,
    seq: revision,
    ...(rollback ? { rollback } : {}),
  });
  it('walks back a stack of moves rather than toggling', () => {
    expect(rollbackTarget([])).toBeNull();
    expect(rollbackTarget([change(null, 1, 1)])).toBeNull();
    const h = [change(null, 1, 1), change(1, 2, 2), change(2, 3, 3)];
    expect(rollbackTarget(h)).toBe(2);
    h.push(change(3, 2, 4, true));
    expect(rollbackTarget(h)).toBe(1);
    h.push(change(2, 1, 5, true));
    expect(rollbackTarget(h)).toBeNull();
    h.push(change(1, 4, 6));
    expect(rollbackTarget(h)).toBe(1);
  });
  it('does not roll back across a delete', () => {
    expect(rollbackTarget([change(null, 1, 1), change(1, 2, 2), change(2, null, 3), change(null, 5, 4)])).toBeNull();
  });
});
