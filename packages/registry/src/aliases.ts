import { InvalidArgumentError, NotFoundError, PreconditionFailedError } from '@mlops/contracts/errors';
import { ConflictError, LOST, retryCas } from './cas.js';
import { encodeJson, type AliasPointer } from './codec.js';
import type { EventDraft, RegistryContext } from './context.js';
import type { GateDecision } from './gates.js';
import type { IndexCache } from './index-cache.js';
import { historyOf, rollbackTarget } from './model-index.js';
import { validateAlias, validateModelName } from './names.js';
import type { AliasChangeOptions, PromoteOptions, PromotionResult } from './registry-types.js';
import { resolveVersion } from './resolve-ref.js';
import { isPreconditionFailed } from './store-ops.js';
import type { AliasChange, RegistryEvent } from './types.js';

/** Alias moves, their history (with crash recovery), promotion and rollback. */
export interface AliasOps {
  moveAlias(
    name: string,
    alias: string,
    to: number | null,
    opts: AliasChangeOptions & { rollback?: boolean; gate?: GateDecision; promotedFrom?: string },
  ): Promise<{ change: AliasChange; event: RegistryEvent }>;
  aliasHistory(name: string, alias?: string): Promise<AliasChange[]>;
  promote(opts: PromoteOptions): Promise<PromotionResult>;
  rollback(name: string, alias: string, opts: { reason: string }): Promise<AliasChange>;
}

