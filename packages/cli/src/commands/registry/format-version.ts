import type { AliasChange, ModelVersion, ModelVersionInfo, RegistryEvent } from '@mlops/registry';
import { formatTable, isoTime } from '../../cli/values.js';

function kv(record: Record<string, unknown>): string {
  const entries = Object.entries(record);
  return entries.length === 0 ? '-' : entries.map(([k, v]) => `${k}=${String(v)}`).join(', ');
}

/** A version for people: header, metrics, params, tags, lineage, files. */
export function formatVersion(v: ModelVersion, aliases: readonly string[] = []): string {
  const lines = [
    `${v.name}/${v.version}${aliases.length ? `  (${aliases.map((a) => `@${a}`).join(' ')})` : ''}  ${v.status}`,
    `  registered  ${isoTime(v.createdAt)} by ${v.createdBy}`,
    ...(v.description ? [`  description ${v.description}`] : []),
    `  metrics     ${kv(v.metrics)}`,
    `  params      ${kv(v.params)}`,
    `  tags        ${kv(v.tags)}`,
  ];
  const l = v.lineage;
  if (l.code) lines.push(`  code        ${l.code.repo} @ ${l.code.commit}${l.code.path ? ` (${l.code.path})` : ''}`);
  for (const d of l.datasets ?? []) lines.push(`  dataset     ${d.role ? `${d.role}: ` : ''}${d.uri}${d.sha256 ? ` sha256:${d.sha256}` : ''}`);
  if (l.parentRun) lines.push(`  run         ${l.parentRun}`);
  if (l.author) lines.push(`  author      ${l.author}`);
  lines.push('  files');
  for (const a of v.artifacts) lines.push(`    ${a.path}  ${a.size} B  sha256:${a.sha256.slice(0, 12)}`);
  return lines.join('\n');
}

/** Versions as a table. */
export function formatVersionTable(versions: readonly ModelVersionInfo[]): string {
  if (versions.length === 0) return 'No versions.';
  return formatTable(
    ['MODEL', 'VERSION', 'STATUS', 'ALIASES', 'CREATED', 'METRICS', 'TAGS'],
    versions.map((v) => [v.name, String(v.version), v.status, v.aliases.join(',') || '-', isoTime(v.createdAt), kv(v.metrics), kv(v.tags)]),
  );
}

/** An alias history (oldest first) as a table. */
export function formatAliasHistory(changes: readonly AliasChange[]): string {
  if (changes.length === 0) return 'No alias changes.';
  return formatTable(
    ['WHEN', 'ALIAS', 'FROM', 'TO', 'WHO', 'WHY'],
    changes.map((c) => [isoTime(c.at), c.alias, c.from === null ? '-' : String(c.from), c.to === null ? '(deleted)' : String(c.to), c.actor, `${c.rollback ? '[rollback] ' : ''}${c.reason ?? ''}`]),
  );
}

/** One event-log line. */
export function describeEvent(e: RegistryEvent): string {
  switch (e.type) {
    case 'version_registered':
      return `registered version ${e.version}`;
    case 'alias_set':
      return `${e.rollback ? 'rolled back' : e.promotedFrom ? `promoted (from @${e.promotedFrom})` : 'set'} @${e.alias}: ${e.from ?? '-'} -> ${e.to}${e.gate ? ` [gate: ${e.gate.reasons.join('; ')}]` : ''}`;
    case 'alias_deleted':
      return `deleted @${e.alias} (was ${e.from ?? '-'})`;
    case 'promotion_rejected':
      return `promotion to @${e.alias} refused for version ${e.version}${e.gate ? ` [gate: ${e.gate.reasons.join('; ')}]` : ''}`;
    case 'tags_set':
      return `tagged version ${e.version}: ${kv(e.tags ?? {})}`;
    case 'tag_deleted':
      return `removed tag ${e.tagKey} from version ${e.version}`;
    case 'version_archived':
      return `archived version ${e.version}`;
    default:
      return `${String(e.type)}${e.version !== undefined ? ` version ${e.version}` : ''}`;
  }
}
