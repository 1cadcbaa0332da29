import { DataCorruptedError } from '@mlops/contracts/errors';
import type { ModelIndexState } from './model-index.js';
import type { ModelVersion, RegistryEvent } from './types.js';

/** Format version written into every registry object; readers refuse newer ones. */
export const FORMAT_VERSION = 1;

/** What an alias pointer object holds: the current target and the change that put it there. */
export interface AliasPointer {
  formatVersion: 1;
  name: string;
  alias: string;
  /** Current target, `null` after a delete (a tombstone keeps revisions monotonic). */
  version: number | null;
  /** Incremented by every change; orders the alias history. */
  revision: number;
  /** The previous target. */
  from: number | null;
  updatedAt: number;
  actor: string;
  reason?: string;
  rollback?: boolean;
}

/** What a blob pointer (`blobs/sha256/<hh>/<sha>.json`) holds. */
export interface BlobPointer {
  formatVersion: 1;
  sha256: string;
  size: number;
  /** Key of the bytes. */
  blob: string;
  createdAt: number;
  /** Last time a registration reused these bytes (ms since the epoch); the rewrite is what gc's conditional delete notices. */
  lastUsedAt?: number;
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** JSON bytes of a registry object. */
export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

function corrupted(key: string, what: string, found: string, cause?: unknown): never {
  throw new DataCorruptedError(
    `The registry object at "${key}" is not a valid ${what}: ${found}. It was written by something other than ` +
      `@mlops/registry or damaged; restore it from a backup or remove it.`,
    { cause, details: { key } },
  );
}

function parse(key: string, what: string, bytes: Uint8Array): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(bytes));
  } catch (error) {
    corrupted(key, what, 'it is not JSON', error);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) corrupted(key, what, 'it is not a JSON object');
  const record = value as Record<string, unknown>;
  if (record.formatVersion !== FORMAT_VERSION) {
    corrupted(
      key,
      what,
      typeof record.formatVersion === 'number' && record.formatVersion > FORMAT_VERSION
        ? `formatVersion ${record.formatVersion} is newer than this @mlops/registry understands (upgrade the package)`
        : `formatVersion is ${JSON.stringify(record.formatVersion)}, expected ${FORMAT_VERSION}`,
    );
  }
  return record;
}

function requireFields(key: string, what: string, record: Record<string, unknown>, fields: Record<string, string>): void {
  for (const [field, type] of Object.entries(fields)) {
    const value = record[field];
    const actual = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
    if (!type.split('|').includes(actual)) corrupted(key, what, `field "${field}" is ${actual}, expected ${type}`);
  }
}

/** Decodes and checks a version manifest. */
export function decodeManifest(key: string, bytes: Uint8Array): ModelVersion {
  const record = parse(key, 'model version manifest', bytes);
  requireFields(key, 'model version manifest', record, {
    name: 'string',
    version: 'number',
    createdAt: 'number',
    updatedAt: 'number',
    status: 'string',
    artifacts: 'array',
    metrics: 'object',
    params: 'object',
    tags: 'object',
    lineage: 'object',
    revision: 'number',
  });
  const { formatVersion: _f, ...manifest } = record;
  return manifest as unknown as ModelVersion;
}

/** Encodes a manifest with its format version. */
export function encodeManifest(version: ModelVersion): Uint8Array {
  return encodeJson({ formatVersion: FORMAT_VERSION, ...version });
}

/** Decodes and checks an alias pointer. */
export function decodeAliasPointer(key: string, bytes: Uint8Array): AliasPointer {
  const record = parse(key, 'alias pointer', bytes);
  requireFields(key, 'alias pointer', record, { alias: 'string', version: 'number|null', revision: 'number', from: 'number|null' });
  return record as unknown as AliasPointer;
}

