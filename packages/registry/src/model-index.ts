import type { AliasChange, ModelVersion, RegistryEvent, VersionSummary } from './types.js';

/**
 * The per-model index: a fold of the event log (plus manifests found by listing), checkpointed to
 * `models/<name>/index.json` now and then. Readers load the checkpoint and apply the log tail, so it
 * is never stale and never needs to be rewritten on every change.
 */
export interface ModelIndexState {
  formatVersion: 1;
  name: string;
  /** Highest event sequence number folded in. */
  lastSeq: number;
  /** Highest version number known (from events or manifests). */
  lastVersion: number;
  /** Summaries by version, ascending. */
  versions: VersionSummary[];
  /** Alias -> current target and pointer revision (`version: null` after a delete). */
  aliases: Record<string, { version: number | null; revision: number }>;
  /** Every alias change, in log order. */
  aliasHistory: AliasChange[];
  createdAt: number;
  updatedAt: number;
  /** Objects of this model that could not be read (`DATA_CORRUPTED`); the rest of the model still works. */
  damage?: { key: string; message: string }[];
}

/** An empty index for a model. */
export function emptyIndex(name: string): ModelIndexState {
  return { formatVersion: 1, name, lastSeq: 0, lastVersion: 0, versions: [], aliases: {}, aliasHistory: [], createdAt: 0, updatedAt: 0 };
}

/** The searchable summary of a version. */
export function summarize(v: ModelVersion): VersionSummary {
  const summary: VersionSummary = {
    version: v.version,
    createdAt: v.createdAt,
    updatedAt: v.updatedAt,
    createdBy: v.createdBy,
    description: v.description,
    status: v.status,
    metrics: v.metrics,
    params: v.params,
    tags: v.tags,
    revision: v.revision,
  };
  if (v.lineage.parentRun !== undefined) summary.runId = v.lineage.parentRun;
  if (Object.keys(v.lineage).length > 0) summary.lineage = v.lineage;
  return summary;
}

function findVersion(state: ModelIndexState, version: number): VersionSummary | undefined {
  // Versions are contiguous from 1, so position version-1 is right unless a registration is still in flight.
  const guess = state.versions[version - 1];
  if (guess?.version === version) return guess;
  return state.versions.find((v) => v.version === version);
}

/** Adds or refreshes a version summary; a summary at an older revision never replaces a newer one. */
export function upsertSummary(state: ModelIndexState, summary: VersionSummary): void {
  const existing = findVersion(state, summary.version);
  if (existing) {
    if (summary.revision > existing.revision) Object.assign(existing, summary);
  } else {
    state.versions.push({ ...summary });
    if (state.versions.length > 1 && state.versions[state.versions.length - 2]!.version > summary.version) {
      state.versions.sort((a, b) => a.version - b.version);
    }
  }
  if (summary.version > state.lastVersion) state.lastVersion = summary.version;
  if (state.createdAt === 0 || summary.createdAt < state.createdAt) state.createdAt = summary.createdAt;
  if (summary.updatedAt > state.updatedAt) state.updatedAt = summary.updatedAt;
}

/** Folds one event into the index (idempotent: re-applying an event changes nothing). */
export function applyEvent(state: ModelIndexState, event: RegistryEvent): void {
  if (event.seq <= state.lastSeq) return;
  state.lastSeq = event.seq;
  if (event.at > state.updatedAt) state.updatedAt = event.at;
  switch (event.type) {
    case 'version_registered':
    case 'tags_set':
    case 'tag_deleted':
    case 'version_archived':
    case 'version_unarchived':
    case 'version_deleted':
      if (event.summary) upsertSummary(state, event.summary);
      return;
    case 'alias_set':
    case 'alias_deleted': {
      const alias = event.alias!;
      const revision = event.aliasRevision ?? 0;
      // A writer that crashed after moving the pointer may have its change logged late (or by
      // recovery); the pointer revision, not log order, says which change is newer.
      if (state.aliasHistory.some((c) => c.alias === alias && c.revision === revision)) return;
      const change: AliasChange = {
        alias,
        from: event.from ?? null,
        to: event.to ?? null,
        at: event.at,
        actor: event.actor,
        revision,
        seq: event.seq,
      };
      if (event.reason !== undefined) change.reason = event.reason;
      if (event.rollback) change.rollback = true;
      if (event.recovered) change.recovered = true;
      state.aliasHistory.push(change);
      const current = state.aliases[alias];
      if (!current || revision > current.revision) state.aliases[alias] = { version: event.to ?? null, revision };
      return;
    }
    case 'promotion_rejected':
    case 'model_deleted':
    case 'event_quarantined':
      return;
  }
}

/**
 * Folds an alias move seen on its pointer but not (yet) in the log, so every read shows the pointer's
 * state at once; its log entry, when it comes, is deduplicated by revision like any other.
 */
export function applyPointer(
  state: ModelIndexState,
  alias: string,
  pointer: { version: number | null; revision: number; from: number | null; updatedAt: number; actor: string; reason?: string; rollback?: boolean },
): void {
  if (state.aliasHistory.some((c) => c.alias === alias && c.revision === pointer.revision)) return;
  const change: AliasChange = { alias, from: pointer.from, to: pointer.version, at: pointer.updatedAt, actor: pointer.actor, revision: pointer.revision, seq: state.lastSeq };
  if (pointer.reason !== undefined) change.reason = pointer.reason;
  if (pointer.rollback) change.rollback = true;
  state.aliasHistory.push(change);
  const current = state.aliases[alias];
  if (!current || pointer.revision > current.revision) state.aliases[alias] = { version: pointer.version, revision: pointer.revision };
}

/** Live aliases (deleted ones left out) as alias -> version. */
export function liveAliases(state: ModelIndexState): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [alias, target] of Object.entries(state.aliases)) if (target.version !== null) out[alias] = target.version;
  return out;
}

/** The history of one alias ordered by pointer revision (a single linear chain), or of all aliases in log order. */
export function historyOf(state: ModelIndexState, alias?: string): AliasChange[] {
  if (alias === undefined) return [...state.aliasHistory].sort((a, b) => a.seq - b.seq);
  return state.aliasHistory.filter((c) => c.alias === alias).sort((a, b) => a.revision - b.revision);
}

/**
 * The version a rollback of `alias` goes back to: alias changes form a stack (each move pushes the
 * target it replaced, each rollback pops), so repeated rollbacks walk further back rather than toggle.
 */
export function rollbackTarget(history: AliasChange[]): number | null {
  const stack: (number | null)[] = [];
  for (const change of history) {
    if (change.rollback) stack.pop();
    else if (change.to === null) stack.length = 0;
    else stack.push(change.from);
  }
  return stack.length > 0 ? (stack[stack.length - 1] ?? null) : null;
}
