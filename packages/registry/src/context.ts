import type { ObjectStore } from '@mlops/storage';
import type { RetryPolicy } from './cas.js';
import type { HashWorker } from './hash-worker.js';
import type { RegistryLayout } from './layout.js';
import type { RegistryEvent } from './types.js';

/** What every piece of the registry shares: the store, the key layout, who and when, and settings. */
export interface RegistryContext {
  /** The store, for reads. */
  store(): Promise<ObjectStore>;
  /** The store, after the one-time conditional-write probe passed (or single-writer mode was chosen). */
  writableStore(): Promise<ObjectStore>;
  layout: RegistryLayout;
  actor: string;
  now: () => number;
  /** Artifacts transferred at once. */
  concurrency: number;
  checkpointInterval: number;
  catalogInterval: number;
  retry: RetryPolicy;
  hasher: HashWorker;
  /** Tells local listeners (onEvent, watchers) about an event this instance wrote. */
  emit(event: RegistryEvent): void;
}

/** An event as callers draft it: the log fills in seq, name, time and actor. */
export type EventDraft = Omit<RegistryEvent, 'seq' | 'name' | 'at' | 'actor'>;