/** Decodes and checks an event. */
export function decodeEvent(key: string, bytes: Uint8Array): RegistryEvent {
  const record = parse(key, 'registry event', bytes);
  requireFields(key, 'registry event', record, { seq: 'number', type: 'string', name: 'string', at: 'number', actor: 'string' });
  const { formatVersion: _f, ...event } = record;
  return event as unknown as RegistryEvent;
}

/** Encodes an event with its format version. */
export function encodeEvent(event: RegistryEvent): Uint8Array {
  return encodeJson({ formatVersion: FORMAT_VERSION, ...event });
}

/**
 * A manifest update in flight (`models/<name>/pending/…`): written before the manifest's
 * compare-and-swap and deleted after its log entry, so a reader can tell a change whose writer
 * died before logging it and log it for that writer.
 */
export interface PendingUpdate {
  formatVersion: 1;
  name: string;
  version: number;
  /** The manifest revision the update writes. */
  revision: number;
  /** When the writer began (ms since the epoch); the logged event keeps this time. */
  at: number;
  actor: string;
  /** The event the writer will log, without `seq`, `name`, `at`, `actor` (its `summary` is the new manifest's). */
  event: Omit<RegistryEvent, 'seq' | 'name' | 'at' | 'actor'> & { summary: NonNullable<RegistryEvent['summary']> };
}

/** Decodes and checks a pending manifest update. */
export function decodePendingUpdate(key: string, bytes: Uint8Array): PendingUpdate {
  const record = parse(key, 'pending manifest update', bytes);
  requireFields(key, 'pending manifest update', record, { name: 'string', version: 'number', revision: 'number', at: 'number', actor: 'string', event: 'object' });
  const event = record.event as Record<string, unknown>;
  requireFields(key, 'pending manifest update', event, { type: 'string', summary: 'object' });
  requireFields(key, 'pending manifest update', event.summary as Record<string, unknown>, { version: 'number', revision: 'number' });
  return record as unknown as PendingUpdate;
}

/** Decodes and checks a blob pointer. */
export function decodeBlobPointer(key: string, bytes: Uint8Array): BlobPointer {
  const record = parse(key, 'blob pointer', bytes);
  requireFields(key, 'blob pointer', record, { sha256: 'string', size: 'number', blob: 'string' });
  return record as unknown as BlobPointer;
}

const INDEX_FIELDS = { name: 'string', lastSeq: 'number', lastVersion: 'number', versions: 'array', aliases: 'object', aliasHistory: 'array' };

/** Decodes an index checkpoint (its own `formatVersion` field is part of the state). */
export function decodeIndex(key: string, bytes: Uint8Array): ModelIndexState {
  const record = parse(key, 'model index', bytes);
  requireFields(key, 'model index', record, INDEX_FIELDS);
  return record as unknown as ModelIndexState;
}

/** The registry-wide catalog snapshot: every model's index as some reader last saw it. */
export interface CatalogSnapshot {
  formatVersion: 1;
  /** When it was written (ms since the epoch). */
  builtAt: number;
  /** One index state per model. */
  models: ModelIndexState[];
}

/** Encodes a catalog snapshot. */
export function encodeCatalogSnapshot(models: ModelIndexState[], builtAt: number): Uint8Array {
  return encodeJson({ formatVersion: FORMAT_VERSION, builtAt, models });
}

/** Decodes a catalog snapshot, checking every model's index like a checkpoint. */
export function decodeCatalogSnapshot(key: string, bytes: Uint8Array): CatalogSnapshot {
  const record = parse(key, 'catalog snapshot', bytes);
  requireFields(key, 'catalog snapshot', record, { builtAt: 'number', models: 'array' });
  for (const model of record.models as unknown[]) {
    if (typeof model !== 'object' || model === null || Array.isArray(model)) corrupted(key, 'catalog snapshot', 'a model entry that is not an object');
    requireFields(key, 'catalog snapshot', model as Record<string, unknown>, INDEX_FIELDS);
  }
  return record as unknown as CatalogSnapshot;
}