/** Creates the alias operations over one registry instance's context and index cache. */
export function createAliasOps(ctx: RegistryContext, indexes: IndexCache): AliasOps {
  const { layout } = ctx;

  async function moveAlias(
    name: string,
    alias: string,
    to: number | null,
    opts: AliasChangeOptions & { rollback?: boolean; gate?: GateDecision; promotedFrom?: string; undo?: boolean },
  ): Promise<{ change: AliasChange; event: RegistryEvent }> {
    const store = await ctx.writableStore();
    if (to !== null && !opts.undo) {
      const { manifest } = await indexes.readManifest(name, to);
      if (manifest.status !== 'READY') {
        throw new InvalidArgumentError(`Cannot point alias "${alias}" at ${name}/${to}: that version is ${manifest.status.toLowerCase()}. Choose a READY version.`, {
          details: { name, alias, version: to },
        });
      }
    }
    const key = layout.aliasKey(name, alias);
    return retryCas(
      ctx.retry,
      `moving alias ${name}@${alias}`,
      async () => {
        const { pointer, etag } = await indexes.readAliasPointer(name, alias);
        const current = pointer?.version ?? null;
        if (opts.expectedVersion !== undefined && current !== opts.expectedVersion) {
          const show = (v: number | null | undefined) => (v === null || v === undefined ? 'unset' : `v${v}`);
          throw new PreconditionFailedError(
            `Alias ${name}@${alias} moved meanwhile: expected it at ${show(opts.expectedVersion)}, found it at ${show(current)} ` +
              `(revision ${pointer?.revision ?? 0}, set by ${pointer?.actor ?? 'nobody'}). Re-read the alias and decide again.`,
            { details: { name, alias, expectedVersion: opts.expectedVersion, actualVersion: current } },
          );
        }
        if (to === null && current === null) {
          throw new NotFoundError(`Alias ${name}@${alias} is not set, so there is nothing to delete.`, { details: { name, alias } });
        }
        const at = ctx.now();
        const next: AliasPointer = { formatVersion: 1, name, alias, version: to, revision: (pointer?.revision ?? 0) + 1, from: current, updatedAt: at, actor: ctx.actor };
        if (opts.reason !== undefined) next.reason = opts.reason;
        if (opts.rollback) next.rollback = true;
        try {
          await store.put(key, encodeJson(next), etag ? { ifMatch: etag, contentType: 'application/json' } : { ifNoneMatch: '*', contentType: 'application/json' });
        } catch (error) {
          if (isPreconditionFailed(error)) return LOST; // someone moved it: re-read (and re-check expectedVersion)
          throw error;
        }
        const draft: EventDraft = { type: to === null ? 'alias_deleted' : 'alias_set', alias, from: current, to, aliasRevision: next.revision };
        if (to !== null) draft.version = to;
        if (opts.reason !== undefined) draft.reason = opts.reason;
        if (opts.rollback) draft.rollback = true;
        if (opts.gate) draft.gate = opts.gate;
        if (opts.promotedFrom !== undefined) draft.promotedFrom = opts.promotedFrom;
        const event = await indexes.logEvent(name, draft, at);
        const change: AliasChange = { alias, from: current, to, at, actor: ctx.actor, revision: next.revision, seq: event.seq };
        if (opts.reason !== undefined) change.reason = opts.reason;
        if (opts.rollback) change.rollback = true;
        if (to !== null && !opts.undo) await undoIfArchived(name, alias, to, current);
        return { change, event };
      },
      { name, alias },
    );
  }

  /** The alias half of the archive/alias race (see ManifestOps.archive): re-read the target after moving. */
  async function undoIfArchived(name: string, alias: string, to: number, previous: number | null): Promise<void> {
    const { manifest } = await indexes.readManifest(name, to);
    if (manifest.status === 'READY') return;
    try {
      await moveAlias(name, alias, previous, { expectedVersion: to, rollback: true, undo: true, reason: `undone: ${name}/${to} was ${manifest.status.toLowerCase()} concurrently` });
    } catch (error) {
      // Someone else moved the alias meanwhile: it is no longer ours to undo.
      if (!isPreconditionFailed(error)) throw error;
    }
    throw new ConflictError(`Moving ${name}@${alias} to v${to} raced with archiving or deleting that version; the move was undone. Choose a READY version.`, {
      details: { name, alias, version: to },
    });
  }

  async function aliasHistory(name: string, alias?: string): Promise<AliasChange[]> {
    validateModelName(name);
    if (alias !== undefined) validateAlias(alias);
    // Loading the index reconciles alias pointers with the log (see IndexCache.loadIndex).
    return historyOf(await indexes.loadIndex(name), alias);
  }

  async function promote(opts: PromoteOptions): Promise<PromotionResult> {
    if (typeof opts !== 'object' || opts === null) throw new InvalidArgumentError('promote needs { name, from, to, gate?, reason }.');
    const { name, from, to, gate, reason } = opts;
    validateModelName(name);
    validateAlias(to);
    if (typeof reason !== 'string' || reason.trim() === '') {
      throw new InvalidArgumentError('promote needs a reason (a non-empty string); it is recorded in the event log for the audit trail.');
    }
    const candidate = await resolveVersion(indexes, typeof from === 'number' ? `${name}/${from}` : `${name}@${from}`);
    const { pointer } = await indexes.readAliasPointer(name, to);
    const incumbentVersion = pointer?.version ?? null;
    const incumbent = incumbentVersion === null ? undefined : (await indexes.readManifest(name, incumbentVersion)).manifest;
    if (incumbentVersion === candidate.version) {
      const result: PromotionResult = { promoted: false, candidate, decision: { passed: true, reasons: [`${name}@${to} already points at v${candidate.version}`] } };
      if (incumbent) result.incumbent = incumbent;
      return result;
    }
    let decision: GateDecision = { passed: true, reasons: ['no gate configured'] };
    if (gate) {
      const answer = await gate(candidate, incumbent);
      decision = typeof answer === 'boolean' ? { passed: answer, reasons: [answer ? 'gate passed' : 'gate failed'] } : { passed: !!answer.passed, reasons: [...answer.reasons] };
    }
    const result: PromotionResult = { promoted: false, candidate, decision };
    if (incumbent) result.incumbent = incumbent;
    if (!decision.passed) {
      result.event = await indexes.logEvent(
        name,
        { type: 'promotion_rejected', alias: to, from: incumbentVersion, to: null, version: candidate.version, gate: decision, reason, promotedFrom: String(from) },
        ctx.now(),
      );
      return result;
    }
    const moved = await moveAlias(name, to, candidate.version, { expectedVersion: incumbentVersion, reason, gate: decision, promotedFrom: String(from) });
    result.promoted = true;
    result.event = moved.event;
    return result;
  }

  async function rollback(name: string, alias: string, opts: { reason: string }): Promise<AliasChange> {
    validateModelName(name);
    validateAlias(alias);
    const history = await aliasHistory(name, alias);
    const last = history[history.length - 1];
    const target = rollbackTarget(history);
    if (!last || target === null) {
      throw new InvalidArgumentError(
        `Cannot roll back ${name}@${alias}: its history has no earlier target to return to${last ? '' : ' (the alias was never set)'}. Use setAlias to point it explicitly.`,
        { details: { name, alias } },
      );
    }
    return (await moveAlias(name, alias, target, { expectedVersion: last.to, reason: opts?.reason, rollback: true })).change;
  }

  return { moveAlias, aliasHistory, promote, rollback };
}
